// `npm run bench`: myelin's benchmarks in one invocation, as one JSON object on stdout
// (progress lines go to stderr). See bench/README.md for what each section measures.
//
//   npm run bench                        # default sections: gemm conv cnn (+ the PyTorch CNN twin)
//   npm run bench -- cnn --quick         # one section, small sizes and few steps (a smoke run)
//   npm run bench -- gemm --sizes 256,512 --threads 1,2 --out gemm.json
//
// Sections: gemm, bf16, conv, cnn, tfjs, sequence, generative, serve.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { jsBackendInstance, type BackendName } from '../src/backend/index.js';
import { isNativeBackend, loadNativeBackend, type NativeBackend } from '../src/backend/native/index.js';
import type { Backend } from '../src/backend/backend.js';
import { packageRoot } from '../src/data/builtin.js';
import { benchCnn, type CnnBenchResult } from './cnn.js';
import { benchTfjsCnn } from './tfjs-cnn.js';
import { runTwin, torchAvailable } from './pytorch.js';
import { benchConvs, benchGemm, benchGemmBf16, seedCnnConvs, type ConvRow } from './lib/kernels.js';
import { prettyJson } from './lib/json.js';
import { round, type MeasureOptions } from './lib/timing.js';

export const SECTIONS = ['gemm', 'bf16', 'conv', 'cnn', 'tfjs', 'sequence', 'generative', 'serve'] as const;
export type Section = (typeof SECTIONS)[number];
const DEFAULT_SECTIONS: Section[] = ['gemm', 'conv', 'cnn'];

interface Options {
  quick: boolean;
  out?: string;
  sizes?: number[];
  jsMaxSize: number;
  threads: number[];
  backends: BackendName[];
  time?: number;
  steps?: number;
  convBatch?: number;
  twins: boolean;
  twinThreads?: number;
  twinLimit?: number;
  twinFull?: boolean;
  serveDir?: string;
}

type Json = Record<string, unknown>;

/** A bad command line that commander did not catch: one line on stderr, exit 2. */
class UsageError extends Error {}

const log = (line: string): void => { process.stderr.write(`[bench] ${line}\n`); };

// --- command line -------------------------------------------------------------------------

function intList(flag: string) {
  return (v: string): number[] => {
    const xs = v.split(',').map((s) => Number(s.trim()));
    if (xs.length === 0 || !xs.every((n) => Number.isInteger(n) && n > 0)) {
      throw new InvalidArgumentError(`${flag} must be a comma-separated list of positive integers, got '${v}'`);
    }
    return xs;
  };
}

function positiveInt(flag: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`${flag} must be a positive integer, got '${v}'`);
    return n;
  };
}

function backendList(v: string): BackendName[] {
  const xs = v.split(',').map((s) => s.trim());
  for (const x of xs) if (x !== 'js' && x !== 'native') throw new InvalidArgumentError(`--backends takes js and/or native, got '${x}'`);
  return xs as BackendName[];
}

function parseArgs(argv: string[]): { sections: Section[]; options: Options } {
  const program = new Command('npm run bench --')
    .description('myelin benchmarks: JSON on stdout, progress on stderr (see bench/README.md)')
    .argument('[sections...]', `sections to run: ${SECTIONS.join(', ')} (default: ${DEFAULT_SECTIONS.join(' ')})`)
    .option('--quick', 'smoke run: small sizes, short timings, few steps')
    .option('--out <file>', 'also write the JSON to this file')
    .option('--sizes <list>', 'gemm: matrix sizes n (default 128,256,512,1024,2048; --quick 64,128)', intList('--sizes'))
    .option('--js-max-size <n>', 'gemm: largest n timed on the js backend', positiveInt('--js-max-size'), 512)
    .addOption(new Option('--threads <list>', 'gemm, conv: native thread counts').argParser(intList('--threads')).default([1, 2], '1,2'))
    .addOption(new Option('--backends <list>', 'backends to time').argParser(backendList).default(['js', 'native'], 'js,native'))
    .option('--time <ms>', 'gemm, conv: minimum timed milliseconds per case (default 300; --quick 20)', positiveInt('--time'))
    .option('--steps <n>', 'cnn: timed training steps (default 20; --quick 2)', positiveInt('--steps'))
    .option('--conv-batch <n>', 'conv: batch size (default 64; --quick 8)', positiveInt('--conv-batch'))
    .option('--no-twins', 'do not run the PyTorch twins')
    .option('--twin-limit <n>', 'cnn: the PyTorch twin trains one epoch over the first N training images (default 6400; --quick 640)', positiveInt('--twin-limit'))
    .option('--twin-full', 'cnn: the PyTorch twin trains one full epoch (60000 images) instead')
    .option('--twin-threads <n>', 'PyTorch twins: torch threads (default: the native backend\'s threads)', positiveInt('--twin-threads'))
    .option('--serve-dir <dir>', 'serve: a saved model directory (default: train a small CNN into a temporary one)')
    .showHelpAfterError()
    .exitOverride();
  program.parse(argv, { from: 'user' });
  const names = program.args;
  for (const s of names) {
    if (!(SECTIONS as readonly string[]).includes(s)) {
      throw new UsageError(`unknown section '${s}' (sections: ${SECTIONS.join(', ')})`);
    }
  }
  const sections = names.length === 0 ? DEFAULT_SECTIONS : SECTIONS.filter((s) => names.includes(s));
  return { sections, options: program.opts<Options>() };
}

// --- backends and machine -----------------------------------------------------------------

function nativeBackend(): { backend: NativeBackend | null; reason: string } {
  const r = loadNativeBackend(jsBackendInstance());
  if (r.backend && isNativeBackend(r.backend)) return { backend: r.backend, reason: '' };
  return { backend: null, reason: r.reason || 'not the native backend' };
}

function gitCommit(): string | null {
  const r = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: packageRoot(), encoding: 'utf8' });
  if (r.status !== 0) return null;
  const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: packageRoot(), encoding: 'utf8' });
  return r.stdout.trim() + (dirty.status === 0 && dirty.stdout.trim() !== '' ? '+dirty' : '');
}

function machineInfo(native: NativeBackend | null, nativeReason: string): Json {
  const version = (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  return {
    date: new Date().toISOString(),
    myelin: version,
    commit: gitCommit(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpu: cpus()[0]?.model ?? 'unknown',
    logical_cpus: cpus().length,
    available_parallelism: availableParallelism(),
    memory_gib: round(totalmem() / 2 ** 30, 1),
    load_average_start: loadavg().map((v) => round(v, 2)),
    native: native ? { available: true, ...native.info() } : { available: false, reason: nativeReason },
  };
}

/** The backend configurations to time: js (single-threaded) and native at each thread count. */
function kernelConfigs(opts: Options, native: NativeBackend | null): { name: BackendName; threads: number; backend: Backend }[] {
  const out: { name: BackendName; threads: number; backend: Backend }[] = [];
  if (opts.backends.includes('js')) out.push({ name: 'js', threads: 1, backend: jsBackendInstance() });
  if (opts.backends.includes('native') && native) {
    for (const t of opts.threads) out.push({ name: 'native', threads: t, backend: native });
  }
  return out;
}

function measureOptions(opts: Options): MeasureOptions {
  const minTimeMs = opts.time ?? (opts.quick ? 20 : 300);
  return opts.quick ? { warmup: 1, warmupMs: 10, minRuns: 2, minTimeMs } : { warmup: 1, warmupMs: 200, minRuns: 3, minTimeMs };
}

const method = (m: MeasureOptions) =>
  `after >= ${m.warmup} warm-up calls (>= ${m.warmupMs} ms), calls repeated until >= ${m.minRuns} calls and >= ${m.minTimeMs} ms; ` +
  'gflops from the median call, gflops_best from the fastest';

/** Sets the native pool's size, returning the size in effect (1 for js). */
function useThreads(c: { name: BackendName; threads: number; backend: Backend }): number {
  if (c.name === 'native' && isNativeBackend(c.backend)) return c.backend.setNumThreads(c.threads);
  return 1;
}

function skippedNative(opts: Options, native: NativeBackend | null, reason: string): Json {
  return opts.backends.includes('native') && !native ? { native_skipped: `native backend unavailable: ${reason}` } : {};
}

// --- sections -----------------------------------------------------------------------------

function sectionGemm(opts: Options, native: NativeBackend | null, nativeReason: string): Json {
  const sizes = opts.sizes ?? (opts.quick ? [64, 128] : [128, 256, 512, 1024, 2048]);
  const m = measureOptions(opts);
  const rows: Json[] = [];
  for (const c of kernelConfigs(opts, native)) {
    const threads = useThreads(c);
    for (const n of sizes) {
      if (c.name === 'js' && n > opts.jsMaxSize) continue;
      const r = benchGemm(c.backend, n, m);
      rows.push({ backend: c.name, threads, n, ...r });
      log(`gemm ${c.name} threads=${threads} n=${n}: ${r.gflops} GFLOP/s`);
    }
  }
  native?.setNumThreads(0);
  const find = (b: string, t: number, n: number) => rows.find((r) => r.backend === b && r.threads === t && r.n === n)?.gflops as number | undefined;
  const ratios: Json[] = [];
  for (const n of sizes) {
    const js = find('js', 1, n), n1 = find('native', 1, n), n2 = find('native', 2, n);
    const row: Json = { n };
    if (js && n1) row.native_1t_over_js = round(n1 / js, 2);
    if (js && n2) row.native_2t_over_js = round(n2 / js, 2);
    if (n1 && n2) row.native_2t_over_1t = round(n2 / n1, 2);
    if (Object.keys(row).length > 1) ratios.push(row);
  }
  return {
    what: 'C = A B, square float32 n x n, through Backend.matmul; 2 n^3 flop per call',
    method: method(m), js_max_size: opts.jsMaxSize, ...skippedNative(opts, native, nativeReason), rows, ratios,
  };
}

/**
 * matmulBf16 against float32 matmul on the native backend, square n x n, each thread count's
 * pair timed back to back (float32, then bfloat16) in three rounds, so that a shared machine's
 * load falls on both alike; the ratio is per round.
 */
function sectionBf16(opts: Options, native: NativeBackend | null, nativeReason: string): Json {
  if (!native) return { skipped: `native backend unavailable: ${nativeReason}` };
  const sizes = opts.sizes ?? (opts.quick ? [128] : [1024]);
  const m = measureOptions(opts);
  const rows: Json[] = [];
  for (const t of opts.threads) {
    const threads = native.setNumThreads(t);
    for (const n of sizes) {
      for (let round_ = 1; round_ <= (opts.quick ? 1 : 3); round_++) {
        const f32 = benchGemm(native, n, m), bf16 = benchGemmBf16(native, n, m);
        rows.push({ threads, n, round: round_, f32_gflops: f32.gflops, bf16_gflops: bf16.gflops,
          f32_gflops_best: f32.gflops_best, bf16_gflops_best: bf16.gflops_best, bf16_over_f32: round(bf16.gflops / f32.gflops, 2) });
        log(`bf16 threads=${threads} n=${n} round ${round_}: f32 ${f32.gflops}, bf16 ${bf16.gflops} GFLOP/s (x${round(bf16.gflops / f32.gflops, 2)})`);
      }
    }
  }
  native.setNumThreads(0);
  return {
    what: 'C = A B, square n x n: float32 matmul against matmulBf16 (bfloat16 A, B; float32 C); 2 n^3 flop per call',
    method: method(m) + '; float32 and bfloat16 timed back to back, three rounds', rows,
  };
}

function sectionConv(opts: Options, native: NativeBackend | null, nativeReason: string): Json {
  const batch = opts.convBatch ?? (opts.quick ? 8 : 64);
  const m = measureOptions(opts);
  const rows: Json[] = [];
  const steps: Json[] = [];
  for (const c of kernelConfigs(opts, native)) {
    const threads = useThreads(c);
    const r: ConvRow[] = benchConvs(c.backend, seedCnnConvs(batch), m);
    for (const row of r) {
      rows.push({ backend: c.name, threads, ...row });
      log(`conv ${c.name} threads=${threads} ${row.layer} ${row.pass}: ${row.gflops} GFLOP/s`);
    }
    const fwd = r.filter((x) => x.pass === 'forward').reduce((s, x) => s + x.ms_median, 0);
    const train = r.filter((x) => x.in_train_step).reduce((s, x) => s + x.ms_median, 0);
    steps.push({
      backend: c.name, threads, batch,
      forward_ms: round(fwd, 3), forward_images_per_second: round(batch / fwd * 1000, 1),
      train_step_ms: round(train, 3), train_images_per_second: round(batch / train * 1000, 1),
    });
  }
  native?.setNumThreads(0);
  return {
    what: "the seed CNN's three convolutions (valid 3x3, stride 1) through Backend.conv2d / conv2dBackwardData / conv2dBackwardWeight; " +
      "totals: the convolution time of one inference forward pass and of one training step (conv1's input gradient is not needed)",
    method: method(m), batch, ...skippedNative(opts, native, nativeReason), rows, totals: steps,
  };
}

async function sectionCnn(opts: Options, native: NativeBackend | null, nativeReason: string, torchWhy: string | null, twinThreads: number): Promise<Json> {
  const runOpts = opts.quick ? { steps: opts.steps ?? 2, warmup: 1, inferImages: 256 } : { steps: opts.steps ?? 20, warmup: 3, inferImages: 2048 };
  const myelin: Record<string, CnnBenchResult & { threads: number }> = {};
  for (const name of opts.backends) {
    if (name === 'native' && !native) continue;
    const threads = name === 'native' ? native!.info().threads : 1;
    log(`cnn ${name}: ${runOpts.steps} training steps of batch 64, then inference at batch 256...`);
    const r = await benchCnn(name, runOpts);
    myelin[name] = { ...r, threads };
    log(`cnn ${name}: train ${r.train_images_per_second} images/s, inference ${r.inference_images_per_second} images/s`);
  }
  const result: Json = {
    what: 'the seed CNN (models/cnn.ts): training = forward, cross-entropy, backward and an Adam step at batch 64, ' +
      'timed over steps after warm-up; inference = forward at batch 256 without gradients',
    ...skippedNative(opts, native, nativeReason), myelin,
  };
  if (!opts.twins) {
    result.pytorch = { skipped: '--no-twins' };
  } else if (torchWhy) {
    result.pytorch = { skipped: torchWhy };
  } else {
    const limit = opts.twinLimit ?? (opts.quick ? 640 : 6400);
    const args = ['--epochs', '1', '--threads', String(twinThreads), ...(opts.twinFull ? [] : ['--limit', String(limit)])];
    log(`cnn pytorch twin: cnn.py ${args.join(' ')} ...`);
    const t = runTwin('cnn.py', args);
    result.pytorch = { script: 'cnn.py', args, note: 'one epoch over the (first --limit) training images at batch 64, shuffled, per-batch indexing included; ' +
      'then inference over the (first --limit) test images at batch 256', ...t };
    const train = t.samples_per_second, infer = t.inference_images_per_second;
    if (typeof train === 'number' && typeof infer === 'number') {
      const ratios: Json = {};
      for (const [name, m] of Object.entries(myelin)) {
        ratios[name] = { train: round(m.train_images_per_second / train, 3), inference: round(m.inference_images_per_second / infer, 3) };
      }
      result.myelin_over_pytorch = ratios;
      log(`cnn pytorch: train ${train} images/s, inference ${infer} images/s`);
    }
  }
  return result;
}

async function sectionTfjs(opts: Options, myelinCnn: Json | undefined): Promise<Json> {
  log('tfjs: the seed CNN on TensorFlow.js\'s CPU backend...');
  const r = await benchTfjsCnn(opts.quick ? { steps: 1, batch: 8, inferBatch: 16 } : {});
  const result: Json = { what: 'the seed CNN in TensorFlow.js (tfjs-layers on the pure-JavaScript cpu backend)', tfjs: r };
  const my = myelinCnn?.myelin as Record<string, CnnBenchResult> | undefined;
  if (my && 'train_images_per_second' in r) {
    const ratios: Json = {};
    for (const [name, m] of Object.entries(my)) {
      ratios[name] = { train: round(m.train_images_per_second / r.train_images_per_second, 2), inference: round(m.inference_images_per_second / r.inference_images_per_second, 2) };
    }
    result.myelin_over_tfjs = ratios;
  }
  return result;
}

/** Runs another compiled bench script and returns the JSON it prints on stdout. */
function runScript(script: string, args: string[], env: NodeJS.ProcessEnv = {}, timeoutSeconds = 3600): Json {
  const path = join(packageRoot(), 'dist', 'bench', script);
  log(`${script} ${args.join(' ')} ...`);
  const r = spawnSync(process.execPath, [path, ...args], {
    cwd: packageRoot(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env },
    timeout: timeoutSeconds * 1000, maxBuffer: 64 << 20,
  });
  if (r.status !== 0) return { error: `${script} exited ${r.status ?? r.signal}` };
  const out = r.stdout.trim();
  try {
    return JSON.parse(out) as Json;
  } catch {
    try { return JSON.parse(out.split('\n').pop() ?? '') as Json; } catch { return { error: `${script} printed no JSON` }; }
  }
}

/** sequence.js and generative.js run on one backend: native if asked for and available, else js. */
function childBackend(opts: Options, native: NativeBackend | null): BackendName {
  return opts.backends.includes('native') && native ? 'native' : 'js';
}

function sectionSequence(opts: Options, native: NativeBackend | null, torchWhy: string | null, twinThreads: number): Json {
  const backend = childBackend(opts, native);
  const twins = opts.twins && !torchWhy && !opts.quick;
  const args = ['--backend', backend, '--threads', String(twinThreads), ...(opts.quick ? ['--lstm-steps', '2', '--gpt-steps', '2'] : []), ...(twins ? ['--twins'] : [])];
  const r = runScript('sequence.js', args, { MYELIN_NUM_THREADS: String(twinThreads) });
  return { what: 'dist/bench/sequence.js: LSTM / GRU classifier and character-GPT training throughput (sequences/s)', args, ...(twins ? {} : { twins_skipped: twinSkipReason(opts, torchWhy) }), ...r };
}

function sectionGenerative(opts: Options, native: NativeBackend | null, torchWhy: string | null, twinThreads: number): Json {
  const backend = childBackend(opts, native);
  const twins = opts.twins && !torchWhy && !opts.quick;
  const args = ['--backend', backend, '--threads', String(twinThreads), ...(opts.quick ? ['--vae-steps', '2', '--gan-steps', '1'] : []), ...(twins ? ['--twins'] : [])];
  const r = runScript('generative.js', args, { MYELIN_NUM_THREADS: String(twinThreads) });
  return { what: 'dist/bench/generative.js: VAE and DCGAN training throughput (images/s)', args, ...(twins ? {} : { twins_skipped: twinSkipReason(opts, torchWhy) }), ...r };
}

function twinSkipReason(opts: Options, torchWhy: string | null): string {
  return !opts.twins ? '--no-twins' : torchWhy ?? 'not run with --quick (the twins train a full epoch)';
}

function sectionServe(opts: Options): Json {
  if (opts.serveDir) {
    if (!existsSync(opts.serveDir)) return { error: `--serve-dir ${opts.serveDir} does not exist` };
    return serveLoad(opts, opts.serveDir);
  }
  const dir = mkdtempSync(join(tmpdir(), 'myelin-bench-serve-'));
  try {
    const limit = opts.quick ? '256' : '2000';
    log(`serve: training a small CNN into ${dir} (myelin train cnn --epochs 1 --limit ${limit})...`);
    const t = spawnSync(process.execPath, [join(packageRoot(), 'bin', 'myelin.js'), 'train', 'cnn', '--epochs', '1', '--limit', limit, '--out', dir, '--no-progress'],
      { cwd: packageRoot(), encoding: 'utf8', stdio: ['ignore', 'ignore', 'inherit'] });
    if (t.status !== 0) return { error: `myelin train cnn exited ${t.status}` };
    return { model: `myelin train cnn --epochs 1 --limit ${limit} (a temporary directory, removed afterwards)`, ...serveLoad(opts, dir) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function serveLoad(opts: Options, dir: string): Json {
  const args = ['--dir', dir, ...(opts.quick ? ['--duration', '2', '--connections', '1,8'] : [])];
  return { what: 'dist/bench/serve-load.js: myelin serve under load (requests/s, p50/p99 latency, batch sizes)', args, ...runScript('serve-load.js', args) };
}

// --- main ---------------------------------------------------------------------------------

export async function runBench(argv: string[]): Promise<Json> {
  const { sections, options: opts } = parseArgs(argv);
  const { backend: native, reason: nativeReason } = nativeBackend();
  const report: Json = { benchmark: 'myelin', sections, quick: !!opts.quick };
  if (opts.quick) report.quick_note = 'a smoke run: sizes, timings and step counts are too small for the numbers to mean much';
  report.machine = machineInfo(native, nativeReason);
  const needsTwins = opts.twins && sections.some((s) => s === 'cnn' || s === 'sequence' || s === 'generative');
  const torchWhy = needsTwins ? torchAvailable() : null;
  const twinThreads = opts.twinThreads ?? (native ? native.info().threads : Math.min(2, availableParallelism()));
  if (needsTwins) {
    report.pytorch = torchWhy ? { available: false, skipped: torchWhy } : { available: true, threads: twinThreads };
  }
  const t0 = performance.now();
  for (const s of sections) {
    const ts = performance.now();
    switch (s) {
      case 'gemm': report.gemm = sectionGemm(opts, native, nativeReason); break;
      case 'bf16': report.bf16 = sectionBf16(opts, native, nativeReason); break;
      case 'conv': report.conv = sectionConv(opts, native, nativeReason); break;
      case 'cnn': report.cnn = await sectionCnn(opts, native, nativeReason, torchWhy, twinThreads); break;
      case 'tfjs': report.tfjs = await sectionTfjs(opts, report.cnn as Json | undefined); break;
      case 'sequence': report.sequence = sectionSequence(opts, native, torchWhy, twinThreads); break;
      case 'generative': report.generative = sectionGenerative(opts, native, torchWhy, twinThreads); break;
      case 'serve': report.serve = sectionServe(opts); break;
    }
    (report[s] as Json).seconds = round((performance.now() - ts) / 1000, 1);
  }
  report.total_seconds = round((performance.now() - t0) / 1000, 1);
  (report.machine as Json).load_average_end = loadavg().map((v) => round(v, 2));
  const text = prettyJson(report) + '\n';
  process.stdout.write(text);
  if (opts.out) {
    writeFileSync(opts.out, text);
    log(`wrote ${opts.out}`);
  }
  return report;
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) runBench(process.argv.slice(2)).catch((e: unknown) => {
  // commander has printed its own message (or the help) already
  if (e instanceof CommanderError) process.exit(e.exitCode === 0 ? 0 : 2);
  if (e instanceof UsageError) {
    process.stderr.write(`bench: ${e.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`bench: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
