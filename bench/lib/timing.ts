// Small timing helpers for benchmarks: run a function repeatedly and report robust statistics.
// Benchmarks print JSON; these helpers only measure.

import { performance } from 'node:perf_hooks';

export interface Timing {
  /** Median wall time of one call, in milliseconds. */
  medianMs: number;
  /** Fastest call, in milliseconds (the least disturbed by a noisy machine). */
  minMs: number;
  /**
   * Median CPU time (user + system) of one call, in milliseconds. On a shared machine this
   * excludes the time the process waited for a core, so it is the steadier measure of a
   * single-threaded kernel; it is close to medianMs when the machine is quiet.
   */
  cpuMedianMs: number;
  runs: number;
}

export interface MeasureOptions {
  /** Untimed calls first, at least this many and for at least warmupMs, so that the JIT has
   * optimised the code (defaults 2 and 200). */
  warmup?: number;
  warmupMs?: number;
  /** Keep calling until both this many calls and `minTimeMs` have passed (defaults 5, 300). */
  minRuns?: number;
  minTimeMs?: number;
  /** Stop after this many calls even if `minTimeMs` has not passed (default 1000). */
  maxRuns?: number;
}

export function measure(fn: () => void, opts: MeasureOptions = {}): Timing {
  const { warmup = 2, warmupMs = 200, minRuns = 5, minTimeMs = 300, maxRuns = 1000 } = opts;
  const w0 = performance.now();
  for (let i = 0; i < warmup || performance.now() - w0 < warmupMs; i++) fn();
  const times: number[] = [], cpu: number[] = [];
  const start = performance.now();
  while (times.length < maxRuns && (times.length < minRuns || performance.now() - start < minTimeMs)) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  return { medianMs: median(times), minMs: Math.min(...times), cpuMedianMs: median(cpu), runs: times.length };
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Rounds for JSON output. */
export function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** `--name value` from the command line, or the default. */
export function argValue(name: string, fallback: string): string {
  const i = process.argv.indexOf('--' + name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

/** Deterministic pseudo-random fill in [-1, 1) (xorshift), so runs are comparable. */
export function randomFill<T extends { length: number; [i: number]: number }>(a: T, seed = 1): T {
  let s = seed >>> 0 || 1;
  for (let i = 0; i < a.length; i++) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    a[i] = s / 2147483648 - 1;
  }
  return a;
}

/** JSON with one line per array element (rows of a results table stay readable). */
export function formatReport(report: Record<string, unknown>): string {
  const lines = Object.entries(report).map(([key, value]) => {
    const body = Array.isArray(value)
      ? '[\n' + value.map((row) => '    ' + JSON.stringify(row)).join(',\n') + '\n  ]'
      : JSON.stringify(value);
    return `  ${JSON.stringify(key)}: ${body}`;
  });
  return '{\n' + lines.join(',\n') + '\n}';
}
