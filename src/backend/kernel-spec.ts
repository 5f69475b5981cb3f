// The vocabulary of kernel declarations (src/backend/kernels.ts uses it): argument kinds, their
// TypeScript types, and the dtype signatures a backend declares for a kernel.
//
// A kernel is a list of positional arguments. Tensor arguments are storages (typed arrays)
// whose dtype is a type variable ('T', 'O', ...) or fixed ('int32' for indices); scalar
// arguments are sizes, numbers, booleans, an op name from a fixed list (an enum), a shape, or
// a record of those (a params object such as Conv2dParams). A backend declares which dtypes
// each type variable may take, optionally only for some values of the kernel's variant (its
// enum, or a boolean marked as one), e.g. binary comparisons write int32.
//
// From one declaration come: the Backend method's type (KernelFn), the native marshalling
// (native/marshal.ts), the C++ argument parsing (scripts/gen-kernels.js writes
// native/src/binding/kernels.gen.h), the dtype guard of the js backend, and the generic
// backend-versus-js test (test/backend/kernel-spec.test.ts).

import type { DType, TypedArray } from '../dtype/dtype.js';

export type Storage = TypedArray;

/** Scalar field kinds: a size (integer >= 0), a positive integer, a number, a boolean. */
export type ScalarKind = 'size' | 'positive' | 'number' | 'bool';

export interface TensorArg<N extends string = string, Opt extends boolean = boolean> {
  kind: 'tensor';
  name: N;
  /** A type variable (one upper-case letter) or a fixed dtype. */
  dtype: string;
  /** in: read; out: written in full; inout: read and written (accumulators, optimizer state). */
  role: 'in' | 'out' | 'inout';
  /** null is accepted (an absent bias, gradient output, ...). */
  optional: Opt;
  /**
   * The least number of elements the kernel touches, as an expression over the scalar
   * arguments (and params fields): + - * /, integers, len(tensor), numel(shape). The native
   * binding checks it; the generic test sizes its random inputs by it. Absent: any length.
   */
  size?: string;
  /** For index tensors: values lie in [low, high), both expressions; the kernels check it. */
  range?: readonly [string, string];
}

export interface ScalarArg<N extends string = string, K extends ScalarKind = ScalarKind, Opt extends boolean = boolean> {
  kind: K;
  name: N;
  /** May be left out (a trailing optional argument; native reads it as 0 / false). */
  optional: Opt;
  /** A boolean that selects a variant (backends may support one value only). */
  variant?: boolean;
}

export interface EnumArg<N extends string = string, V extends string = string> {
  kind: 'enum';
  name: N;
  values: readonly V[];
  optional: false;
}

export interface ShapeArg<N extends string = string> {
  kind: 'shape';
  name: N;
  optional: false;
}

/** A params record's fields: kind, or [kind, 'optional'] for a field that may be absent. */
export type FieldSpec = ScalarKind | readonly [ScalarKind, 'optional'];
export type Fields = Readonly<Record<string, FieldSpec>>;

/** A params field's scalar kind. */
export const fieldKind = (f: FieldSpec): ScalarKind => (typeof f === 'string' ? f : f[0]);

export interface ParamsArg<N extends string = string, F extends Fields = Fields> {
  kind: 'params';
  name: N;
  /** The record's type name (MatmulParams, ...), for the generated C++. */
  typeName: string;
  fields: F;
  optional: false;
}

export type ArgSpec = TensorArg | ScalarArg | EnumArg | ShapeArg | ParamsArg;

/**
 * A backend's support for a kernel: the dtypes each type variable may take (a list means any
 * of them, every combination), optionally only for some variants.
 */
export interface Signature {
  readonly [typeVar: string]: DType | readonly DType[] | readonly string[] | undefined;
  readonly variants?: readonly string[];
}

export interface KernelSpec<A extends readonly ArgSpec[] = readonly ArgSpec[]> {
  args: A;
  /** What the kernel computes (the Backend method's documentation). */
  doc: string;
  /** Signatures the js backend runs. */
  js: readonly Signature[];
  /** Signatures the native addon runs; [] for a kernel it lacks. */
  native: readonly Signature[];
}

// --- constructors ------------------------------------------------------------------------

type TensorOpts = { size?: string; range?: readonly [string, string] };

export const input = <N extends string>(name: N, dtype: string, o: TensorOpts = {}): TensorArg<N, false> =>
  ({ kind: 'tensor', name, dtype, role: 'in', optional: false, ...o });
export const output = <N extends string>(name: N, dtype: string, o: TensorOpts = {}): TensorArg<N, false> =>
  ({ kind: 'tensor', name, dtype, role: 'out', optional: false, ...o });
export const inout = <N extends string>(name: N, dtype: string, o: TensorOpts = {}): TensorArg<N, false> =>
  ({ kind: 'tensor', name, dtype, role: 'inout', optional: false, ...o });
/** A tensor argument that may be null. */
export const maybe = <N extends string>(t: TensorArg<N, false>): TensorArg<N, true> => ({ ...t, optional: true });

export const size = <N extends string>(name: N): ScalarArg<N, 'size', false> => ({ kind: 'size', name, optional: false });
export const num = <N extends string>(name: N): ScalarArg<N, 'number', false> => ({ kind: 'number', name, optional: false });
export const optNum = <N extends string>(name: N): ScalarArg<N, 'number', true> => ({ kind: 'number', name, optional: true });
export const bool = <N extends string>(name: N, o: { variant?: boolean } = {}): ScalarArg<N, 'bool', false> =>
  ({ kind: 'bool', name, optional: false, ...o });
export const oneOf = <N extends string, V extends string>(name: N, values: readonly V[]): EnumArg<N, V> =>
  ({ kind: 'enum', name, values, optional: false });
export const shape = <N extends string>(name: N): ShapeArg<N> => ({ kind: 'shape', name, optional: false });
export const params = <N extends string, F extends Fields>(name: N, typeName: string, fields: F): ParamsArg<N, F> =>
  ({ kind: 'params', name, typeName, fields, optional: false });

// --- TypeScript types of the arguments -----------------------------------------------------

type ScalarType<K> = K extends 'bool' ? boolean : number;

/** The object type of a params record. */
export type ParamsOf<F extends Fields> =
  { -readonly [K in keyof F as F[K] extends readonly unknown[] ? never : K]: ScalarType<F[K]> } &
  { -readonly [K in keyof F as F[K] extends readonly unknown[] ? K : never]?: F[K] extends readonly [infer S, 'optional'] ? ScalarType<S> : never };

type ArgType<A> =
  A extends TensorArg<string, infer Opt> ? (Opt extends true ? Storage | null : Storage) :
  A extends ScalarArg<string, infer K> ? ScalarType<K> :
  A extends EnumArg<string, infer V> ? V :
  A extends ShapeArg ? readonly number[] :
  A extends ParamsArg<string, infer F> ? ParamsOf<F> : never;

/** The parameter list of a kernel: its arguments in order, trailing optional ones optional. */
export type ArgTypes<A extends readonly unknown[]> =
  A extends readonly [infer H, ...infer R]
    ? H extends OmittableArg ? (AllOmittable<R> extends true ? [arg?: ArgType<H>, ...ArgTypes<R>] : [ArgType<H>, ...ArgTypes<R>])
      : [ArgType<H>, ...ArgTypes<R>]
    : [];
/** Optional scalars may be left out when nothing but optional scalars follows; optional tensors take null. */
type OmittableArg = { kind: ScalarKind; optional: true };
type AllOmittable<A extends readonly unknown[]> =
  A extends readonly [infer H, ...infer R] ? (H extends OmittableArg ? AllOmittable<R> : false) : true;

export type KernelFn<S> = S extends KernelSpec<infer A> ? (...args: ArgTypes<A>) => void : never;
