// TensorBoard event files: a writer (scalars and PNG images, TFRecord framing with masked
// CRC32C) and a spec-exact reader, so `tensorboard --logdir runs` shows myelin's runs.

import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { encodeRecord, decodeRecords } from './records.js';
import { decodeEvent, encodeEvent, FILE_VERSION, type SummaryImage, type TbEvent } from './event.js';

export { crc32c, maskedCrc32c, maskCrc, unmaskCrc } from './crc32c.js';
export { encodeRecord, decodeRecords } from './records.js';
export { encodeEvent, decodeEvent, FILE_VERSION, type TbEvent, type SummaryValue, type SummaryImage } from './event.js';

const PREFIX = 'events.out.tfevents.';

/** Width, height and TensorBoard colorspace of a PNG, from its IHDR chunk. */
export function pngInfo(png: Uint8Array): { width: number; height: number; colorspace: number } {
  const sig = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (png.length < 33 || sig.some((b, i) => png[i] !== b)) throw new Error('not a PNG file (bad signature)');
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const colorType = png[25];
  // PNG colour types: 0 gray, 2 RGB, 3 palette (decodes to RGB), 4 gray+alpha, 6 RGBA.
  const colorspace = ({ 0: 1, 2: 3, 3: 3, 4: 2, 6: 4 } as Record<number, number>)[colorType];
  if (colorspace === undefined) throw new Error(`PNG colour type ${colorType} is not valid`);
  return { width: view.getUint32(16), height: view.getUint32(20), colorspace };
}

/**
 * Appends events to `events.out.tfevents.<unix seconds>.<host>` in a directory. The first
 * event carries file_version "brain.Event:2". Every event is written through at once, so
 * TensorBoard (or a crash) sees whole records.
 */
export class EventFileWriter {
  readonly path: string;
  private fd: number | null;

  constructor(dir: string, options: { filename?: string } = {}) {
    mkdirSync(dir, { recursive: true });
    const now = Date.now() / 1000;
    this.path = join(dir, options.filename ?? `${PREFIX}${Math.floor(now)}.${hostname()}`);
    const fresh = !existsSync(this.path) || statSync(this.path).size === 0;
    this.fd = openSync(this.path, 'a');
    if (fresh) this.write({ wallTime: now, step: 0, fileVersion: FILE_VERSION });
  }

  /** Opens an existing event file to append to (no new file_version event). */
  static append(path: string): EventFileWriter {
    const slash = path.lastIndexOf('/');
    return new EventFileWriter(slash >= 0 ? path.slice(0, slash) : '.', { filename: path.slice(slash + 1) });
  }

  write(event: TbEvent): void {
    if (this.fd === null) throw new Error(`EventFileWriter: ${this.path} is closed`);
    const rec = encodeRecord(encodeEvent(event));
    let done = 0;
    while (done < rec.length) done += writeSync(this.fd, rec, done, rec.length - done);
  }

  scalars(step: number, values: Record<string, number>, wallTime = Date.now() / 1000): void {
    const list = Object.entries(values).filter(([, v]) => typeof v === 'number' && !Number.isNaN(v)).map(([tag, v]) => ({ tag, simpleValue: v }));
    if (list.length) this.write({ wallTime, step, summary: { values: list } });
  }

  /** An encoded PNG as an image summary. */
  image(tag: string, step: number, png: Uint8Array, wallTime = Date.now() / 1000): void {
    const { width, height, colorspace } = pngInfo(png);
    const image: SummaryImage = { width, height, colorspace, encodedImageString: png };
    this.write({ wallTime, step, summary: { values: [{ tag, image }] } });
  }

  flush(): void {
    if (this.fd !== null) fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd === null) return;
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = null;
  }
}

/** Reads every event of an event file, checking each record's CRCs. */
export function readEventFile(path: string, options: { allowPartialTail?: boolean } = {}): TbEvent[] {
  const { records } = decodeRecords(readFileSync(path), { ...options, source: path });
  return records.map((r, i) => {
    try {
      return decodeEvent(r);
    } catch (e) {
      throw new Error(`${path}: record ${i}: ${(e as Error).message}`);
    }
  });
}

/** Event files in a directory (not recursive), oldest name first. */
export function eventFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.startsWith(PREFIX)).sort().map((f) => join(dir, f));
}
