// TFRecord framing, the container of TensorBoard event files. Each record is
//   uint64 length (little-endian) | uint32 masked_crc32c(length bytes) | data | uint32 masked_crc32c(data)

import { maskedCrc32c } from './crc32c.js';

export function encodeRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length + 4);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(data.length), true);
  view.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(data, 12);
  view.setUint32(12 + data.length, maskedCrc32c(data), true);
  return out;
}

export interface DecodeRecordsResult {
  records: Uint8Array[];
  /** Bytes at the end that do not make a whole record (a writer may be mid-append). */
  trailingBytes: number;
}

/**
 * Splits a TFRecord stream into its records, checking both CRCs of each. A corrupt record
 * throws (naming its byte offset); an incomplete last record throws too unless
 * `allowPartialTail` (a file being written).
 */
export function decodeRecords(bytes: Uint8Array, options: { allowPartialTail?: boolean; source?: string } = {}): DecodeRecordsResult {
  const src = options.source ?? 'TFRecord';
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: Uint8Array[] = [];
  let pos = 0;
  while (pos < bytes.length) {
    const remaining = bytes.length - pos;
    if (remaining < 12) {
      if (options.allowPartialTail) return { records, trailingBytes: remaining };
      throw new Error(`${src}: truncated record header at byte ${pos} (${remaining} bytes left, 12 needed)`);
    }
    const lengthCrc = view.getUint32(pos + 8, true);
    if (maskedCrc32c(bytes.subarray(pos, pos + 8)) !== lengthCrc) throw new Error(`${src}: length CRC mismatch in the record at byte ${pos}`);
    const length = view.getBigUint64(pos, true);
    if (length > BigInt(remaining - 16)) {
      if (options.allowPartialTail) return { records, trailingBytes: remaining };
      throw new Error(`${src}: truncated record at byte ${pos}: length ${length}, only ${remaining - 16} data bytes left`);
    }
    const n = Number(length);
    const data = bytes.subarray(pos + 12, pos + 12 + n);
    const dataCrc = view.getUint32(pos + 12 + n, true);
    if (maskedCrc32c(data) !== dataCrc) throw new Error(`${src}: data CRC mismatch in the record at byte ${pos} (${n} bytes)`);
    records.push(data);
    pos += 16 + n;
  }
  return { records, trailingBytes: 0 };
}
