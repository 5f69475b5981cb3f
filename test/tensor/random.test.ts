// Seeded random numbers: the Generator (xoshiro128**), reproducibility, state round trips,
// and distribution statistics of the random creation functions (wide tolerances: several
// standard errors, so that a correct generator essentially never fails).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Generator, manualSeed, defaultGenerator, generatorStateProblem } from '../../src/tensor/random.js';
import { rand, randn, randint, randperm, bernoulli, uniform, normal } from '../../src/tensor/creation.js';

const N = 100_000;
/** The 5th state entry of a generator with no cached normal deviate (whatever getState uses for it). */
const NO_SPARE = new Generator(0).getState()[4];

function moments(values: ArrayLike<number>): { mean: number; variance: number; skew: number; kurtosis: number } {
  const n = values.length;
  let s = 0;
  for (let i = 0; i < n; i++) s += values[i];
  const mean = s / n;
  let m2 = 0, m3 = 0, m4 = 0;
  for (let i = 0; i < n; i++) { const d = values[i] - mean; m2 += d * d; m3 += d * d * d; m4 += d * d * d * d; }
  m2 /= n; m3 /= n; m4 /= n;
  return { mean, variance: m2, skew: m3 / m2 ** 1.5, kurtosis: m4 / (m2 * m2) };
}

/** xoshiro128** reference (Blackman & Vigna), written with BigInt arithmetic. */
function referenceXoshiro(state: [number, number, number, number]): () => number {
  const M = 0xffffffffn;
  let [s0, s1, s2, s3] = state.map((v) => BigInt(v));
  const rotl = (x: bigint, k: bigint) => ((x << k) | (x >> (32n - k))) & M;
  return () => {
    const result = (rotl((s1 * 5n) & M, 7n) * 9n) & M;
    const t = (s1 << 9n) & M;
    s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11n);
    return Number(result);
  };
}

describe('Generator core', () => {
  test('nextUint32 follows xoshiro128** from a given state', () => {
    const g = new Generator().setState([1, 2, 3, 4, NO_SPARE]);
    // first outputs for the state {1, 2, 3, 4}, worked out by hand from the algorithm
    assert.equal(g.nextUint32(), 11520);
    assert.equal(g.nextUint32(), 0);
    assert.equal(g.nextUint32(), 5927040);
    const ref = referenceXoshiro([1, 2, 3, 4]);
    for (let i = 0; i < 3; i++) ref();
    for (let i = 0; i < 1000; i++) assert.equal(g.nextUint32(), ref(), `output ${i + 3}`);
  });

  test('the same stream from a large random state', () => {
    const state: [number, number, number, number] = [0xdeadbeef, 0x12345678, 0xffffffff, 0x80000001];
    const g = new Generator().setState([...state, NO_SPARE]);
    const ref = referenceXoshiro(state);
    for (let i = 0; i < 1000; i++) assert.equal(g.nextUint32(), ref());
  });

  test('random() is in [0, 1) and nextUint32 in [0, 2^32)', () => {
    const g = new Generator(7);
    for (let i = 0; i < 10000; i++) {
      const u = g.random();
      assert.ok(u >= 0 && u < 1, `${u}`);
      const w = g.nextUint32();
      assert.ok(Number.isInteger(w) && w >= 0 && w < 2 ** 32, `${w}`);
    }
  });

  test('same seed, same stream; manualSeed restarts it', () => {
    const a = new Generator(123), b = new Generator(123);
    const xs = Array.from({ length: 50 }, () => a.random());
    assert.deepEqual(Array.from({ length: 50 }, () => b.random()), xs);
    a.manualSeed(123);
    assert.deepEqual(Array.from({ length: 50 }, () => a.random()), xs);
  });

  test('different seeds give different streams (0..199 and a few large seeds)', () => {
    const seen = new Map<string, number>();
    const seeds = [...Array.from({ length: 200 }, (_, i) => i), 1e9, 2 ** 31, 2 ** 32 - 1, 1700000000000, 1700000000001];
    for (const s of seeds) {
      const g = new Generator(s);
      const key = [g.nextUint32(), g.nextUint32()].join(',');
      assert.ok(!seen.has(key), `seeds ${seen.get(key)} and ${s} give the same stream`);
      seen.set(key, s);
    }
  });

  test('negative and above-2^32 seeds do not collide with small seeds',
    () => {
      const first = (s: number) => { const g = new Generator(s); return [g.nextUint32(), g.nextUint32()].join(','); };
      assert.notEqual(first(-1), first(0));
      assert.notEqual(first(2 ** 32), first(1));
      assert.notEqual(first(2 ** 32 + 1), first(0));
    });

  test('manualSeed rejects non-finite seeds', () => {
    assert.throws(() => new Generator(Number.NaN), /seed/);
    assert.throws(() => new Generator(Infinity), /seed/);
  });
});

describe('Generator state', () => {
  test('getState/setState round trip right after seeding', () => {
    const g = new Generator(99);
    const state = g.getState();
    const expected = Array.from({ length: 100 }, () => g.random());
    const h = new Generator(1).setState(state);
    assert.deepEqual(Array.from({ length: 100 }, () => h.random()), expected);
  });

  test('getState after drawing holds unsigned 32-bit words', () => {
    const g = new Generator(99);
    for (let i = 0; i < 40; i++) {
      g.random();
      const s = g.getState();
      for (let k = 0; k < 4; k++) {
        const w = s[k] as number;
        assert.ok(Number.isInteger(w) && w >= 0 && w <= 0xffffffff, `word ${k} = ${w} after ${i + 1} draws`);
      }
    }
  });

  test('getState/setState continues the same uniform stream', () => {
    const g = new Generator(99);
    for (let i = 0; i < 17; i++) g.random();
    const state = g.getState();
    const expected = Array.from({ length: 100 }, () => g.random());
    const h = new Generator(1).setState(state);
    assert.deepEqual(Array.from({ length: 100 }, () => h.random()), expected);
    g.setState(state);
    assert.deepEqual(Array.from({ length: 100 }, () => g.random()), expected);
  });

  test('the state includes the cached Box-Muller deviate (resume in the middle of a pair)', () => {
    const g = new Generator(5);
    g.normal(); // leaves the second deviate of the pair cached
    const state = g.getState();
    assert.equal(typeof state[4], 'number', 'a cached deviate should be part of the state');
    assert.ok(Number.isFinite(state[4] as number));
    const expected = Array.from({ length: 11 }, () => g.normal());
    const h = new Generator(0).setState(state);
    assert.deepEqual(Array.from({ length: 11 }, () => h.normal()), expected);
  });

  test('the state survives a JSON round trip (as checkpoints store it)', () => {
    for (const draws of [0, 1, 2, 7]) {
      const g = new Generator(31337 + draws);
      for (let i = 0; i < draws; i++) g.normal();
      const json = JSON.stringify(g.getState());
      const expected = Array.from({ length: 9 }, () => g.normal());
      const h = new Generator().setState(JSON.parse(json));
      assert.deepEqual(Array.from({ length: 9 }, () => h.normal()), expected, `after ${draws} draws`);
    }
  });

  test('getState returns a snapshot, not a live view', () => {
    const g = new Generator(3);
    const s = g.getState();
    const copy = s.slice();
    g.random();
    assert.deepEqual(s, copy);
  });

  test('setState validates its argument', () => {
    const g = new Generator();
    assert.throws(() => g.setState([1, 2, 3]), /setState/);
    assert.throws(() => g.setState([1, 2, 3, -4, NO_SPARE]), /setState/);
    assert.throws(() => g.setState([1, 2, 3, 2 ** 32, NO_SPARE]), /setState/);
    assert.throws(() => g.setState([1.5, 2, 3, 4, NO_SPARE]), /setState/);
  });
});

describe('seeded creation functions', () => {
  test('manualSeed makes rand/randn/randint/randperm/bernoulli reproducible', () => {
    const draw = () => [
      Array.from(rand([20]).dataSync()), Array.from(randn([3, 7]).dataSync()),
      Array.from(randint(0, 10, [15]).dataSync()), Array.from(randperm(12).dataSync()),
      Array.from(bernoulli([30], 0.5).dataSync()),
    ];
    manualSeed(2024);
    const a = draw();
    manualSeed(2024);
    assert.deepEqual(draw(), a);
    manualSeed(2025);
    const b = draw();
    for (let k = 0; k < a.length; k++) assert.notDeepEqual(b[k], a[k], `draw ${k} did not change with the seed`);
  });

  test('an explicit generator is used instead of the default and does not advance it', () => {
    manualSeed(1);
    const before = defaultGenerator.getState();
    const g1 = new Generator(77), g2 = new Generator(77);
    const a = rand([10], { generator: g1 }).dataSync();
    const b = rand([10], { generator: g2 }).dataSync();
    assert.deepEqual(Array.from(a), Array.from(b));
    assert.deepEqual(defaultGenerator.getState(), before);
    assert.deepEqual(Array.from(randperm(8, { generator: new Generator(4) }).dataSync()),
      Array.from(randperm(8, { generator: new Generator(4) }).dataSync()));
  });

  test('shapes and dtypes', () => {
    assert.deepEqual(rand([2, 3]).shape, [2, 3]);
    assert.equal(rand([2]).dtype, 'float32');
    assert.equal(rand([2], { dtype: 'float64' }).dtype, 'float64');
    assert.equal(randn([0, 4]).size, 0);
    assert.equal(randint(0, 5, [3]).dtype, 'int32');
    assert.equal(randperm(5).dtype, 'int32');
    assert.equal(bernoulli([4], 0.5).dtype, 'float32');
    assert.equal(rand([3], { requiresGrad: true }).requiresGrad, true);
    assert.throws(() => rand([-1]), /rand/);
  });
});

describe('distribution statistics (1e5 samples)', () => {
  test('rand: uniform on [0, 1), mean 1/2, variance 1/12', () => {
    const v = rand([N], { generator: new Generator(11) }).dataSync();
    assert.ok(v.every((x) => x >= 0 && x < 1));
    const m = moments(v);
    assert.ok(Math.abs(m.mean - 0.5) < 0.005, `mean ${m.mean}`);
    assert.ok(Math.abs(m.variance - 1 / 12) < 0.002, `variance ${m.variance}`);
    // each tenth of [0, 1) holds about a tenth of the samples
    const bins = new Array(10).fill(0);
    for (const x of v) bins[Math.floor(x * 10)]++;
    for (const c of bins) assert.ok(Math.abs(c - N / 10) < 600, `bins ${bins}`);
  });

  test('randn: standard normal moments and the 68% rule', () => {
    const v = randn([N], { generator: new Generator(12) }).dataSync();
    const m = moments(v);
    assert.ok(Math.abs(m.mean) < 0.015, `mean ${m.mean}`);
    assert.ok(Math.abs(m.variance - 1) < 0.02, `variance ${m.variance}`);
    assert.ok(Math.abs(m.skew) < 0.05, `skew ${m.skew}`);
    assert.ok(Math.abs(m.kurtosis - 3) < 0.1, `kurtosis ${m.kurtosis}`);
    let within1 = 0, within2 = 0;
    for (const x of v) { if (Math.abs(x) < 1) within1++; if (Math.abs(x) < 2) within2++; }
    assert.ok(Math.abs(within1 / N - 0.6827) < 0.01, `P(|z|<1) = ${within1 / N}`);
    assert.ok(Math.abs(within2 / N - 0.9545) < 0.006, `P(|z|<2) = ${within2 / N}`);
  });

  test('uniform(low, high) and normal(mean, std)', () => {
    const u = uniform([N], -2, 6, { generator: new Generator(13) }).dataSync();
    assert.ok(u.every((x) => x >= -2 && x < 6));
    const mu = moments(u);
    assert.ok(Math.abs(mu.mean - 2) < 0.04, `mean ${mu.mean}`);
    assert.ok(Math.abs(mu.variance - 64 / 12) < 0.1, `variance ${mu.variance}`);
    const n = normal([N], 3, 0.5, { generator: new Generator(14) }).dataSync();
    const mn = moments(n);
    assert.ok(Math.abs(mn.mean - 3) < 0.01, `mean ${mn.mean}`);
    assert.ok(Math.abs(Math.sqrt(mn.variance) - 0.5) < 0.01, `std ${Math.sqrt(mn.variance)}`);
  });

  test('randint: integers in [low, high), every value about equally often', () => {
    const v = randint(-3, 4, [N], { generator: new Generator(15) }).dataSync();
    const counts = new Map<number, number>();
    for (const x of v) {
      assert.ok(Number.isInteger(x) && x >= -3 && x < 4, `${x}`);
      counts.set(x, (counts.get(x) ?? 0) + 1);
    }
    assert.equal(counts.size, 7);
    for (const [k, c] of counts) assert.ok(Math.abs(c / N - 1 / 7) < 0.01, `value ${k}: ${c}`);
    const single = randint(5, 6, [100]).dataSync();
    assert.ok(single.every((x) => x === 5));
  });

  test('rand stays below 1 in float32 even when the double draw rounds up to 1',
    () => {
      // a generator whose uniform draw is the largest representable below 1 (legal: random() is in [0, 1))
      class NearOne extends Generator { override random(): number { return 1 - 2 ** -53; } }
      const v = rand([4], { generator: new NearOne() }).dataSync();
      for (const x of v) assert.ok(x < 1, `rand returned ${x}`);
    });

  test('randint rejects empty or non-integer ranges', () => {
    assert.throws(() => randint(3, 3, [2]), /randint/);
    assert.throws(() => randint(4, 1, [2]), /randint/);
    assert.throws(() => randint(0, 2.5, [2]), /randint/);
  });

  test('randperm is a permutation of 0..n-1', () => {
    for (const n of [0, 1, 2, 10, 1000]) {
      const p = Array.from(randperm(n, { generator: new Generator(n) }).dataSync());
      assert.equal(p.length, n);
      assert.deepEqual(p.slice().sort((a, b) => a - b), Array.from({ length: n }, (_, i) => i));
    }
    const big = Array.from(randperm(1000, { generator: new Generator(1) }).dataSync());
    assert.ok(big.some((v, i) => v !== i), 'a permutation of 1000 elements should not be the identity');
  });

  test('randperm(3) draws each of the 6 orders about equally often', () => {
    const g = new Generator(16);
    const counts = new Map<string, number>();
    const draws = 60000;
    for (let i = 0; i < draws; i++) {
      const key = Array.from(randperm(3, { generator: g }).dataSync()).join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    assert.equal(counts.size, 6);
    for (const [k, c] of counts) assert.ok(Math.abs(c - draws / 6) < 500, `order ${k}: ${c}`);
  });

  test('bernoulli: 0/1 values with mean p; p = 0 and p = 1 are exact; p outside [0, 1] is an error', () => {
    const v = bernoulli([N], 0.3, { generator: new Generator(17) }).dataSync();
    let ones = 0;
    for (const x of v) { assert.ok(x === 0 || x === 1); ones += x; }
    assert.ok(Math.abs(ones / N - 0.3) < 0.008, `mean ${ones / N}`);
    assert.ok(bernoulli([1000], 0).dataSync().every((x) => x === 0));
    assert.ok(bernoulli([1000], 1).dataSync().every((x) => x === 1));
    assert.throws(() => bernoulli([2], 1.5), /bernoulli/);
    assert.throws(() => bernoulli([2], -0.1), /bernoulli/);
    assert.throws(() => bernoulli([2], Number.NaN), /bernoulli/);
  });
});

test('setState rejects malformed states (all-zero words, wrong length or types, non-finite deviate) and keeps the old one', () => {
  const g = new Generator(11);
  const before = g.getState();
  const bad: [unknown, RegExp][] = [
    [[0, 0, 0, 0, null], /all zero/],
    [[1, 2, 3], /array of 3/],
    [[1, 2, 3, 4, null, 6], /array of 6/],
    [null, /got null/],
    ['abc', /got string/],
    [[1, 2, -3, 4, null], /word 2 must be an integer/],
    [[1, 2, 3, 2 ** 32, null], /word 3 must be an integer/],
    [[1.5, 2, 3, 4, null], /word 0/],
    [['1', 2, 3, 4, null], /word 0/],
    [[1, 2, 3, 4, NaN], /spareNormal/],
    [[1, 2, 3, 4, Infinity], /spareNormal/],
    [[1, 2, 3, 4, '0.5'], /spareNormal/],
  ];
  for (const [state, re] of bad) {
    assert.match(generatorStateProblem(state) ?? '', re, JSON.stringify(state));
    assert.throws(() => g.setState(state as never), re);
    assert.deepEqual(g.getState(), before);
  }
  assert.equal(generatorStateProblem([0, 0, 0, 1, null]), null);
  assert.equal(generatorStateProblem([1, 2, 3, 4, -0.25]), null);
});
