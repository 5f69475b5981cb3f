// safetensors: the weight format shared with PyTorch / Hugging Face.
//
//   [8 bytes: header length N, little-endian u64][N bytes: UTF-8 JSON header][byte buffer]
//
// The header maps each tensor name to {dtype, shape, data_offsets: [begin, end]} (offsets into
// the byte buffer) plus an optional "__metadata__" string->string map. Tensor data is
// little-endian and row-major; the tensors must cover the byte buffer exactly (no overlaps,
// no holes).
//
// Files come from strangers, so the decoder checks every header number against the real file
// size before it allocates or reads anything: a lying header yields an error, never a huge
// allocation or a read outside the buffer. The header's shape is bounded before JSON.parse sees
// it (header-scan.ts), and error messages quote at most a few dozen bytes of the file.
//
// Integrity: myelin writes a CRC-32C of every tensor (its bytes, then its dtype and shape) and
// of the other metadata into __metadata__["myelin.crc32c"] (a JSON map; still a valid file for
// every other reader) and verifies it on read when present, naming the tensor. So a flipped bit,
// two tensors' offsets swapped or a relabelled dtype is an error, not silently wrong weights.
// Files without it (PyTorch's) still load.
import type { TypedArray } from '../dtype/dtype.js';
import { writeFileAtomic } from './atomic-write.js';
import { readRegularFile } from './read-file.js';
import { crc32c, crcHex } from './crc32c.js';
import { clip, scanHeader } from './header-scan.js';
import { describeJsonError } from './json-error.js';

/** Headers above this size are rejected outright (the reference implementation uses 100 MB). */
export const SAFETENSORS_MAX_HEADER_BYTES = 100_000_000;

export interface SafetensorsTensor {
  /** dtype as written in the file, e.g. 'F32', 'BF16', 'I64'. */
  dtype: string;
  shape: number[];
  /** Decoded values: F32/F16/BF16 -> Float32Array, F64 -> Float64Array, integers/BOOL -> Int32Array. */
  data: TypedArray;
}

export interface SafetensorsContents {
  /** In data-offset order: the writer's order for files written by myelin. */
  tensors: Map<string, SafetensorsTensor>;
  /** The file's metadata, less the checksums. */
  metadata: Record<string, string> | null;
  /** Whether the file carried checksums (all of which matched: a mismatch throws). */
  verified: boolean;
}

/** The __metadata__ key of the checksums: {tensor name: crc, "__metadata__": crc of the rest}. */
export const CHECKSUM_KEY = 'myelin.crc32c';

export interface TensorToWrite {
  shape: readonly number[];
  data: TypedArray;
}

export type TensorsToWrite =
  | Iterable<readonly [string, TensorToWrite]>
  | ReadonlyMap<string, TensorToWrite>;

// ---------------------------------------------------------------------------------------------
// dtypes

type Decoder = (view: DataView, count: number, name: string, where: string) => TypedArray;

interface FileDType { itemSize: number; decode: Decoder }

// All decoders go through DataView: it reads little-endian on any host and at any alignment
// (tensors after an odd-sized U8 tensor are unaligned), and there is one code path to test.
const FILE_DTYPES: Record<string, FileDType> = {
  F64: { itemSize: 8, decode: (v, n) => fill(new Float64Array(n), (i) => v.getFloat64(i * 8, true)) },
  F32: { itemSize: 4, decode: (v, n) => fill(new Float32Array(n), (i) => v.getFloat32(i * 4, true)) },
  F16: { itemSize: 2, decode: (v, n) => halfToFloat32(v, n, f16BitsToF32Bits) },
  BF16: { itemSize: 2, decode: (v, n) => halfToFloat32(v, n, (h) => h << 16) },
  I64: { itemSize: 8, decode: decodeI64 },
  I32: { itemSize: 4, decode: (v, n) => fill(new Int32Array(n), (i) => v.getInt32(i * 4, true)) },
  I16: { itemSize: 2, decode: (v, n) => fill(new Int32Array(n), (i) => v.getInt16(i * 2, true)) },
  U16: { itemSize: 2, decode: (v, n) => fill(new Int32Array(n), (i) => v.getUint16(i * 2, true)) },
  I8: { itemSize: 1, decode: (v, n) => fill(new Int32Array(n), (i) => v.getInt8(i)) },
  U8: { itemSize: 1, decode: (v, n) => fill(new Int32Array(n), (i) => v.getUint8(i)) },
  // Any nonzero byte is true, as NumPy and PyTorch read it.
  BOOL: { itemSize: 1, decode: (v, n) => fill(new Int32Array(n), (i) => (v.getUint8(i) !== 0 ? 1 : 0)) },
};

const SUPPORTED = Object.keys(FILE_DTYPES).join(', ');

function fill<T extends TypedArray>(out: T, at: (i: number) => number): T {
  for (let i = 0; i < out.length; i++) out[i] = at(i);
  return out;
}

// 16-bit floats are widened bit by bit into float32 (exact: every f16/bf16 value is a float32
// value), which also keeps NaN payloads instead of going through a JS number.
function halfToFloat32(v: DataView, n: number, toF32Bits: (h: number) => number): Float32Array {
  const out = new Float32Array(n);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0; i < n; i++) bits[i] = toF32Bits(v.getUint16(i * 2, true)) >>> 0;
  return out;
}

/** IEEE binary16 bits -> binary32 bits. */
function f16BitsToF32Bits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >> 10) & 0x1f;
  let mant = h & 0x3ff;
  if (exp === 0x1f) return sign | 0x7f800000 | (mant << 13); // inf / NaN (payload kept)
  if (exp !== 0) return sign | ((exp - 15 + 127) << 23) | (mant << 13);
  if (mant === 0) return sign; // +-0
  // Subnormal half (mant * 2^-24) is a normal float32: shift until the implicit bit appears.
  let e = -14;
  while ((mant & 0x400) === 0) { mant <<= 1; e--; }
  return sign | ((e + 127) << 23) | ((mant & 0x3ff) << 13);
}

function decodeI64(v: DataView, n: number, name: string, where: string): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const lo = v.getUint32(i * 8, true);
    const hi = v.getInt32(i * 8 + 4, true);
    // In int32 range exactly when the high word is the sign extension of the low word.
    if (hi !== (lo | 0) >> 31) {
      throw new Error(`${where}: tensor ${clip(name)} (I64) element ${i} = ${v.getBigInt64(i * 8, true)} ` +
        'is outside the int32 range myelin stores integers in');
    }
    out[i] = lo | 0;
  }
  return out;
}

function fileDTypeOf(data: TypedArray): string | undefined {
  if (data instanceof Float32Array) return 'F32';
  if (data instanceof Float64Array) return 'F64';
  if (data instanceof Int32Array) return 'I32';
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// decoding

interface Entry { name: string; dtype: string; shape: number[]; begin: number; end: number }

/** Parse and fully validate a safetensors file held in memory. `source` names it in errors. */
export function decodeSafetensors(bytes: Uint8Array, source = '<buffer>'): SafetensorsContents {
  const where = `safetensors ${source}`;
  if (bytes.byteLength < 8) {
    throw new Error(`${where}: file is ${bytes.byteLength} bytes, shorter than the 8-byte header length`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = view.getBigUint64(0, true);
  if (headerLen > BigInt(SAFETENSORS_MAX_HEADER_BYTES)) {
    throw new Error(`${where}: header length ${headerLen} exceeds the limit of ${SAFETENSORS_MAX_HEADER_BYTES} bytes`);
  }
  const n = Number(headerLen);
  if (n > bytes.byteLength - 8) {
    throw new Error(`${where}: header length ${n} exceeds the ${bytes.byteLength - 8} bytes left in the file`);
  }
  const raw = bytes.subarray(8, 8 + n);
  scanHeader(raw, where);
  const header = parseHeader(raw, where);
  const buffer = bytes.subarray(8 + n);

  let metadata: Record<string, string> | null = null;
  const entries: Entry[] = [];
  for (const [name, value] of Object.entries(header)) {
    if (name === '__metadata__') metadata = checkMetadata(value, where);
    else entries.push(checkEntry(name, value, buffer.byteLength, where));
  }
  // File order, not JSON key order: JSON.parse moves integer-like names ('0', '1') to the front,
  // while offsets keep the writer's order. The sort is stable, so equal offsets keep key order.
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  checkCoverage(sorted, buffer.byteLength, where);

  const checksums = metadata !== null && Object.hasOwn(metadata, CHECKSUM_KEY) ? takeChecksums(metadata, entries, where) : null;

  // Only now, with every range checked against the real buffer, do we allocate.
  const tensors = new Map<string, SafetensorsTensor>();
  for (const e of sorted) {
    const bytesOf = buffer.subarray(e.begin, e.end);
    if (checksums !== null && checksums.get(e.name) !== tensorChecksum(bytesOf, e.dtype, e.shape)) {
      throw new Error(`${where}: tensor ${clip(e.name)} does not match its checksum: its data, dtype or shape changed ` +
        'since it was written (a corrupted or tampered file)');
    }
    const dt = FILE_DTYPES[e.dtype]!;
    const dataView = new DataView(buffer.buffer, buffer.byteOffset + e.begin, e.end - e.begin);
    const data = dt.decode(dataView, (e.end - e.begin) / dt.itemSize, e.name, where);
    tensors.set(e.name, { dtype: e.dtype, shape: e.shape, data });
  }
  // a file whose only metadata was the checksums reads as one without metadata
  const rest = metadata !== null && Object.keys(metadata).length === 0 && checksums !== null ? null : metadata;
  return { tensors, metadata: rest, verified: checksums !== null };
}

/** A tensor's checksum: CRC-32C of its bytes as stored, then of its dtype and shape. */
function tensorChecksum(bytes: Uint8Array, dtype: string, shape: readonly number[]): string {
  return crcHex(crc32c(new TextEncoder().encode(`${dtype}${JSON.stringify(shape)}`), crc32c(bytes)));
}

/** The checksum of the metadata other than the checksums: its entries in written order. */
function metadataChecksum(metadata: Record<string, string>): string {
  return crcHex(crc32c(new TextEncoder().encode(JSON.stringify(Object.entries(metadata).filter(([k]) => k !== CHECKSUM_KEY)))));
}

/**
 * Parses and removes the checksums from `metadata`, checking the metadata's own checksum and
 * that they name exactly the file's tensors; returns tensor name -> crc.
 */
function takeChecksums(metadata: Record<string, string>, entries: Entry[], where: string): Map<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(metadata[CHECKSUM_KEY]);
  } catch {
    throw new Error(`${where}: __metadata__ ${CHECKSUM_KEY} is not valid JSON`);
  }
  if (!isPlainObject(parsed)) throw new Error(`${where}: __metadata__ ${CHECKSUM_KEY} is not a JSON object`);
  const sums = new Map<string, string>();
  for (const [k, v] of Object.entries(parsed)) {
    if (typeof v !== 'string' || !/^[0-9a-f]{8}$/.test(v)) throw new Error(`${where}: the checksum of ${clip(k)} is not 8 hex digits`);
    sums.set(k, v);
  }
  if (sums.get('__metadata__') !== metadataChecksum(metadata)) {
    throw new Error(`${where}: __metadata__ does not match its checksum (changed since it was written)`);
  }
  sums.delete('__metadata__');
  for (const e of entries) if (!sums.has(e.name)) throw new Error(`${where}: tensor ${clip(e.name)} has no checksum (added after writing?)`);
  const names = new Set(entries.map((e) => e.name));
  for (const k of sums.keys()) if (!names.has(k)) throw new Error(`${where}: tensor ${clip(k)} has a checksum but is missing from the file`);
  delete metadata[CHECKSUM_KEY];
  return sums;
}

function parseHeader(raw: Uint8Array, where: string): Record<string, unknown> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    throw new Error(`${where}: header is not valid UTF-8`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new Error(`${where}: header is not valid JSON (${describeJsonError(err, text)})`);
  }
  if (!isPlainObject(parsed)) {
    throw new Error(`${where}: header is not a JSON object (got ${jsonKind(parsed)})`);
  }
  return parsed;
}

function checkMetadata(value: unknown, where: string): Record<string, string> | null {
  if (value === null) return null; // the reference reader treats null as "no metadata"
  if (!isPlainObject(value)) {
    throw new Error(`${where}: __metadata__ must be an object of strings (got ${jsonKind(value)})`);
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') {
      throw new Error(`${where}: __metadata__ value for ${clip(k)} must be a string (got ${jsonKind(v)})`);
    }
    out[k] = v;
  }
  return out;
}

function checkEntry(name: string, value: unknown, bufferLen: number, where: string): Entry {
  const what = `${where}: tensor ${clip(name)}`;
  if (!isPlainObject(value)) throw new Error(`${what}: entry is not an object (got ${jsonKind(value)})`);
  const { dtype, shape, data_offsets: offsets } = value;

  if (typeof dtype !== 'string') throw new Error(`${what}: 'dtype' must be a string (got ${jsonKind(dtype)})`);
  // hasOwn: a dtype like 'toString' must not find Object.prototype members.
  const dt = Object.hasOwn(FILE_DTYPES, dtype) ? FILE_DTYPES[dtype] : undefined;
  if (dt === undefined) {
    throw new Error(`${what}: unsupported dtype ${clip(dtype)} (supported: ${SUPPORTED})`);
  }

  if (!Array.isArray(shape)) throw new Error(`${what}: 'shape' must be an array (got ${jsonKind(shape)})`);
  shape.forEach((d: unknown, i) => {
    if (!isNonNegativeInt(d)) {
      throw new Error(`${what}: shape[${i}] = ${JSON.stringify(d)} is not a non-negative integer`);
    }
  });

  if (!Array.isArray(offsets) || offsets.length !== 2) {
    throw new Error(`${what}: 'data_offsets' must be an array [begin, end] (got ${JSON.stringify(offsets)})`);
  }
  const [begin, end] = offsets as unknown[];
  if (!isNonNegativeInt(begin) || !isNonNegativeInt(end)) {
    throw new Error(`${what}: data_offsets ${JSON.stringify(offsets)} must be non-negative integers`);
  }
  if (begin > end) throw new Error(`${what}: data_offsets begin ${begin} is greater than end ${end}`);
  if (end > bufferLen) {
    throw new Error(`${what}: data_offsets end ${end} is past the end of the ${bufferLen}-byte data buffer`);
  }

  // Floating product: if it overflows 2^53 it is far above `end - begin` anyway.
  const count = (shape as number[]).reduce((a, b) => a * b, 1);
  if (count * dt.itemSize !== end - begin) {
    throw new Error(`${what}: byte length ${end - begin} does not match shape ${JSON.stringify(shape)} ` +
      `of ${dtype} (expected ${count * dt.itemSize} bytes)`);
  }
  return { name, dtype, shape: [...(shape as number[])], begin, end };
}

// The spec requires the tensors to tile the byte buffer: sorted by offset, each starts where the
// previous one ended and the last ends at the end of the buffer.
function checkCoverage(sorted: Entry[], bufferLen: number, where: string): void {
  let pos = 0;
  let prev: Entry | undefined;
  for (const e of sorted) {
    if (e.begin < pos) {
      throw new Error(`${where}: tensors ${clip(prev!.name)} [${prev!.begin}, ${prev!.end}) and ` +
        `${clip(e.name)} [${e.begin}, ${e.end}) overlap`);
    }
    if (e.begin > pos) {
      throw new Error(`${where}: bytes [${pos}, ${e.begin}) of the data buffer belong to no tensor (hole)`);
    }
    pos = e.end;
    prev = e;
  }
  if (pos !== bufferLen) {
    throw new Error(`${where}: bytes [${pos}, ${bufferLen}) of the data buffer belong to no tensor (hole)`);
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isNonNegativeInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function jsonKind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

// ---------------------------------------------------------------------------------------------
// encoding

/**
 * Serialize tensors (F32/F64/I32, chosen by the typed array) in iteration order, with the header
 * padded by spaces to a multiple of 8 so the data buffer starts 8-byte aligned.
 */
export function encodeSafetensors(tensors: TensorsToWrite, metadata?: Record<string, string>): Uint8Array {
  return encode(tensors, metadata, 'encodeSafetensors');
}

function encode(tensors: TensorsToWrite, metadata: Record<string, string> | undefined, where: string): Uint8Array {
  // The header is assembled by hand, not via an object + JSON.stringify: JS objects put
  // integer-like keys ('0', '1', ...) first, which would break "keys in insertion order".
  const parts: string[] = [];
  const meta = metadata ?? {};
  for (const [k, v] of Object.entries(meta)) {
    if (typeof v !== 'string') throw new Error(`${where}: metadata value for ${clip(k)} must be a string (got ${jsonKind(v)})`);
    if (k === CHECKSUM_KEY) throw new Error(`${where}: the metadata key ${CHECKSUM_KEY} is reserved for the checksums`);
  }

  const items: { dtype: string; data: TypedArray; shape: readonly number[]; name: string }[] = [];
  const seen = new Set<string>();
  let offset = 0;
  for (const [name, t] of tensors) {
    const what = `${where}: tensor '${name}'`;
    if (name === '__metadata__') throw new Error(`${what}: the name is reserved for metadata`);
    if (seen.has(name)) throw new Error(`${what}: duplicate name`);
    seen.add(name);
    const dtype = fileDTypeOf(t.data);
    if (dtype === undefined) throw new Error(`${what}: data must be a Float32Array, Float64Array or Int32Array`);
    t.shape.forEach((d, i) => {
      if (!isNonNegativeInt(d)) throw new Error(`${what}: shape[${i}] = ${d} is not a non-negative integer`);
    });
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) {
      throw new Error(`${what}: shape ${JSON.stringify(t.shape)} holds ${count} elements but data has ${t.data.length}`);
    }
    const end = offset + t.data.byteLength;
    parts.push(`${JSON.stringify(name)}:{"dtype":"${dtype}","shape":${JSON.stringify(t.shape)},"data_offsets":[${offset},${end}]}`);
    items.push({ dtype, data: t.data, shape: t.shape, name });
    offset = end;
  }

  // The data buffer first: the checksums are of the bytes as stored.
  const data = new Uint8Array(offset);
  const dataView = new DataView(data.buffer);
  let pos = 0;
  const sums: Record<string, string> = { __metadata__: metadataChecksum(meta) };
  for (const { dtype, data: values, shape, name } of items) {
    const begin = pos;
    // DataView writes little-endian whatever the host byte order.
    if (dtype === 'F32') for (let i = 0; i < values.length; i++, pos += 4) dataView.setFloat32(pos, values[i]!, true);
    else if (dtype === 'F64') for (let i = 0; i < values.length; i++, pos += 8) dataView.setFloat64(pos, values[i]!, true);
    else for (let i = 0; i < values.length; i++, pos += 4) dataView.setInt32(pos, values[i]!, true);
    sums[name] = tensorChecksum(data.subarray(begin, pos), dtype, shape);
  }
  const fields = [...Object.entries(meta), [CHECKSUM_KEY, JSON.stringify(sums)]].map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`);
  parts.unshift(`"__metadata__":{${fields.join(',')}}`);

  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const headerLen = Math.ceil(json.byteLength / 8) * 8;
  const out = new Uint8Array(8 + headerLen + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLen), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.byteLength, 8 + headerLen); // pad with spaces
  out.set(data, 8 + headerLen);
  return out;
}

// ---------------------------------------------------------------------------------------------
// files

/** The largest safetensors file read (Node's largest Buffer is about this). */
export const SAFETENSORS_MAX_FILE_BYTES = 2 ** 31 - 1;

/**
 * Read and decode a safetensors file; errors name the path. Only a regular file is read (a
 * named pipe would block the reader, a device never end).
 */
export function readSafetensors(path: string): SafetensorsContents {
  let bytes: Uint8Array;
  try {
    bytes = readRegularFile(path, SAFETENSORS_MAX_FILE_BYTES);
  } catch (err) {
    throw new Error(`safetensors ${path}: cannot read file: ${(err as Error).message}`, { cause: err });
  }
  return decodeSafetensors(bytes, path);
}

/** Encode and write a safetensors file atomically (the old file survives any failure). */
export function writeSafetensors(path: string, tensors: TensorsToWrite, metadata?: Record<string, string>): void {
  writeFileAtomic(path, encode(tensors, metadata, `writeSafetensors ${path}`));
}
