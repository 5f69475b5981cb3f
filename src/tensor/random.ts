// Seeded pseudo-random numbers: xoshiro128** (fast, 2^128 - 1 period, good statistical
// quality) seeded through splitmix32 so that nearby seeds give unrelated streams. The state is
// four 32-bit words, which checkpoints save so that a resumed run continues the same stream.

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export class Generator {
  private s0 = 0; private s1 = 0; private s2 = 0; private s3 = 0;
  /** A cached second normal deviate from the last Box-Muller pair. */
  private spareNormal: number | null = null;

  constructor(seed = 0) { this.manualSeed(seed); }

  manualSeed(seed: number): this {
    if (!Number.isFinite(seed)) throw new Error(`manualSeed: seed must be a finite number, got ${seed}`);
    // the high 32 bits (and the sign) go through splitmix before meeting the low bits, so
    // that seeds like -1 and 0, or 2^32 and 1, give different streams
    const high = splitmix32(Math.floor(seed / 4294967296) >>> 0)();
    const next = splitmix32((seed >>> 0) ^ high);
    this.s0 = next(); this.s1 = next(); this.s2 = next(); this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
    this.spareNormal = null;
    return this;
  }

  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0; this.s3 ^= this.s1; this.s1 ^= this.s2; this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /**
   * Bernoulli draws in bulk (dropout masks, bernoulli()): out[i] = value with probability p,
   * else 0, from one 32-bit draw per element: kept when its top 24 bits are below
   * ceil(p * 2^24), so p is honoured to 6e-8, p = 0 and p = 1 exactly. The stream advances as
   * by one nextUint32() per element; the generator is inlined and every value stays a small
   * integer, several times faster than a call (or two) per element.
   */
  fillBernoulli(out: Float32Array | Float64Array, p: number, value = 1): void {
    if (!(p >= 0 && p <= 1)) throw new Error(`fillBernoulli: probability must be in [0, 1], got ${p}`);
    const threshold = Math.ceil(p * 16777216);
    // branch free (a coin flip mispredicts half the time): (r - threshold) >>> 31 is 1 when
    // r < threshold, and picks from a two-entry table of out's own type
    const table = out instanceof Float32Array ? Float32Array.of(0, value) : Float64Array.of(0, value);
    let s0 = this.s0 | 0, s1 = this.s1 | 0, s2 = this.s2 | 0, s3 = this.s3 | 0;
    for (let i = 0, n = out.length; i < n; i++) {
      const m = Math.imul(s1, 5);
      const r = Math.imul((m << 7) | (m >>> 25), 9) >>> 8;
      const t = s1 << 9;
      s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
      out[i] = table[(r - threshold) >>> 31];
    }
    this.s0 = s0 >>> 0; this.s1 = s1 >>> 0; this.s2 = s2 >>> 0; this.s3 = s3 >>> 0;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  random(): number {
    const hi = this.nextUint32() >>> 5, lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform in [0, 1) on the float32 grid (24 bits), so storing it never rounds up to 1. */
  randomFloat32(): number {
    return (this.nextUint32() >>> 8) / 16777216;
  }

  /** Uniform integer in [low, high). */
  randint(low: number, high: number): number {
    const range = high - low;
    if (!(range > 0)) throw new Error(`randint: empty range [${low}, ${high})`);
    return low + Math.floor(this.random() * range);
  }

  /** Standard normal deviate (Box-Muller; both values of each pair are used). */
  normal(): number {
    if (this.spareNormal !== null) { const v = this.spareNormal; this.spareNormal = null; return v; }
    let u = 0;
    while (u === 0) u = this.random();
    const v = this.random();
    const r = Math.sqrt(-2 * Math.log(u)), theta = 2 * Math.PI * v;
    this.spareNormal = r * Math.sin(theta);
    return r * Math.cos(theta);
  }

  /** Random permutation of 0..n-1 (Fisher-Yates). */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      const t = p[i]; p[i] = p[j]; p[j] = t;
    }
    return p;
  }

  /** The state as JSON-friendly numbers: four state words and the cached normal (or null). */
  getState(): (number | null)[] {
    return [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0, this.spareNormal];
  }

  /** Restores a state from getState(); a malformed one throws and leaves the generator as it was. */
  setState(state: readonly (number | null)[]): this {
    const problem = generatorStateProblem(state);
    if (problem) throw new Error(`Generator.setState: ${problem}`);
    [this.s0, this.s1, this.s2, this.s3] = state.slice(0, 4) as number[];
    this.spareNormal = state[4];
    return this;
  }
}

/**
 * What is wrong with a generator state (as getState returns it), or null if nothing is: five
 * elements, four 32-bit unsigned integer words that are not all zero (xoshiro's one fixed
 * point: from there it returns zeros forever) and a cached normal deviate that is null or finite.
 */
export function generatorStateProblem(state: unknown): string | null {
  const expected = 'expected the [s0, s1, s2, s3, spareNormal] array that getState() returns';
  if (!Array.isArray(state)) return `${expected}, got ${state === null ? 'null' : typeof state}`;
  if (state.length !== 5) return `${expected}, got an array of ${state.length}`;
  for (let i = 0; i < 4; i++) {
    const v: unknown = state[i];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0xffffffff) {
      return `word ${i} must be an integer in [0, 2^32), got ${JSON.stringify(v) ?? String(v)}`;
    }
  }
  if (state[0] === 0 && state[1] === 0 && state[2] === 0 && state[3] === 0) {
    return 'the state words are all zero (not a state the generator can reach; it would return only zeros)';
  }
  const spare: unknown = state[4];
  if (spare !== null && (typeof spare !== 'number' || !Number.isFinite(spare))) {
    return `spareNormal must be null or a finite number, got ${JSON.stringify(spare) ?? String(spare)}`;
  }
  return null;
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** The generator that creation functions and layers use unless given another. */
export const defaultGenerator = new Generator(0);

/** Seeds the default generator, as torch.manual_seed. */
export function manualSeed(seed: number): void {
  defaultGenerator.manualSeed(seed);
}
