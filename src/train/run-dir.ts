// A run is a directory: runs/<model>-<timestamp>/ with config.json, metrics.jsonl,
// checkpoints/, the final model (model.safetensors) and pictures. `--out` picks another path.

import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { withJsonChecksum } from '../io/json-checksum.js';
import { writeFileAtomic } from '../io/atomic-write.js';

export class RunDir {
  readonly path: string;

  constructor(path: string) {
    this.path = resolve(path);
    mkdirSync(this.path, { recursive: true });
  }

  /** runs/<model>-<YYYYMMDD-HHMMSS> under `root`, with a suffix if it exists already. */
  static create(model: string, root = 'runs', out?: string): RunDir {
    if (out) return new RunDir(out);
    const d = new Date();
    const p2 = (n: number) => String(n).padStart(2, '0');
    const stamp = `${d.getFullYear()}${p2(d.getMonth() + 1)}${p2(d.getDate())}-${p2(d.getHours())}${p2(d.getMinutes())}${p2(d.getSeconds())}`;
    return new RunDir(join(root, `${model}-${stamp}-${process.pid}`));
  }

  file(...parts: string[]): string {
    return join(this.path, ...parts);
  }

  get checkpoints(): string { return this.file('checkpoints'); }
  get metricsFile(): string { return this.file('metrics.jsonl'); }

  /** Writes a JSON file atomically; an object gets a checksum field (io/json-checksum.ts). */
  writeJson(name: string, value: unknown): void {
    writeFileAtomic(this.file(name), JSON.stringify(withJsonChecksum(value), null, 2) + '\n');
  }
}
