// Request bodies of the two inference protocols, checked down to every value, and the
// responses. A bad request is an HttpError(400) whose message names the field and what was
// expected there (shape and dtype), e.g.
//   inputs[0].shape: expected [N, 1, 28, 28] or [N, 28, 28], got [2, 27, 28]

import { preprocess, type SavedModelConfig } from '../models/saved-model.js';

export class HttpError extends Error {
  constructor(readonly statusCode: number, message: string, readonly headers: Record<string, string> = {}) {
    super(message);
  }
}

const bad = (message: string) => new HttpError(400, message);

/** What the server knows about its model for checking and answering requests. */
export interface ModelSpec {
  name: string;
  version: string;
  config: SavedModelConfig;
  /** The input's name in v2 requests and metadata. */
  inputName: string;
  /** config.input.shape, and the same without leading 1s ([1,28,28] -> also [28,28]). */
  acceptedShapes: number[][];
  instanceSize: number;
  labels?: string[];
  /** The model scales raw UINT8 pixels; FP32 requests must then hold values in [0, 1]. */
  pixelScale: boolean;
  maxBatch: number;
}

export function modelSpec(name: string, config: SavedModelConfig, maxBatch: number): ModelSpec {
  const shape = config.input.shape;
  const accepted = [shape];
  let s = shape;
  while (s.length > 1 && s[0] === 1) { s = s.slice(1); accepted.push(s); }
  return {
    name, version: '1', config, inputName: 'input', acceptedShapes: accepted,
    instanceSize: shape.reduce((a, b) => a * b, 1), labels: config.labels,
    pixelScale: config.preprocessing?.scale !== undefined, maxBatch,
  };
}

export interface ParsedInput {
  n: number;
  /** Preprocessed model input, row-major [n, ...config.input.shape]. */
  values: Float32Array;
  /** How the request names instance i, e.g. 'instances[2]' or 'inputs[0] (instance 2)'. */
  instanceField(i: number): string;
}

type RawKind = 'float' | 'uint8';

/** Largest float32 magnitude; the model computes in float32, so larger inputs would be Infinity. */
const FLOAT32_MAX = 3.4028234663852886e38;
const FLOAT16_MAX = 65504;

/** The range of float values a request's datatype can hold (TF Serving REST: FP32). */
interface FloatRange { name: string; max: number }
const FP32_RANGE: FloatRange = { name: 'FP32', max: FLOAT32_MAX };
const FLOAT_RANGES: Record<string, FloatRange> = {
  // FP64 values are converted to float32 too: the model has no float64 path
  FP32: FP32_RANGE, FP64: { name: 'FP64 (computed in float32)', max: FLOAT32_MAX }, FP16: { name: 'FP16', max: FLOAT16_MAX },
};

const fmt = (shape: readonly number[]) => `[${shape.join(', ')}]`;

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 20 ? v.slice(0, 20) + '...' : v)}`;
  if (typeof v === 'object') return 'an object';
  return `${typeof v} ${String(v)}`;
}

/** Shape of a nested array, following first elements. */
function shapeOf(v: unknown): number[] {
  const s: number[] = [];
  let x = v;
  while (Array.isArray(x)) {
    s.push(x.length);
    if (x.length === 0) break;
    x = x[0];
  }
  return s;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function expectedInstance(spec: ModelSpec, kind?: RawKind): string {
  const shapes = spec.acceptedShapes.map(fmt).join(' or ');
  return `${shapes}${dtypeHint(spec, kind)}`;
}

function dtypeHint(spec: ModelSpec, kind?: RawKind): string {
  if (!spec.pixelScale) return ' of numbers';
  if (kind === 'uint8') return ' of UINT8 pixels 0..255';
  return ' of FP32 values in [0, 1] (pixels / 255; send raw 0..255 pixels with datatype UINT8 to /v2/models/{name}/infer)';
}

/** Checks one value; returns an error text or undefined. */
function valueProblem(v: unknown, kind: RawKind, spec: ModelSpec, range: FloatRange = FP32_RANGE): string | undefined {
  if (typeof v !== 'number') return `expected a number, got ${describe(v)}`;
  if (!Number.isFinite(v)) return `expected a finite number, got ${v}`;
  if (kind === 'float' && (range.max === FLOAT32_MAX ? !Number.isFinite(Math.fround(v)) : Math.abs(v) > range.max)) {
    return `expected an ${range.name} value within float range (|x| <= ${range.max.toPrecision(8).replace(/\.?0+(e|$)/, '$1')}), got ${v}`;
  }
  if (kind === 'uint8') {
    if (!Number.isInteger(v) || v < 0 || v > 255) return `expected a UINT8 value (an integer 0..255), got ${v}`;
  } else if (spec.pixelScale && (v < 0 || v > 1)) {
    return `expected an FP32 value in [0, 1] (pixels / 255), got ${v}; send raw 0..255 pixels with datatype UINT8 to /v2/models/{name}/infer`;
  }
  return undefined;
}

/** Copies a nested array of exactly `shape` into out[offset..], checking every value. */
function flattenNested(value: unknown, shape: readonly number[], field: string, out: Float64Array, offset: number, kind: RawKind, spec: ModelSpec, range?: FloatRange): void {
  const idx: number[] = [];
  let pos = offset;
  const path = () => field + idx.map((i) => `[${i}]`).join('');
  const rec = (v: unknown, d: number): void => {
    if (d === shape.length) {
      const problem = valueProblem(v, kind, spec, range);
      if (problem) throw bad(`${path()}: ${problem}`);
      out[pos++] = v as number;
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[d]) {
      throw bad(`${path()}: expected an array of ${shape[d]} (shape ${fmt(shape.slice(d))} here), got ${describe(v)}`);
    }
    for (let i = 0; i < v.length; i++) { idx.push(i); rec(v[i], d + 1); idx.pop(); }
  };
  rec(value, 0);
}

function checkCount(field: string, n: number, spec: ModelSpec): void {
  if (n === 0) throw bad(`${field}: no instances (expected at least 1)`);
  if (n > spec.maxBatch) throw bad(`${field}: ${n} instances exceed the server's limit of ${spec.maxBatch} per request (--max-batch)`);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A named-input object ({"input": ...}) of a single-input model: its value. */
function unwrapNamed(v: Record<string, unknown>, field: string, spec: ModelSpec): unknown {
  const keys = Object.keys(v);
  if (keys.length !== 1 || keys[0] !== spec.inputName) {
    throw bad(`${field}: expected the model's one input '${spec.inputName}', got ${keys.length ? keys.map((k) => `'${k}'`).join(', ') : 'an empty object'}`);
  }
  return v[spec.inputName];
}

/** TensorFlow Serving REST: {"instances": [...]} (row format) or {"inputs": ...} (columnar). */
export function parseV1(body: Record<string, unknown>, spec: ModelSpec): ParsedInput {
  const hasInstances = body.instances !== undefined, hasInputs = body.inputs !== undefined;
  if (hasInstances === hasInputs) {
    throw bad(`body: expected exactly one of 'instances' (a list of instances ${expectedInstance(spec)}) or 'inputs' (a tensor [N, ...])`);
  }
  let rows: unknown[];
  let field: string;
  if (hasInstances) {
    field = 'instances';
    if (!Array.isArray(body.instances)) throw bad(`instances: expected a list of instances, got ${describe(body.instances)}`);
    rows = (body.instances as unknown[]).map((r, i) => (isPlainObject(r) ? unwrapNamed(r, `instances[${i}]`, spec) : r));
  } else {
    field = 'inputs';
    const t = isPlainObject(body.inputs) ? unwrapNamed(body.inputs, 'inputs', spec) : body.inputs;
    if (!Array.isArray(t)) throw bad(`inputs: expected a tensor [N, ...] as nested lists, got ${describe(t)}`);
    rows = t;
  }
  checkCount(field, rows.length, spec);
  const shape = shapeOf(rows[0]);
  const instanceShape = spec.acceptedShapes.find((s) => sameShape(s, shape));
  if (!instanceShape) {
    throw bad(`${field}[0]: expected shape ${expectedInstance(spec)}, got ${shape.length ? fmt(shape) : describe(rows[0])}`);
  }
  const raw = new Float64Array(rows.length * spec.instanceSize);
  rows.forEach((r, i) => flattenNested(r, instanceShape, `${field}[${i}]`, raw, i * spec.instanceSize, 'float', spec));
  const values = preprocess(spec.config, raw, 'float');
  checkPreprocessed(raw, values, (j) => {
    const i = Math.floor(j / spec.instanceSize);
    return `${field}[${i}]${unravel(j - i * spec.instanceSize, instanceShape).map((k) => `[${k}]`).join('')}`;
  });
  return { n: rows.length, values, instanceField: (i) => `${field}[${i}]` };
}

/** Row-major index -> multi-index in shape. */
function unravel(flat: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) { idx[d] = flat % shape[d]; flat = Math.floor(flat / shape[d]); }
  return idx;
}

/**
 * A finite value can still overflow float32 in preprocessing ((x - mean) / std with a tiny
 * std): the model would compute on Infinity. Name the value instead.
 */
function checkPreprocessed(raw: Float64Array, values: Float32Array, field: (flat: number) => string): void {
  for (let j = 0; j < values.length; j++) {
    if (!Number.isFinite(values[j])) {
      throw bad(`${field(j)}: ${raw[j]} is ${values[j]} after the model's preprocessing ((x - mean) / std in float32); it is far outside the training data's range`);
    }
  }
}

const V2_FLOAT = new Set(['FP32', 'FP64', 'FP16']);

/** Open Inference Protocol v2: {"inputs": [{"name", "shape", "datatype", "data"}], "outputs"?: [{"name"}]}. */
export function parseV2(body: Record<string, unknown>, spec: ModelSpec): ParsedInput {
  const inputs = body.inputs as unknown[];
  if (inputs.length !== 1) throw bad(`inputs: expected 1 tensor (the model's input '${spec.inputName}'), got ${inputs.length}`);
  const t = inputs[0] as Record<string, unknown>;
  if (t.name !== spec.inputName) throw bad(`inputs[0].name: expected '${spec.inputName}' (the model's input), got ${describe(t.name)}`);
  const datatype = t.datatype as string;
  let kind: RawKind;
  if (datatype === 'UINT8') kind = 'uint8';
  else if (V2_FLOAT.has(datatype)) kind = 'float';
  else {
    const allowed = spec.pixelScale ? "'FP32' (values in [0, 1]) or 'UINT8' (pixels 0..255)" : "'FP32' or 'FP64'";
    throw bad(`inputs[0].datatype: expected ${allowed}, got ${describe(datatype)}`);
  }
  const shape = t.shape as number[];
  const expectShapes = spec.acceptedShapes.map((s) => fmt(['N' as unknown as number, ...s])).join(' or ');
  const inst = shape.slice(1);
  const instanceShape = spec.acceptedShapes.find((s) => sameShape(s, inst));
  if (shape.length < 2 || !instanceShape) throw bad(`inputs[0].shape: expected ${expectShapes}${dtypeHint(spec, kind)}, got ${fmt(shape)}`);
  const n = shape[0];
  checkCount('inputs[0].shape[0]', n, spec);
  const data = t.data;
  if (!Array.isArray(data)) throw bad(`inputs[0].data: expected a list of ${n * spec.instanceSize} values, got ${describe(data)}`);
  const raw = new Float64Array(n * spec.instanceSize);
  const range = FLOAT_RANGES[datatype];
  const nested = data.length > 0 && Array.isArray(data[0]);
  if (nested) {
    flattenNested(data, shape, 'inputs[0].data', raw, 0, kind, spec, range);
  } else {
    if (data.length !== raw.length) {
      throw bad(`inputs[0].data: expected ${raw.length} values (shape ${fmt(shape)}, row-major), got ${data.length}`);
    }
    for (let i = 0; i < data.length; i++) {
      const problem = valueProblem(data[i], kind, spec, range);
      if (problem) throw bad(`inputs[0].data[${i}]: ${problem}`);
      raw[i] = data[i] as number;
    }
  }
  const values = preprocess(spec.config, raw, kind);
  checkPreprocessed(raw, values, (j) => `inputs[0].data${nested ? unravel(j, shape).map((k) => `[${k}]`).join('') : `[${j}]`}`);
  return { n, values, instanceField: (i) => `inputs[0] (instance ${i})` };
}

/**
 * The first instance whose outputs are not all finite (NaN or Infinity), or -1. Finite inputs
 * can still overflow inside the network; such outputs are not answered as `null`s.
 */
export function firstNonFiniteRow(output: Float32Array, n: number): number {
  const per = output.length / n;
  for (let j = 0; j < output.length; j++) if (!Number.isFinite(output[j])) return Math.floor(j / per);
  return -1;
}

export interface Outputs {
  logits?: number[][];
  probabilities?: number[][];
  classes?: number[];
  labels?: string[];
  /** Non-classifier models: the raw output rows. */
  output?: number[][];
  shape: number[];
}

const rows = (data: Float32Array, n: number): number[][] => {
  const per = data.length / n;
  return Array.from({ length: n }, (_, i) => Array.from(data.subarray(i * per, (i + 1) * per)));
};

export function toOutputs(shape: number[], output: Float32Array, probabilities: Float32Array | null, spec: ModelSpec): Outputs {
  const n = shape[0];
  if (shape.length !== 2 || !probabilities) return { output: rows(output, n), shape };
  const k = shape[1];
  const classes = Array.from({ length: n }, (_, i) => {
    let best = 0;
    for (let j = 1; j < k; j++) if (output[i * k + j] > output[i * k + best]) best = j;
    return best;
  });
  return {
    shape, logits: rows(output, n), probabilities: rows(probabilities, n), classes,
    labels: spec.labels ? classes.map((c) => spec.labels![c] ?? String(c)) : undefined,
  };
}

/** TF Serving's row format: one object per instance (several named outputs). */
export function v1Predictions(out: Outputs): unknown[] {
  if (out.output) return out.output;
  return out.classes!.map((c, i) => ({
    class: c, ...(out.labels ? { label: out.labels[i] } : {}), probabilities: out.probabilities![i], logits: out.logits![i],
  }));
}

/** The outputs a v2 response can hold, with datatype and shape. */
export function v2OutputNames(spec: ModelSpec): string[] {
  return spec.labels ? ['logits', 'probabilities', 'class', 'label'] : ['logits', 'probabilities', 'class'];
}

export function parseRequestedOutputs(body: Record<string, unknown>, spec: ModelSpec): string[] | undefined {
  const req = body.outputs as { name: string }[] | undefined;
  if (!req) return undefined;
  const known = v2OutputNames(spec);
  return req.map((o, i) => {
    if (!known.includes(o.name)) throw bad(`outputs[${i}].name: unknown output '${o.name}' (this model has ${known.map((k) => `'${k}'`).join(', ')})`);
    return o.name;
  });
}

export function v2Outputs(out: Outputs, wanted: string[] | undefined, spec: ModelSpec): unknown[] {
  if (out.output) return [{ name: 'output', datatype: 'FP32', shape: out.shape, data: out.output.flat() }];
  const n = out.shape[0];
  const all: Record<string, () => unknown> = {
    logits: () => ({ name: 'logits', datatype: 'FP32', shape: out.shape, data: out.logits!.flat() }),
    probabilities: () => ({ name: 'probabilities', datatype: 'FP32', shape: out.shape, data: out.probabilities!.flat() }),
    class: () => ({ name: 'class', datatype: 'INT64', shape: [n], data: out.classes }),
    label: () => ({ name: 'label', datatype: 'BYTES', shape: [n], data: out.labels }),
  };
  return (wanted ?? v2OutputNames(spec)).map((name) => all[name]());
}
