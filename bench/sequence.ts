// Training throughput of the sequence zoo models, side by side with their PyTorch twins:
//   LSTM classifier (lstm.py's model, batch 64 x 56 tokens, Adam): forward, BCE, backward, step;
//   the same with GRU cells (no twin);
//   character GPT (gpt.py's model and step: batch 12 x 64, AdamW, gradient clipping).
// On real MR / tiny Shakespeare batches (random ids when the data are missing). Prints one JSON
// object: sequences/s and ms per step are wall-clock; cpu_* divide by this process's CPU time
// instead, the steadier figure on a shared machine (the twins report wall-clock only). With
// --twins, lstm.py runs one epoch (its steady-state median seq/s) and gpt.py --iters N.
//
//   node dist/bench/sequence.js [--lstm-steps 30] [--gpt-steps 40] [--twins] [--threads 2] [--backend js|native] [--only lstm|gru|gpt]

import { cpus } from 'node:os';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { LstmClassifier, type CellType } from '../src/models/lstm.js';
import { GPT, GPT_CPU_CONFIG, getBatch, gptLr, prepareShakespeare } from '../src/models/gpt.js';
import { loadMrPolarity, sharedDataDir } from '../src/models/text-data.js';
import { binaryCrossEntropyWithLogits } from '../src/nn/losses.js';
import { Adam, AdamW } from '../src/optim/adam.js';
import { clipGradNorm } from '../src/optim/clip.js';
import { randint } from '../src/tensor/creation.js';
import { Generator, manualSeed } from '../src/tensor/random.js';
import { getBackendName, setBackend, type BackendName } from '../src/backend/index.js';
import type { Tensor } from '../src/tensor/tensor.js';
import { median, round } from './lib/timing.js';
import { runTwin } from './pytorch.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

interface StepTimes { wallMs: number[]; cpuMs: number[] }

/** Times `steps` calls of step(i) after `warmup` untimed ones. */
function time(steps: number, warmup: number, step: (i: number) => void): StepTimes {
  for (let i = 0; i < warmup; i++) step(i);
  const wallMs: number[] = [], cpuMs: number[] = [];
  for (let i = warmup; i < warmup + steps; i++) {
    const c0 = process.cpuUsage(), t0 = performance.now();
    step(i);
    wallMs.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpuMs.push((c.user + c.system) / 1000);
  }
  return { wallMs, cpuMs };
}

function summarise(t: StepTimes, batch: number): Record<string, number> {
  const wall = t.wallMs.reduce((a, b) => a + b, 0) / 1000, cpu = t.cpuMs.reduce((a, b) => a + b, 0) / 1000;
  return {
    steps: t.wallMs.length, batch,
    ms_per_step_median: round(median(t.wallMs), 1), ms_per_step_mean: round(1000 * wall / t.wallMs.length, 1),
    sequences_per_second: round(t.wallMs.length * batch / wall, 1),
    cpu_ms_per_step_median: round(median(t.cpuMs), 1), cpu_sequences_per_second: round(t.wallMs.length * batch / cpu, 1),
  };
}

function mrBatches(count: number, batch: number): { source: string; xs: Tensor[]; ys: Tensor[] } {
  if (existsSync(join(sharedDataDir(), 'mr-polarity'))) {
    const d = loadMrPolarity();
    const xs: Tensor[] = [], ys: Tensor[] = [];
    for (let i = 0; i < count; i++) {
      const [x, y] = d.train.getBatch(Int32Array.from({ length: batch }, (_, k) => (i * batch + k) % d.train.length));
      xs.push(x); ys.push(y);
    }
    return { source: 'mr-polarity', xs, ys };
  }
  return { source: 'random', xs: Array.from({ length: count }, () => randint(0, 10000, [batch, 56])), ys: Array.from({ length: count }, () => randint(0, 2, [batch]).float()) };
}

export function benchLstm(cell: CellType, steps: number): Record<string, unknown> {
  manualSeed(0);
  const model = new LstmClassifier({ cell });
  const opt = new Adam(model.parameters(), { lr: 1e-3, eps: 1e-7 });
  const { source, xs, ys } = mrBatches(steps + 3, 64);
  const t = time(steps, 3, (i) => {
    const loss = binaryCrossEntropyWithLogits(model.forward(xs[i]), ys[i]);
    opt.zeroGrad(); loss.backward(); opt.step();
  });
  return { data: source, seq_len: 56, ...summarise(t, 64) };
}

export function benchGpt(steps: number): Record<string, unknown> {
  manualSeed(1337);
  const gen = new Generator(1337);
  const have = existsSync(join(sharedDataDir(), 'tinyshakespeare'));
  const train = have ? prepareShakespeare().train : Int32Array.from({ length: 100000 }, () => gen.randint(0, 65));
  const model = new GPT({ vocabSize: 65, ...GPT_CPU_CONFIG });
  const opt = new AdamW(model.paramGroups(0.1), { lr: 1e-3, betas: [0.9, 0.99] });
  const params = model.parameters();
  const t = time(steps, 5, (it) => {
    for (const g of opt.paramGroups) g.lr = gptLr(it);
    const [x, y] = getBatch(train, 12, 64, gen);
    const loss = model.loss(x, y);
    opt.zeroGrad(); loss.backward(); clipGradNorm(params, 1.0); opt.step();
  });
  return { data: have ? 'tinyshakespeare' : 'random', block: 64, ...summarise(t, 12) };
}

async function main(): Promise<void> {
  const backendArg = process.argv.includes('--backend') ? process.argv[process.argv.indexOf('--backend') + 1] as BackendName : undefined;
  if (backendArg) setBackend(backendArg);
  const threads = arg('threads', 2);
  const only = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : null;
  const want = (k: string) => only === null || only === k;
  const result: Record<string, unknown> = {
    benchmark: 'sequence', backend: getBackendName(), cpu: cpus()[0]?.model ?? 'unknown', logical_cpus: cpus().length,
  };
  const twins = process.argv.includes('--twins');
  const ratio = (m: number, t: unknown) => (typeof t === 'number' ? round(m / t, 3) : null);
  if (want('lstm')) {
    const m = benchLstm('lstm', arg('lstm-steps', 30));
    const entry: Record<string, unknown> = { myelin: m };
    if (twins) {
      const t = runTwin('lstm.py', ['--epochs', '1', '--threads', String(threads)]);
      entry.pytorch = { threads, ...t };
      entry.myelin_over_pytorch = ratio(m.sequences_per_second as number, t.median_seq_per_s);
    }
    result.lstm = entry;
  }
  if (want('gru')) result.gru = { myelin: benchLstm('gru', arg('lstm-steps', 30)) };
  if (want('gpt')) {
    const steps = arg('gpt-steps', 40);
    const m = benchGpt(steps);
    const entry: Record<string, unknown> = { myelin: m };
    if (twins) {
      const t = runTwin('gpt.py', ['--iters', String(steps + 10), '--eval-every', '100000', '--threads', String(threads)]);
      entry.pytorch = { threads, ...t };
      // ms per iteration: lower is better, so the ratio is the twin's over myelin's
      entry.myelin_speedup_over_pytorch = typeof t.ms_per_iter_median === 'number' ? round((t.ms_per_iter_median as number) / (m.ms_per_step_median as number), 3) : null;
    }
    result.gpt = entry;
  }
  process.stdout.write(JSON.stringify(result) + '\n');
}

main().catch((e) => { process.stderr.write(`bench/sequence: ${(e as Error).message}\n`); process.exit(1); });
