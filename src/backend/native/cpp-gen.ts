// Writes native/src/kernel_spec.gen.h from the kernel declarations (src/backend/kernels.ts):
// per kernel a plain struct of its arguments with a `read` that parses and checks them (types,
// sizes, dtypes) through the binding's Reader, and the declaration of the hand-written `run`
// that calls the C++ kernel; plus the op lists, the dtype codes and a fingerprint of the whole
// table that the loader compares so that a stale addon never runs. `node scripts/gen-kernels.js`
// writes the file; test/backend/kernel-spec.test.ts fails when it is stale.

import { allocArray, DTYPES } from '../../dtype/dtype.js';
import { fieldKind, type ArgSpec, type KernelSpec, type ParamsArg } from '../kernel-spec.js';
import { ARG_REDUCE_OPS, BINARY_OPS, KERNELS, KERNEL_NAMES, REDUCE_OPS, UNARY_OPS } from '../kernels.js';
import { allowedKeys, DTYPE_CODES, variantArg, VARIANT_CODES } from '../signatures.js';
import { specFingerprint } from './fingerprint.js';
import { parseSize, sizeToCpp } from '../size-expr.js';

const cppType = (kind: string) => (kind === 'bool' ? 'bool' : kind === 'number' ? 'double' : 'int64_t');
const structName = (kernel: string) => kernel[0].toUpperCase() + kernel.slice(1) + 'Args';

function readerCall(a: ArgSpec): string {
  switch (a.kind) {
    case 'tensor': return `r.tensor(${a.name}, "${a.name}", ${a.optional});`;
    case 'enum': return `${a.name} = r.code("${a.name}", ${a.values.length});`;
    case 'shape': return `r.shape(${a.name}, "${a.name}");`;
    case 'params': return `${a.name}.read(r);`;
    default: return `${a.name} = r.${readFn(a.kind)}("${a.name}");`;
  }
}
const readFn = (kind: string) => (kind === 'bool' ? 'boolean' : kind);

function memberDecl(a: ArgSpec): string {
  switch (a.kind) {
    case 'tensor': return `Tensor ${a.name};`;
    case 'enum': return `int ${a.name};`;
    case 'shape': return `Shape ${a.name};`;
    case 'params': return `${(a as ParamsArg).typeName} ${a.name};`;
    default: return `${cppType(a.kind)} ${a.name};`;
  }
}

function kernelStruct(name: string, spec: KernelSpec): string[] {
  const params = spec.args.find((a): a is ParamsArg => a.kind === 'params');
  const scalars = new Set(spec.args.filter((a) => a.kind !== 'tensor' && a.kind !== 'params').map((a) => a.name));
  const ref = (n: string) => {
    if (scalars.has(n)) return n;
    if (params && n in params.fields) return `${params.name}.${n}`;
    throw new Error(`kernel ${name}: size expression names '${n}', not a scalar argument`);
  };
  const variant = variantArg(spec);
  const keys = allowedKeys(spec, spec.native);
  const signature = spec.args.map((a) => (a.kind === 'tensor' && a.optional ? `${a.name}?` : a.name)).join(', ');
  const checks = spec.args.flatMap((a) => (a.kind === 'tensor' && a.size !== undefined
    ? [`r.need(${a.name}, "${a.name}", ${sizeToCpp(parseSize(a.size), ref)});`] : []));
  const variantValue = variant === null ? '0' : spec.args[variant.index].kind === 'enum' ? spec.args[variant.index].name :
    `(${spec.args[variant.index].name} ? 1 : 0)`;
  const tensors = spec.args.filter((a) => a.kind === 'tensor').map((a) => a.name);
  // one line per part: the structs differ in their arguments, not in their scaffolding
  return [
    `// ${name}(${signature})`,
    `struct ${structName(name)} {`,
    `  static constexpr const char* kName = "${name}"; static constexpr int kTensors = ${tensors.length};`,
    `  ${spec.args.map(memberDecl).join(' ')}`,
    `  template <class R> void read(R& r) {`,
    `    ${spec.args.map(readerCall).join(' ')}`,
    `    static const uint64_t kDtypes[] = {${keys.length === 0 ? '0' : keys.join(', ')}};` +
      ` r.dtypes(kDtypes, ${keys.length}, {${tensors.map((t) => `&${t}`).join(', ')}}, ${variantValue});`,
    ...(checks.length > 0 ? [`    ${checks.join(' ')}`] : []),
    '  }',
    '};',
    `void run(const ${structName(name)}& a);`,
    '',
  ];
}

/** Float32Array -> napi_float32_array. */
const napiType = (d: (typeof DTYPES)[number]) => `napi_${allocArray(d, 0).constructor.name.replace(/Array$/, '').toLowerCase()}_array`;

const xList = (macro: string, values: readonly string[]) => `#define ${macro}(X) ${values.map((v) => `X(${v})`).join(' ')}`;

export function generateKernelHeader(): string {
  const paramTypes = new Map<string, ParamsArg>();
  for (const k of KERNEL_NAMES) for (const a of (KERNELS[k] as KernelSpec).args) if (a.kind === 'params') paramTypes.set(a.typeName, a);
  return [
    '// Generated from src/backend/kernels.ts by `node scripts/gen-kernels.js`: do not edit by hand.',
    '// Per kernel: its arguments as a struct, read and checked by the binding\'s Reader',
    '// (binding/reader.h), and the `run` that the binding/run_*.cc files define.',
    '#pragma once',
    '',
    '#include <cstdint>',
    '',
    '#include "binding/tensor.h"',
    '',
    `#define MYELIN_SPEC_FINGERPRINT "${specFingerprint()}"`,
    '',
    '// dtype codes: 0 for an absent (null) tensor, then the dtypes in this order: (name, the',
    '// Node-API typed array type that stores it, its element size)',
    `#define MYELIN_DTYPES(X) ${DTYPES.map((d) => `X(${d}, ${napiType(d)}, ${allocArray(d, 0).BYTES_PER_ELEMENT})`).join(' ')}`,
    `#define MYELIN_DTYPE_CODES ${DTYPE_CODES}`,
    `#define MYELIN_VARIANT_CODES ${VARIANT_CODES}`,
    '',
    '// op lists: an op\'s code is its position',
    xList('MYELIN_UNARY_OPS', UNARY_OPS),
    xList('MYELIN_BINARY_OPS', BINARY_OPS),
    xList('MYELIN_REDUCE_OPS', REDUCE_OPS),
    xList('MYELIN_ARG_REDUCE_OPS', ARG_REDUCE_OPS),
    '',
    'namespace myelin {',
    'namespace binding {',
    '',
    ...[...paramTypes.values()].flatMap((p) => [
      `struct ${p.typeName} {`,
      `  ${Object.entries(p.fields).map(([f, s]) => `${cppType(fieldKind(s))} ${f};`).join(' ')}`,
      `  template <class R> void read(R& r) { ${Object.entries(p.fields).map(([f, spec]) => `${f} = r.${readFn(fieldKind(spec))}("${f}");`).join(' ')} }`,
      '};',
    ]),
    '',
    ...KERNEL_NAMES.flatMap((k) => kernelStruct(k, KERNELS[k])),
    '// every kernel, for the export table',
    `#define MYELIN_KERNELS(X) ${KERNEL_NAMES.map((k) => `X(${structName(k)})`).join(' ')}`,
    '',
    '}  // namespace binding',
    '}  // namespace myelin',
    '',
  ].join('\n');
}
