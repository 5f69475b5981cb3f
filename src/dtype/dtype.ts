// The bottom layer: element types and their storage arrays, shared by backend/ and everything above it.
// Element types. Storage is a plain typed array per dtype: float32 is the working type,
// int32 holds indices, labels and boolean masks (0/1), float64 exists so that gradient checks
// can run finite differences without float32 rounding noise (the js backend handles it).

export type DType = 'float32' | 'float64' | 'int32';
export type TypedArray = Float32Array | Float64Array | Int32Array;

export const DTYPES: readonly DType[] = ['float32', 'float64', 'int32'];

export function allocArray(dtype: DType, size: number): TypedArray {
  switch (dtype) {
    case 'float32': return new Float32Array(size);
    case 'float64': return new Float64Array(size);
    case 'int32': return new Int32Array(size);
  }
}

export function dtypeOfArray(a: TypedArray): DType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  return 'int32';
}

/** The dtype whose storage `a` is, or undefined when it is not a storage array. */
export function dtypeOfStorage(a: unknown): DType | undefined {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Int32Array) return 'int32';
  return undefined;
}

export function isFloating(dtype: DType): boolean {
  return dtype !== 'int32';
}

/** Result type of a binary op on two dtypes (NumPy/PyTorch-style promotion). */
export function promoteTypes(a: DType, b: DType): DType {
  if (a === b) return a;
  if (a === 'float64' || b === 'float64') return 'float64';
  return 'float32';
}

export function assertDType(value: string, where: string): DType {
  if ((DTYPES as readonly string[]).includes(value)) return value as DType;
  throw new TypeError(`${where}: unknown dtype '${value}' (expected one of ${DTYPES.join(', ')})`);
}
