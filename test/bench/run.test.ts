// `npm run bench` (dist/bench/run.js) as a child process, on tiny sizes: the JSON's structure,
// positive numbers, --out, section selection and usage errors. Speed itself is never asserted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const runner = new URL('../../bench/run.js', import.meta.url).pathname;
const run = (...args: string[]) => spawnSync(process.execPath, [runner, ...args], { encoding: 'utf8', timeout: 60_000 });

type Row = Record<string, unknown>;

const positive = (row: Row, key: string): void => {
  const v = row[key];
  assert.ok(typeof v === 'number' && Number.isFinite(v) && v > 0, `${key} = ${String(v)} in ${JSON.stringify(row)}`);
};

test('gemm and conv --quick on js print the report as JSON on stdout and write it with --out', () => {
  const out = join(mkdtempSync(join(tmpdir(), 'myelin-bench-')), 'bench.json');
  const r = run('gemm', 'conv', '--quick', '--backends', 'js', '--sizes', '24,40', '--conv-batch', '2', '--time', '5', '--out', out);
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout) as Record<string, Row>;
  assert.equal(readFileSync(out, 'utf8'), r.stdout);
  assert.deepEqual(report.sections, ['gemm', 'conv']);
  assert.equal(report.quick, true);
  assert.equal(report.cnn, undefined, 'cnn was not selected');
  assert.match(r.stderr, /\[bench\] gemm js threads=1 n=40: /);

  const m = report.machine;
  for (const k of ['date', 'node', 'cpu', 'logical_cpus', 'native', 'load_average_start', 'load_average_end']) assert.ok(k in m, `machine.${k} missing`);
  assert.equal(m.node, process.version);
  assert.ok(!Number.isNaN(Date.parse(m.date as string)));
  assert.equal(typeof (m.native as Row).available, 'boolean');

  const gemm = report.gemm;
  assert.match(gemm.method as string, /median/);
  const rows = gemm.rows as Row[];
  assert.deepEqual(rows.map((x) => [x.backend, x.threads, x.n]), [['js', 1, 24], ['js', 1, 40]]);
  for (const row of rows) for (const k of ['ms_median', 'ms_best', 'gflops', 'gflops_best', 'runs']) positive(row, k);
  for (const row of rows) assert.ok((row.gflops_best as number) >= (row.gflops as number), 'the fastest call is at least as fast as the median');
  assert.ok(Array.isArray(gemm.ratios));

  const conv = report.conv;
  assert.equal(conv.batch, 2);
  const convRows = conv.rows as Row[];
  assert.equal(convRows.length, 9, 'three layers x forward, backwardData, backwardWeight');
  assert.deepEqual([...new Set(convRows.map((x) => x.pass))], ['forward', 'backwardData', 'backwardWeight']);
  for (const row of convRows) for (const k of ['ms_median', 'gflops', 'images_per_second']) positive(row, k);
  const totals = conv.totals as Row[];
  assert.equal(totals.length, 1);
  for (const k of ['forward_images_per_second', 'train_images_per_second']) positive(totals[0], k);
  // a training step also runs the backward passes
  assert.ok((totals[0].train_step_ms as number) > (totals[0].forward_ms as number));
});

test('native GEMM rows at each --threads count, or a field saying why native was skipped', () => {
  const r = run('gemm', '--quick', '--backends', 'native', '--threads', '1,2', '--sizes', '32', '--time', '5');
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout) as Record<string, Row>;
  const native = report.machine.native as Row;
  const rows = report.gemm.rows as Row[];
  if (native.available) {
    assert.deepEqual(rows.map((x) => [x.backend, x.n]), [['native', 32], ['native', 32]]);
    for (const row of rows) positive(row, 'gflops');
    assert.ok(rows.every((x) => typeof x.threads === 'number'));
    assert.equal(typeof native.gemm_path, 'string');
  } else {
    assert.equal(rows.length, 0);
    assert.match(report.gemm.native_skipped as string, /native backend unavailable/);
  }
});

test('bf16: float32 and bfloat16 GEMM rows at each --threads count, or why native was skipped', () => {
  const r = run('bf16', '--quick', '--threads', '1,2', '--sizes', '40', '--time', '5');
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout) as Record<string, Row>;
  const native = report.machine.native as Row;
  if (native.available) {
    assert.match(native.bf16_gemm_path as string, /^(avx512bf16|portable)$/);
    const rows = report.bf16.rows as Row[];
    assert.deepEqual(rows.map((x) => x.n), [40, 40]);
    for (const row of rows) for (const k of ['f32_gflops', 'bf16_gflops', 'bf16_over_f32']) positive(row, k);
  } else {
    assert.match(report.bf16.skipped as string, /native backend unavailable/);
  }
});

test('an unknown section or a bad flag value exits 2 with one clear message', () => {
  const a = run('gemm', 'resnet');
  assert.equal(a.status, 2);
  assert.equal(a.stdout, '');
  assert.match(a.stderr, /unknown section 'resnet' \(sections: gemm, bf16, conv, cnn, tfjs, sequence, generative, serve\)/);
  const b = run('gemm', '--sizes', '0,64');
  assert.equal(b.status, 2);
  assert.match(b.stderr, /--sizes must be a comma-separated list of positive integers/);
});
