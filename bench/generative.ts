// Training throughput of the generative zoo models, side by side with their PyTorch twins:
//   VAE  (784-400-20, batch 128, Adam): forward, negative ELBO, backward, step
//   DCGAN (gan.py's G and D, batch 64): one discriminator step and one generator step
// on real Fashion-MNIST images (random ones if Debian's package is missing). Prints one JSON
// object. Images/s are wall-clock; cpu_images_per_second divides by this process's CPU time
// instead, the steadier figure on a shared machine (the twins report wall-clock only).
//
//   node dist/bench/generative.js [--vae-steps 60] [--gan-steps 12] [--twins] [--twin-steps] [--threads 2] [--backend js|native]
// --twins runs vae.py (1 epoch) and gan.py (100 batches) and reports their own JSON; --twin-steps
// times the twins' step bodies in one Python process with wall and CPU time, like myelin's.
// Set MYELIN_NUM_THREADS to the same --threads for the native backend.

import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { Vae, vaeLoss } from '../src/models/vae.js';
import { buildDiscriminator, buildGenerator, ganStep, GAN_NOISE } from '../src/models/gan.js';
import { Adam } from '../src/optim/adam.js';
import { fashionMnist } from '../src/data/datasets.js';
import { rand, randn } from '../src/tensor/creation.js';
import { Generator, manualSeed } from '../src/tensor/random.js';
import { add, mul, reshape } from '../src/ops/index.js';
import { noGrad } from '../src/autograd/grad-mode.js';
import { getBackendName, setBackend, type BackendName } from '../src/backend/index.js';
import type { Tensor } from '../src/tensor/tensor.js';
import { round } from './lib/timing.js';
import { runTwin, torchAvailable, TWINS_DIR } from './pytorch.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

async function imageBatches(count: number, batch: number): Promise<{ source: string; batches: Tensor[] }> {
  if (!existsSync('/usr/share/datasets/fashion-mnist')) {
    return { source: 'random', batches: Array.from({ length: count }, () => rand([batch, 1, 28, 28])) };
  }
  const data = await fashionMnist();
  const batches = Array.from({ length: count }, (_, i) =>
    data.train.getBatch(Int32Array.from({ length: batch }, (_, k) => (i * batch + k) % data.train.length))[0]);
  return { source: 'fashion-mnist', batches };
}

interface Throughput { images_per_second: number; cpu_images_per_second: number; steps: number; batch: number }

/** Times `steps` calls of `step(i)` after `warmup` untimed ones. */
function time(steps: number, warmup: number, batch: number, step: (i: number) => void): Throughput {
  for (let i = 0; i < warmup; i++) step(i);
  const c0 = process.cpuUsage(), t0 = performance.now();
  for (let i = warmup; i < warmup + steps; i++) step(i);
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return { images_per_second: round(steps * batch / wall, 1), cpu_images_per_second: round(steps * batch / cpuSeconds, 1), steps, batch };
}

async function benchVae(steps: number): Promise<Throughput & { data: string }> {
  manualSeed(0);
  const model = new Vae();
  const opt = new Adam(model.parameters(), { lr: 1e-3 });
  const noise = new Generator(1);
  const { source, batches } = await imageBatches(steps + 3, 128);
  const r = time(steps, 3, 128, (i) => {
    const x = reshape(batches[i], [128, 784]);
    const { loss } = vaeLoss(model.forward(x, noise), x);
    opt.zeroGrad(); loss.backward(); opt.step();
    loss.item();
  });
  return { ...r, data: source };
}

async function benchGan(steps: number): Promise<Throughput & { data: string }> {
  manualSeed(0);
  const g = buildGenerator(), d = buildDiscriminator();
  const optG = new Adam(g.parameters(), { lr: 2e-4, betas: [0.5, 0.999] });
  const optD = new Adam(d.parameters(), { lr: 2e-4, betas: [0.5, 0.999] });
  const noise = new Generator(1);
  const { source, batches } = await imageBatches(steps + 2, 64);
  const real = batches.map((b) => noGrad(() => add(mul(b, 2), -1)));
  const r = time(steps, 2, 64, (i) => { ganStep(g, d, optG, optD, real[i], randn([64, GAN_NOISE], { generator: noise })); });
  return { ...r, data: source };
}

/**
 * The twins' training steps timed in-process (wall and CPU time), on the same shapes as above:
 * imports vae.py's VAE/loss_fn and gan.py's G/D and runs their loops' bodies. CPU time is what
 * a busy machine distorts least; the twins' own JSON reports wall time only.
 */
const TWIN_STEPS_PY = `
import json, os, sys, time
twins, threads, vsteps, gsteps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
sys.path.insert(0, twins); os.chdir(twins); sys.argv = ['bench', '--threads', str(threads), '--limit', '20000']
import torch, torch.nn.functional as F
import vae, gan
from common import fashion_mnist
xtr = fashion_mnist()[0]
def timed(steps, warmup, fn):
    for i in range(warmup): fn(i)
    w, c = time.perf_counter(), time.process_time()
    for i in range(warmup, warmup + steps): fn(i)
    return time.perf_counter() - w, time.process_time() - c
x = torch.from_numpy(xtr.reshape(-1, 784).astype('float32') / 255)
m = vae.VAE(); opt = torch.optim.Adam(m.parameters(), lr=1e-3)
def vstep(i):
    b = x[(i * 128) % 19840:(i * 128) % 19840 + 128]; xh, mu, lv = m(b); loss = vae.loss_fn(xh, b, mu, lv)
    opt.zero_grad(); loss.backward(); opt.step(); loss.item()
vw, vc = timed(vsteps, 3, vstep)
xi = torch.from_numpy(xtr.astype('float32') / 127.5 - 1).unsqueeze(1)
G, D = gan.G, gan.D; bce = F.binary_cross_entropy_with_logits
oG = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999)); oD = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
def gstep(i):
    real = xi[(i * 64) % 19968:(i * 64) % 19968 + 64]; fake = G(torch.randn(64, 100))
    ld = bce(D(real), torch.ones(64, 1)) + bce(D(fake.detach()), torch.zeros(64, 1)); oD.zero_grad(); ld.backward(); oD.step()
    lg = bce(D(fake), torch.ones(64, 1)); oG.zero_grad(); lg.backward(); oG.step(); ld.item(); lg.item()
gw, gc = timed(gsteps, 2, gstep)
print(json.dumps({'framework': 'pytorch ' + torch.__version__, 'threads': torch.get_num_threads(),
  'vae': {'images_per_second': round(vsteps * 128 / vw, 1), 'cpu_images_per_second': round(vsteps * 128 / vc, 1), 'steps': vsteps},
  'gan': {'images_per_second': round(gsteps * 64 / gw, 1), 'cpu_images_per_second': round(gsteps * 64 / gc, 1), 'steps': gsteps}}))
`;

function twinSteps(threads: number, vaeSteps: number, ganSteps: number): Record<string, unknown> {
  const why = torchAvailable();
  if (why) return { skipped: why };
  const r = spawnSync('/usr/bin/python3', ['-c', TWIN_STEPS_PY, TWINS_DIR, String(threads), String(vaeSteps), String(ganSteps)],
    { encoding: 'utf8', env: { ...process.env, OPENBLAS_NUM_THREADS: '1' }, maxBuffer: 16 << 20 });
  if (r.status !== 0) return { error: (r.stderr || '').trim().split('\n').slice(-3).join(' | ') };
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
}

async function main(): Promise<void> {
  const backendArg = process.argv.includes('--backend') ? process.argv[process.argv.indexOf('--backend') + 1] as BackendName : undefined;
  if (backendArg) setBackend(backendArg);
  const threads = arg('threads', 2);
  const vae = await benchVae(arg('vae-steps', 60));
  const gan = await benchGan(arg('gan-steps', 12));
  const result: Record<string, unknown> = {
    benchmark: 'generative', backend: getBackendName(), cpu: cpus()[0]?.model ?? 'unknown', logical_cpus: cpus().length,
    vae: { batch: 128, myelin: vae }, gan: { batch: 64, myelin: gan },
  };
  const ratio = (m: number, t: unknown) => (typeof t === 'number' ? round(m / t, 3) : null);
  if (process.argv.includes('--twins')) {
    // the twins' own runs and JSON: vae.py one full epoch; gan.py 100 batches of 64 (--limit 6400)
    const tv = runTwin('vae.py', ['--epochs', '1', '--threads', String(threads)]);
    const tg = runTwin('gan.py', ['--epochs', '1', '--threads', String(threads), '--limit', '6400']);
    result.vae = { ...(result.vae as object), pytorch: { threads, ...tv }, myelin_over_pytorch: ratio(vae.images_per_second, tv.img_per_s) };
    result.gan = { ...(result.gan as object), pytorch: { threads, ...tg }, myelin_over_pytorch: ratio(gan.images_per_second, tg.img_per_s) };
  }
  if (process.argv.includes('--twin-steps')) {
    // the same steps timed inside one Python process, with CPU time (see TWIN_STEPS_PY)
    const ts = twinSteps(threads, arg('vae-steps', 60), arg('gan-steps', 12));
    const t = ts as { vae?: { images_per_second: number; cpu_images_per_second: number }; gan?: { images_per_second: number; cpu_images_per_second: number } };
    result.pytorch_steps = ts;
    if (t.vae && t.gan) {
      result.myelin_over_pytorch_steps = {
        vae_wall: ratio(vae.images_per_second, t.vae.images_per_second), vae_cpu: ratio(vae.cpu_images_per_second, t.vae.cpu_images_per_second),
        gan_wall: ratio(gan.images_per_second, t.gan.images_per_second), gan_cpu: ratio(gan.cpu_images_per_second, t.gan.cpu_images_per_second),
      };
    }
  }
  result.load_average = loadavg().map((v) => round(v, 2));
  process.stdout.write(JSON.stringify(result) + '\n');
}

main().catch((e) => { process.stderr.write(`bench/generative: ${(e as Error).message}\n`); process.exit(1); });
