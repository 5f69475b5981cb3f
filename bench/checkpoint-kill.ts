// Fault injection for checkpointing, through the real command line: trains a zoo model with
// `myelin train`, kills it with SIGKILL at random moments (mostly while it writes a checkpoint,
// some at uniformly random times), resumes it with `--resume`, again and again, and checks:
//
//   - after every kill, the newest checkpoint (last.safetensors, and best.safetensors) loads
//     into a fresh model and optimizer (the full transactional load: metadata, weights,
//     optimizer state, RNG state);
//   - the temp file a killed writer leaves behind is gone once the next process has started a
//     save, and no temp file is left when a run completes;
//   - every run completed through kills and resumes ends with model.safetensors equal, bit for
//     bit, to the uninterrupted reference run's.
//
//   node dist/bench/checkpoint-kill.js --model mlp --kills 60
//   node dist/bench/checkpoint-kill.js --model cnn --kills 50 --limit 2000 --epochs 4
//
// Prints one JSON object on stdout; progress on stderr. Not part of `npm run bench` (it
// measures robustness, not speed). Do not rebuild (tsc) while it runs: a process started
// while dist/ is being rewritten fails to load.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, watch } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildCnn, buildMlp } from '../src/models/index.js';
import { Adam } from '../src/optim/adam.js';
import { loadCheckpoint, readCheckpointInfo } from '../src/io/checkpoint.js';
import { readSafetensors } from '../src/io/safetensors.js';
import { Generator } from '../src/tensor/random.js';

const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: 'mlp' },
    kills: { type: 'string', default: '50' },
    epochs: { type: 'string' },
    limit: { type: 'string' },
    seed: { type: 'string', default: '1' },
    // kill at the k-th checkpoint temp file a process creates, k uniform in 1..max-k, after a
    // delay uniform in [0, window] ms
    'max-k': { type: 'string', default: '3' },
    window: { type: 'string' },
    'uniform-fraction': { type: 'string', default: '0.2' },
    work: { type: 'string' },
    rng: { type: 'string', default: '12345' },
  },
});

const model = args.model!;
if (model !== 'mlp' && model !== 'cnn') throw new Error('--model must be mlp or cnn');
const kills = Number(args.kills);
const epochs = Number(args.epochs ?? (model === 'mlp' ? 40 : 4));
const limit = model === 'cnn' ? Number(args.limit ?? 2000) : undefined;
const windowMs = Number(args.window ?? (model === 'mlp' ? 0.3 : 20));
const maxK = Number(args['max-k']);
const uniformFraction = Number(args['uniform-fraction']);
const work = args.work ?? mkdtempSync(join(tmpdir(), `myelin-kill-${model}-`));
const rng = new Generator(Number(args.rng));
const bin = new URL('../../bin/myelin.js', import.meta.url).pathname;
const log = (s: string) => process.stderr.write(`[kill] ${s}\n`);

const common = ['--no-progress', ...(limit ? ['--limit', String(limit)] : [])];
const startArgs = (dir: string) => ['train', model, '--epochs', String(epochs), '--seed', args.seed!, '--out', dir, ...common];
const resumeArgs = (dir: string) => ['train', model, '--resume', dir, ...common];

function tensorsOf(path: string): Map<string, ArrayLike<number>> {
  return new Map([...readSafetensors(path).tensors].map(([k, t]) => [k, t.data]));
}

function sameTensors(a: Map<string, ArrayLike<number>>, b: Map<string, ArrayLike<number>>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, x] of a) {
    const y = b.get(k);
    if (!y || y.length !== x.length) return false;
    for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return false;
  }
  return true;
}

function tempFiles(dir: string): string[] {
  const out: string[] = [];
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) out.push(...tempFiles(join(dir, e.name)));
    else if (e.name.endsWith('.tmp')) out.push(join(dir, e.name));
  }
  return out;
}

/** Loads a checkpoint into a fresh model and Adam optimizer (the full transactional load); null when fine, else the error. */
function verifyCheckpoint(path: string): string | null {
  const m = model === 'mlp' ? buildMlp(30, 2) : buildCnn();
  try {
    loadCheckpoint(path, m, new Adam(m.parameters()));
    return null;
  } catch (e) {
    return (e as Error).message;
  }
}

interface Life { killed: boolean; code: number | null; signal: string | null; savesStarted: number; stderr: string; ms: number }

type Plan = { mode: 'checkpoint'; k: number; delayMs: number } | { mode: 'uniform'; atMs: number } | { mode: 'none' };

/** Runs the command once, killing it as planned. */
function live(dir: string, argv: string[], plan: Plan): Promise<Life> {
  const ckptDir = join(dir, 'checkpoints');
  mkdirSync(ckptDir, { recursive: true });
  const t0 = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, ...argv], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    const seen = new Set<string>();
    let killed = false;
    const kill = () => { if (child.exitCode === null && child.signalCode === null) { killed = true; child.kill('SIGKILL'); } };
    const watcher = watch(ckptDir, (_event, name) => {
      if (!name || !name.endsWith('.tmp') || !name.includes(`.${child.pid}-`) || seen.has(name)) return;
      seen.add(name);
      if (plan.mode === 'checkpoint' && seen.size === plan.k) {
        if (plan.delayMs === 0) kill(); else setTimeout(kill, plan.delayMs);
      }
    });
    const timer = plan.mode === 'uniform' ? setTimeout(kill, plan.atMs) : undefined;
    child.once('exit', (code, signal) => {
      watcher.close();
      if (timer) clearTimeout(timer);
      resolve({ killed, code, signal, savesStarted: seen.size, stderr, ms: performance.now() - t0 });
    });
  });
}

const t0 = performance.now();
log(`work directory ${work}`);
const refDir = join(work, 'reference');
const tRef = performance.now();
const ref = spawnSync(process.execPath, [bin, ...startArgs(refDir)], { encoding: 'utf8' });
if (ref.status !== 0) throw new Error(`reference run failed: ${ref.stderr}`);
const refMs = performance.now() - tRef;
const refWeights = tensorsOf(join(refDir, 'model.safetensors'));
log(`reference run: ${(refMs / 1000).toFixed(1)} s`);

const report = {
  model, epochs, limit: limit ?? null, seed: Number(args.seed), window_ms: windowMs, max_k: maxK, uniform_fraction: uniformFraction,
  kills: 0, kills_during_checkpointing: 0, kills_at_uniform_times: 0, kills_leaving_a_temp_file: 0, kills_before_first_checkpoint: 0,
  checkpoints_verified: 0, checkpoint_load_failures: [] as string[],
  temp_files_surviving_next_save: 0, temp_files_left_after_completed_runs: 0,
  completed_runs: 0, completed_runs_bit_equal: 0, lives: 0, unexpected_exits: [] as string[],
  reference_seconds: Number((refMs / 1000).toFixed(2)), seconds: 0,
};

let cycle = 0;
let dir = join(work, `run-${cycle}`);
let pendingTemps: string[] = []; // left by the last kill, must go with the next process's first save
while (report.kills < kills || existsSync(join(dir, 'checkpoints'))) {
  if (report.lives > kills * 20) throw new Error('no progress: too many lives');
  const hasCheckpoint = existsSync(join(dir, 'checkpoints', 'last.safetensors'));
  if (!hasCheckpoint) { rmSync(dir, { recursive: true, force: true }); pendingTemps = []; }
  const argv = hasCheckpoint ? resumeArgs(dir) : startArgs(dir);
  let plan: Plan = { mode: 'none' };
  if (report.kills < kills) {
    plan = rng.random() < uniformFraction
      ? { mode: 'uniform', atMs: rng.random() * refMs }
      : { mode: 'checkpoint', k: 1 + Math.floor(rng.random() * maxK), delayMs: rng.random() * windowMs };
  }
  const life = await live(dir, argv, plan);
  report.lives++;
  if (life.savesStarted > 0) {
    report.temp_files_surviving_next_save += pendingTemps.filter((p) => existsSync(p)).length;
    pendingTemps = [];
  }
  if (life.killed) {
    report.kills++;
    if (plan.mode === 'checkpoint') report.kills_during_checkpointing++; else report.kills_at_uniform_times++;
    const temps = tempFiles(dir);
    if (temps.some((t) => !pendingTemps.includes(t))) report.kills_leaving_a_temp_file++;
    pendingTemps = temps.filter((t) => t.includes(join(dir, 'checkpoints')));
    let epoch: number | string = '-';
    for (const f of ['last.safetensors', 'best.safetensors']) {
      const p = join(dir, 'checkpoints', f);
      if (!existsSync(p)) { if (f === 'last.safetensors') report.kills_before_first_checkpoint++; continue; }
      const problem = verifyCheckpoint(p);
      report.checkpoints_verified++;
      if (problem) report.checkpoint_load_failures.push(problem);
      else if (f === 'last.safetensors') epoch = readCheckpointInfo(p).epoch;
    }
    log(`kill ${report.kills} (${plan.mode}${plan.mode === 'checkpoint' ? ` k=${plan.k} +${plan.delayMs.toFixed(1)} ms` : ''}): ` +
      `last checkpoint at epoch ${epoch}, ${temps.length} temp file(s)`);
    continue;
  }
  if (life.code !== 0) {
    report.unexpected_exits.push(`${argv.join(' ')}: exit ${life.code ?? life.signal}: ${life.stderr.trim().split('\n').slice(-12).join('\n')}`);
    throw new Error(report.unexpected_exits[report.unexpected_exits.length - 1]);
  }
  // the run completed
  report.completed_runs++;
  const left = tempFiles(dir);
  report.temp_files_left_after_completed_runs += left.length;
  const equal = sameTensors(tensorsOf(join(dir, 'model.safetensors')), refWeights);
  if (equal) report.completed_runs_bit_equal++;
  log(`run ${cycle} completed: weights ${equal ? 'bit-equal to' : 'DIFFER from'} the reference; ${left.length} temp file(s) left`);
  cycle++;
  dir = join(work, `run-${cycle}`);
  pendingTemps = [];
  if (report.kills >= kills) break;
}
report.seconds = Number(((performance.now() - t0) / 1000).toFixed(1));
process.stdout.write(JSON.stringify(report, null, 2) + '\n');
