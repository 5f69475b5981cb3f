// Reader for the IDX format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/).
//
// Layout: magic = two zero bytes, a type code, the number of dimensions; then one big-endian
// uint32 per dimension; then the elements, row-major and big-endian. The files usually come
// gzipped, so gzip input (0x1f 0x8b) is inflated first.

import { gunzipSync } from 'node:zlib';

export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface IdxArray {
  shape: number[];
  data: IdxData;
}

interface IdxType {
  name: string;
  bytes: number;
  make(n: number): IdxData;
  // Reads element `i` of the big-endian payload that starts at `offset`.
  read(view: DataView, offset: number): number;
}

const TYPES: Record<number, IdxType> = {
  0x08: { name: 'ubyte', bytes: 1, make: (n) => new Uint8Array(n), read: (v, o) => v.getUint8(o) },
  0x09: { name: 'byte', bytes: 1, make: (n) => new Int8Array(n), read: (v, o) => v.getInt8(o) },
  0x0b: { name: 'short', bytes: 2, make: (n) => new Int16Array(n), read: (v, o) => v.getInt16(o, false) },
  0x0c: { name: 'int', bytes: 4, make: (n) => new Int32Array(n), read: (v, o) => v.getInt32(o, false) },
  0x0d: { name: 'float', bytes: 4, make: (n) => new Float32Array(n), read: (v, o) => v.getFloat32(o, false) },
  0x0e: { name: 'double', bytes: 8, make: (n) => new Float64Array(n), read: (v, o) => v.getFloat64(o, false) },
};

/** True when `bytes` starts with the gzip magic number. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Parses an IDX file (gzipped or not). `source` names the file in error messages.
 * The returned data is a fresh array of its own (not a view into `bytes`).
 */
export function parseIdx(bytes: Uint8Array, source: string): IdxArray {
  if (isGzip(bytes)) {
    try {
      bytes = gunzipSync(bytes);
    } catch (err) {
      throw new Error(`${source}: corrupt gzip data (${(err as Error).message})`);
    }
  }
  if (bytes.length < 4) {
    throw new Error(`${source}: not an IDX file: only ${bytes.length} bytes, the header needs at least 4`);
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new Error(`${source}: not an IDX file: bad magic number ` +
      `0x${hex(bytes[0]!)}${hex(bytes[1]!)}${hex(bytes[2]!)}${hex(bytes[3]!)} (expected 0x0000tttn)`);
  }
  const typeCode = bytes[2]!;
  const type = TYPES[typeCode];
  if (type === undefined) {
    throw new Error(`${source}: unknown IDX type code 0x${hex(typeCode)} ` +
      '(known: 0x08 ubyte, 0x09 byte, 0x0B short, 0x0C int, 0x0D float, 0x0E double)');
  }
  const ndims = bytes[3]!;
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) {
    throw new Error(`${source}: truncated IDX header: ${ndims} dimensions need ${headerBytes} bytes, file has ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  let count = 1;
  for (let d = 0; d < ndims; d++) {
    const dim = view.getUint32(4 + 4 * d, false);
    shape.push(dim);
    count *= dim;
  }
  const expected = headerBytes + count * type.bytes;
  if (bytes.length !== expected) {
    const what = bytes.length < expected ? 'truncated IDX data' : 'IDX data has trailing bytes';
    throw new Error(`${source}: ${what}: shape [${shape.join(',')}] of ${type.name} needs ` +
      `${expected} bytes (header ${headerBytes} + ${count} x ${type.bytes}), file has ${bytes.length}`);
  }
  let data: IdxData;
  if (type.bytes === 1) {
    // Single bytes have no byte order: copy the payload as is.
    data = type.make(count);
    data.set(typeCode === 0x09
      ? new Int8Array(bytes.buffer, bytes.byteOffset + headerBytes, count)
      : bytes.subarray(headerBytes, expected));
  } else {
    data = type.make(count);
    for (let i = 0, o = headerBytes; i < count; i++, o += type.bytes) data[i] = type.read(view, o);
  }
  return { shape, data };
}

function hex(b: number): string {
  return b.toString(16).padStart(2, '0');
}
