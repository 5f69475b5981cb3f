// The few pieces of the protocol-buffers wire format that TensorBoard event files need:
// varints, 64-bit doubles, 32-bit floats and length-delimited fields (write), and a
// field-by-field reader (read). Spec: https://protobuf.dev/programming-guides/encoding/

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LEN = 2;
export const WIRE_FIXED32 = 5;

/** Appends protobuf fields to a growing byte buffer. */
export class ProtoWriter {
  private buf = new Uint8Array(64);
  private len = 0;

  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  private rawVarint(value: bigint): void {
    // Negative int64 values are encoded as their two's complement (10 bytes).
    let v = BigInt.asUintN(64, value);
    this.ensure(10);
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v !== 0n) byte |= 0x80;
      this.buf[this.len++] = byte;
    } while (v !== 0n);
  }

  private tag(field: number, wire: number): void {
    this.rawVarint(BigInt((field << 3) | wire));
  }

  /** int32 / int64 / uint / enum / bool field. */
  varint(field: number, value: number | bigint): this {
    this.tag(field, WIRE_VARINT);
    this.rawVarint(typeof value === 'bigint' ? value : BigInt(Math.trunc(value)));
    return this;
  }

  double(field: number, value: number): this {
    this.tag(field, WIRE_FIXED64);
    this.ensure(8);
    new DataView(this.buf.buffer).setFloat64(this.len, value, true);
    this.len += 8;
    return this;
  }

  float(field: number, value: number): this {
    this.tag(field, WIRE_FIXED32);
    this.ensure(4);
    new DataView(this.buf.buffer).setFloat32(this.len, value, true);
    this.len += 4;
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, WIRE_LEN);
    this.rawVarint(BigInt(value.length));
    this.ensure(value.length);
    this.buf.set(value, this.len);
    this.len += value.length;
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  /** An embedded message. */
  message(field: number, inner: ProtoWriter): this {
    return this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

export interface ProtoField {
  field: number;
  wire: number;
  /** varint: the value (bigint, unsigned 64-bit); fixed64/fixed32: the raw little-endian bytes; len: the bytes. */
  varint?: bigint;
  bytes?: Uint8Array;
}

/** Splits a message into its fields, in order. Throws on truncated or malformed input. */
export function readFields(bytes: Uint8Array, what = 'message'): ProtoField[] {
  const fields: ProtoField[] = [];
  let pos = 0;
  const varint = (): bigint => {
    let result = 0n, shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (pos >= bytes.length) throw new Error(`${what}: truncated varint at byte ${pos}`);
      const b = bytes[pos++];
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return BigInt.asUintN(64, result);
      shift += 7n;
    }
    throw new Error(`${what}: varint longer than 10 bytes at byte ${pos}`);
  };
  const take = (n: number): Uint8Array => {
    if (pos + n > bytes.length) throw new Error(`${what}: field runs past the end (${n} bytes at ${pos}, ${bytes.length} in all)`);
    const out = bytes.subarray(pos, pos + n);
    pos += n;
    return out;
  };
  while (pos < bytes.length) {
    const key = Number(varint());
    const field = key >>> 3, wire = key & 7;
    if (field === 0) throw new Error(`${what}: field number 0 at byte ${pos}`);
    switch (wire) {
      case WIRE_VARINT: fields.push({ field, wire, varint: varint() }); break;
      case WIRE_FIXED64: fields.push({ field, wire, bytes: take(8) }); break;
      case WIRE_LEN: fields.push({ field, wire, bytes: take(Number(varint())) }); break;
      case WIRE_FIXED32: fields.push({ field, wire, bytes: take(4) }); break;
      default: throw new Error(`${what}: unsupported wire type ${wire} (field ${field})`);
    }
  }
  return fields;
}

export function fieldDouble(f: ProtoField): number {
  return new DataView(f.bytes!.buffer, f.bytes!.byteOffset, 8).getFloat64(0, true);
}

export function fieldFloat(f: ProtoField): number {
  return new DataView(f.bytes!.buffer, f.bytes!.byteOffset, 4).getFloat32(0, true);
}

export function fieldString(f: ProtoField): string {
  return new TextDecoder('utf-8', { fatal: true }).decode(f.bytes!);
}

/** A varint field as a signed 64-bit integer (int64 / int32 semantics). */
export function fieldInt(f: ProtoField): number {
  return Number(BigInt.asIntN(64, f.varint!));
}
