// Seeded fuzzing of the files people download and resume from: a trained-shape MLP's weights
// and a checkpoint (weights, Adam state, metadata), each mutated thousands of ways (bit flips,
// byte overwrites, truncation, insertion and deletion, header edits: offsets swapped, dtype
// relabelled, shapes changed, duplicate keys, NaN written into the data). Every mutation must be
// either rejected with an error naming the file, leaving the model exactly as it was, or load
// weights bit-identical to the original. A saved model's config.json gets the same treatment. FUZZ_CASES raises the count (the note's figures come
// from `FUZZ_CASES=10000 node --test dist/test/io/fuzz-integrity.test.js`).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildMlp } from '../../src/models/mlp.js';
import { loadWeights, saveWeights } from '../../src/io/weights.js';
import { loadCheckpoint, saveCheckpoint } from '../../src/io/checkpoint.js';
import { Adam } from '../../src/optim/adam.js';
import { crossEntropy } from '../../src/nn/losses.js';
import { fromArray, randn } from '../../src/tensor/creation.js';
import { manualSeed } from '../../src/tensor/random.js';
import type { Module } from '../../src/nn/module.js';
import { mulberry32 } from '../helpers/prng.js';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { readSavedModelConfig } from '../../src/models/saved-model.js';

const CASES = Number(process.env.FUZZ_CASES ?? 1500);

/** A module's state as bytes, to compare bit for bit. */
function snapshot(m: Module): Map<string, Uint8Array> {
  return new Map([...m.stateDict()].map(([k, t]) => [k, new Uint8Array(t.dataSync().slice().buffer)]));
}
const sameState = (a: Map<string, Uint8Array>, b: Map<string, Uint8Array>) =>
  a.size === b.size && [...a].every(([k, v]) => { const w = b.get(k); return w !== undefined && Buffer.compare(v, w) === 0; });

/** One random mutation of a file, with a label of what it did. */
function mutate(bytes: Uint8Array, rnd: () => number): { out: Uint8Array; kind: string } {
  const at = (n: number) => Math.floor(rnd() * n);
  const headerLen = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = () => JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLen))) as Record<string, Record<string, unknown>>;
  const rebuild = (json: unknown) => {
    const h = new TextEncoder().encode(JSON.stringify(json));
    const out = new Uint8Array(8 + h.length + bytes.length - 8 - headerLen);
    new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
    out.set(h, 8);
    out.set(bytes.subarray(8 + headerLen), 8 + h.length);
    return out;
  };
  const tensors = () => Object.keys(header()).filter((k) => k !== '__metadata__');
  switch (at(9)) {
    case 0: { const out = bytes.slice(); const i = at(out.length); out[i] ^= 1 << at(8); return { out, kind: i < 8 + headerLen ? 'header bit flip' : 'data bit flip' }; }
    case 1: { const out = bytes.slice(); out[8 + headerLen + at(bytes.length - 8 - headerLen)] = at(256); return { out, kind: 'data byte overwrite' }; }
    case 2: return { out: bytes.slice(0, at(bytes.length)), kind: 'truncation' };
    case 3: { const i = at(bytes.length); const out = new Uint8Array(bytes.length + 1); out.set(bytes.subarray(0, i)); out[i] = at(256); out.set(bytes.subarray(i), i + 1); return { out, kind: 'byte insertion' }; }
    case 4: { const i = at(bytes.length); const out = new Uint8Array(bytes.length - 1); out.set(bytes.subarray(0, i)); out.set(bytes.subarray(i + 1), i); return { out, kind: 'byte deletion' }; }
    case 5: { // two tensors' offsets swapped (shapes too, so the structure stays valid)
      const h = header(), names = tensors(), a = names[at(names.length)], b = names[at(names.length)];
      [h[a].data_offsets, h[b].data_offsets, h[a].shape, h[b].shape] = [h[b].data_offsets, h[a].data_offsets, h[b].shape, h[a].shape];
      return { out: rebuild(h), kind: 'offsets swapped' };
    }
    case 6: { const h = header(), n = tensors()[at(tensors().length)]; h[n].dtype = ['I32', 'F32', 'U8', 'BF16', 'X'][at(5)]; return { out: rebuild(h), kind: 'dtype relabelled' }; }
    case 7: { // NaN written into a float tensor, its checksum stripped (a file from elsewhere)
      const h = header(); delete (h.__metadata__ as Record<string, unknown>)['myelin.crc32c'];
      const out = rebuild(h), hl = Number(new DataView(out.buffer).getBigUint64(0, true));
      const floats = tensors().filter((n) => h[n].dtype === 'F32' && (h[n].data_offsets as number[])[1] > (h[n].data_offsets as number[])[0]);
      const off = h[floats[at(floats.length)]].data_offsets as number[];
      new DataView(out.buffer).setFloat32(8 + hl + off[0] + 4 * at((off[1] - off[0]) / 4), [NaN, Infinity, -Infinity][at(3)], true);
      return { out, kind: 'non-finite value' };
    }
    default: { // a key written twice: the header text with one entry repeated
      const text = new TextDecoder().decode(bytes.subarray(8, 8 + headerLen)).trimEnd();
      const n = tensors()[at(tensors().length)];
      const dup = `${JSON.stringify(n)}:${JSON.stringify(header()[n])}`;
      const h = new TextEncoder().encode(`${text.slice(0, -1)},${dup}}`);
      const out = new Uint8Array(8 + h.length + bytes.length - 8 - headerLen);
      new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
      out.set(h, 8);
      out.set(bytes.subarray(8 + headerLen), 8 + h.length);
      return { out, kind: 'duplicate key' };
    }
  }
}

interface Tally { rejected: number; identical: number; byKind: Record<string, { rejected: number; identical: number }> }

function fuzz(label: string, file: string, seed: number, load: (file: string, model: Module) => void, fresh: () => Module,
  reference: Map<string, Uint8Array>): Tally {
  // a plain Uint8Array: a Buffer's slice() would be a view, and the mutations would pile up
  const original = new Uint8Array(readFileSync(file));
  const dir = mkdtempSync(join(tmpdir(), 'myelin-fuzz-'));
  const tally: Tally = { rejected: 0, identical: 0, byKind: {} };
  const rnd = mulberry32(seed);
  try {
    for (let c = 0; c < CASES; c++) {
      const { out, kind } = mutate(original, rnd);
      const mutated = join(dir, `case-${c}.safetensors`);
      writeFileSync(mutated, out);
      const model = fresh();
      const before = snapshot(model);
      const k = (tally.byKind[kind] ??= { rejected: 0, identical: 0 });
      try {
        load(mutated, model);
      } catch (e) {
        const message = (e as Error).message;
        assert.ok(message.includes(mutated), `${label} case ${c} (${kind}): the error does not name the file: ${message.slice(0, 200)}`);
        assert.ok(message.length < 2000, `${label} case ${c} (${kind}): a ${message.length}-character error`);
        assert.ok(sameState(snapshot(model), before), `${label} case ${c} (${kind}): a failed load changed the model`);
        tally.rejected++; k.rejected++;
        continue;
      }
      const after = snapshot(model);
      assert.ok(sameState(after, reference), `${label} case ${c} (${kind}): loaded with different weights and no error ` +
        `(${[...reference.keys()].filter((key) => Buffer.compare(after.get(key) ?? new Uint8Array(0), reference.get(key)!) !== 0).join(', ')})`);
      tally.identical++; k.identical++;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`# ${label}: ${CASES} mutations: ${tally.rejected} rejected, ${tally.identical} loaded bit-identical; ` +
    Object.entries(tally.byKind).map(([k, v]) => `${k} ${v.rejected}/${v.identical}`).join(', '));
  return tally;
}

/** One random mutation of a text file's bytes (bit flip, overwrite, truncation, insertion, deletion, a digit changed). */
function mutateText(bytes: Uint8Array, rnd: () => number): { out: Uint8Array; kind: string } {
  const at = (n: number) => Math.floor(rnd() * n);
  const i = at(bytes.length);
  switch (at(6)) {
    case 0: { const out = bytes.slice(); out[i] ^= 1 << at(8); return { out, kind: 'bit flip' }; }
    case 1: { const out = bytes.slice(); out[i] = at(256); return { out, kind: 'byte overwrite' }; }
    case 2: return { out: bytes.slice(0, i), kind: 'truncation' };
    case 3: { const out = new Uint8Array(bytes.length + 1); out.set(bytes.subarray(0, i)); out[i] = at(256); out.set(bytes.subarray(i), i + 1); return { out, kind: 'insertion' }; }
    case 4: { const out = new Uint8Array(bytes.length - 1); out.set(bytes.subarray(0, i)); out.set(bytes.subarray(i + 1), i); return { out, kind: 'deletion' }; }
    default: { // a digit changed: valid JSON, a different number
      const digits = [...bytes.keys()].filter((k) => bytes[k] >= 0x30 && bytes[k] <= 0x39);
      const out = bytes.slice(); const k = digits[at(digits.length)]; out[k] = 0x30 + ((out[k] - 0x30 + 1 + at(9)) % 10);
      return { out, kind: 'digit changed' };
    }
  }
}

test(`a saved model's config.json, ${CASES} mutations: rejected naming the file, or read equal`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'myelin-fuzz-config-'));
  try {
    const cli = fileURLToPath(new URL('../../../bin/myelin.js', import.meta.url));
    const run = spawnSync(process.execPath, [cli, 'train', 'mlp', '--epochs', '1', '--out', join(dir, 'run'), '--no-progress'], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const original = new Uint8Array(readFileSync(join(dir, 'run', 'config.json')));
    const reference = readSavedModelConfig(join(dir, 'run'));
    const rnd = mulberry32(13);
    let rejected = 0, equal = 0;
    for (let c = 0; c < CASES; c++) {
      const { out, kind } = mutateText(original, rnd);
      const file = join(dir, `config-${c}.json`);
      writeFileSync(file, out);
      let got;
      try {
        got = readSavedModelConfig(file);
      } catch (e) {
        assert.ok((e as Error).message.includes(file), `config case ${c} (${kind}): the error does not name the file: ${(e as Error).message.slice(0, 200)}`);
        rejected++;
        continue;
      }
      // every field the model uses as it was (a mangled name of an unused field may remain as an extra)
      const used = Object.fromEntries(Object.keys(reference).map((k) => [k, (got as unknown as Record<string, unknown>)[k]]));
      assert.deepEqual(used, reference, `config case ${c} (${kind}): read with other values and no error`);
      equal++;
    }
    console.log(`# config.json: ${CASES} mutations: ${rejected} rejected, ${equal} read equal`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('fuzzed weights and checkpoints: rejected naming the file, or loaded bit-identical', () => {
  const dir = mkdtempSync(join(tmpdir(), 'myelin-fuzz-src-'));
  const fresh = () => { manualSeed(99); return buildMlp(4, 3); };

  test(`model.safetensors, ${CASES} mutations`, async () => {
    manualSeed(1);
    const model = buildMlp(4, 3);
    const file = join(dir, 'model.safetensors');
    saveWeights(model, file);
    const t = fuzz('weights', file, 7, (f, m) => loadWeights(m, f), fresh, snapshot(model));
    assert.equal(t.rejected + t.identical, CASES);
  });

  test(`checkpoint (weights, Adam state, metadata), ${CASES} mutations`, async () => {
    manualSeed(2);
    const model = buildMlp(4, 3);
    const opt = new Adam(model.parameters());
    const loss = crossEntropy(model.forward(randn([5, 4])), fromArray(Int32Array.of(0, 1, 2, 1, 0), [5]));
    opt.zeroGrad(); loss.backward(); opt.step();
    const file = join(dir, 'checkpoint.safetensors');
    saveCheckpoint(file, model, opt, { epoch: 1, step: 1 });
    const t = fuzz('checkpoint', file, 11, (f, m) => { loadCheckpoint(f, m, new Adam(m.parameters())); }, fresh,
      snapshot(model));
    assert.equal(t.rejected + t.identical, CASES);
    rmSync(dir, { recursive: true, force: true });
  });
});
