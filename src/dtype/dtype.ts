// The bottom layer: element types and their storage arrays, shared by backend/ and everything above it.
// Element types. Storage is a plain typed array per dtype: float32 is the working type,
// int32 holds indices, labels and boolean masks (0/1), float64 exists so that gradient checks
// can run finite differences without float32 rounding noise (the js backend handles it).
// bfloat16 is a storage dtype for reduced precision: the upper 16 bits of a float32 in a
// Uint16Array. Kernels read it only where they declare it (src/backend/kernels.ts); the others
// refuse it rather than compute on raw bits.

export type DType = 'float32' | 'float64' | 'int32' | 'bfloat16';
export type TypedArray = Float32Array | Float64Array | Int32Array | Uint16Array;

/** Each dtype's storage array class. */
export const DTYPE_ARRAYS = {
  float32: Float32Array, float64: Float64Array, int32: Int32Array, bfloat16: Uint16Array,
} as const satisfies Record<DType, new (n: number) => TypedArray>;

export const DTYPES = Object.keys(DTYPE_ARRAYS) as readonly DType[];

export function allocArray(dtype: DType, size: number): TypedArray {
  return new DTYPE_ARRAYS[dtype](size);
}

/** The dtypes whose storage holds plain numbers (not bit patterns, as bfloat16's does). */
export const NUMERIC_DTYPES: readonly DType[] = ['float32', 'float64', 'int32'];

/**
 * A storage array to write plain numbers into, for creating tensors from host values. A storage
 * dtype such as bfloat16 holds bit patterns: those tensors come from a cast of a float32 one.
 */
export function hostArray(dtype: DType, size: number, where: string): TypedArray {
  if (!NUMERIC_DTYPES.includes(dtype)) {
    throw new TypeError(`${where}: ${dtype} is a storage dtype; create a float32 tensor and cast it (cast(x, '${dtype}'))`);
  }
  return allocArray(dtype, size);
}

export function dtypeOfArray(a: TypedArray): DType {
  const d = dtypeOfStorage(a);
  if (d === undefined) throw new TypeError(`${Object.prototype.toString.call(a)} is not the storage of a myelin dtype`);
  return d;
}

/** The dtype whose storage `a` is, or undefined when it is not a storage array. */
export function dtypeOfStorage(a: unknown): DType | undefined {
  const code = storageCode(a);
  return code > 0 ? DTYPES[code - 1] : undefined;
}

/**
 * 1 + the index in DTYPES of the dtype whose storage `a` is, 0 for null or undefined, NaN for
 * anything else. It runs on every tensor made and every native kernel call (the dtype keys of
 * backend/signatures.ts), so the instanceof chain is written out (a Map lookup of the constructor
 * costs about 15 ns more a call); the check below keeps it in DTYPE_ARRAYS' order.
 */
export function storageCode(a: unknown): number {
  if (a === null || a === undefined) return 0;
  if (a instanceof Float32Array) return 1;
  if (a instanceof Float64Array) return 2;
  if (a instanceof Int32Array) return 3;
  if (a instanceof Uint16Array) return 4;
  return NaN;
}
DTYPES.forEach((d, i) => {
  if (storageCode(new DTYPE_ARRAYS[d](0)) !== i + 1) throw new Error(`dtype.ts: storageCode does not follow DTYPE_ARRAYS at ${d}`);
});

export function isFloating(dtype: DType): boolean {
  return dtype !== 'int32';
}

/** Result type of a binary op on two dtypes (NumPy/PyTorch-style promotion). */
export function promoteTypes(a: DType, b: DType): DType {
  if (a === b) return a;
  if (a === 'float64' || b === 'float64') return 'float64';
  if ((a === 'bfloat16' && b === 'int32') || (a === 'int32' && b === 'bfloat16')) return 'bfloat16';
  return 'float32';
}

export function assertDType(value: string, where: string): DType {
  if ((DTYPES as readonly string[]).includes(value)) return value as DType;
  throw new TypeError(`${where}: unknown dtype '${value}' (expected one of ${DTYPES.join(', ')})`);
}
