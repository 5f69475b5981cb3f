// The dashboard over real run directories trained here: its JSON API, and end to end in
// headless Chromium (Debian's, driven by playwright-core): runs listed, charts drawn, live
// updates, pictures, confusion matrix and ROC curve; a screenshot is saved as a test artefact.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zooModel } from '../../src/models/index.js';
import { createDashboard, type Dashboard } from '../../src/dashboard/server.js';
import { packageRoot } from '../../src/data/builtin.js';

const CHROMIUM = '/usr/bin/chromium';
const FASHION = '/usr/share/datasets/fashion-mnist';
let root: string;
let dash: Dashboard;
let url: string;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'myelin-dash-'));
  await zooModel('mlp').train({ epochs: 12, out: join(root, 'mlp-lr1e-3'), progress: false });
  await zooModel('mlp').train({ epochs: 12, lr: 3e-3, seed: 1, out: join(root, 'mlp-lr3e-3'), progress: false });
  if (existsSync(FASHION)) await zooModel('cnn').train({ epochs: 2, limit: 150, out: join(root, 'cnn-small'), progress: false, log: () => {} });
  dash = createDashboard({ runs: root, port: 0 });
  url = await dash.listen();
});
after(async () => { await dash?.close(); });

const json = async (path: string) => { const r = await fetch(url + path); return { status: r.status, body: await r.json() as any }; };

test('the API lists runs with model, status and final metrics, and serves scalars, config, ROC and pictures', async () => {
  const { body } = await json('/api/runs');
  const ids = body.runs.map((r: { id: string }) => r.id).sort();
  assert.deepEqual(ids, existsSync(FASHION) ? ['cnn-small', 'mlp-lr1e-3', 'mlp-lr3e-3'] : ['mlp-lr1e-3', 'mlp-lr3e-3']);
  const mlp = body.runs.find((r: { id: string }) => r.id === 'mlp-lr1e-3');
  assert.equal(mlp.model, 'mlp');
  assert.equal(mlp.status, 'finished');
  assert.equal(mlp.epochs, 12);
  assert.equal(typeof mlp.final.test_accuracy, 'number');
  assert.equal(mlp.hasRoc, true);
  const scalars = (await json('/api/scalars?run=mlp-lr1e-3')).body.records;
  assert.equal(scalars.filter((r: { kind: string }) => r.kind === 'epoch').length, 12);
  assert.equal((await json('/api/run?run=mlp-lr1e-3')).body.model, 'mlp');
  assert.equal((await json('/api/roc?run=mlp-lr1e-3')).body.kind, 'binary');
  assert.equal((await json('/api/scalars?run=../../etc')).status, 404);
  assert.equal((await json('/api/scalars')).status, 400);
  assert.equal((await json('/api/image?run=mlp-lr1e-3&file=../../x.png')).status, 404);
  if (existsSync(FASHION)) {
    const cnn = body.runs.find((r: { id: string }) => r.id === 'cnn-small');
    assert.deepEqual(cnn.images, ['confusion_matrix.png', 'predictions.png']);
    const img = await fetch(`${url}/api/image?run=cnn-small&file=predictions.png`);
    assert.equal(img.headers.get('content-type'), 'image/png');
  }
  const page = await fetch(url + '/');
  assert.match(await page.text(), /myelin dashboard/);
  assert.equal((await fetch(url + '/vendor/chart.umd.min.js')).status, 200);
});

test('end to end in headless Chromium: charts drawn and live, pictures, confusion matrix, ROC; screenshot saved', { skip: !existsSync(CHROMIUM) && `${CHROMIUM} is absent (apt-get install chromium)` }, async () => {
  const { chromium } = await import('playwright-core');
  // a fresh profile directory (playwright passes it as --user-data-dir)
  const browser = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'myelin-chromium-')), {
    executablePath: CHROMIUM, headless: true, viewport: { width: 1400, height: 1500 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = browser.pages()[0] ?? await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url, { waitUntil: 'load' });
    await page.waitForSelector('.run[data-run="mlp-lr1e-3"]');
    await page.waitForSelector('[data-metric="loss"] canvas');
    await page.waitForSelector('[data-metric="accuracy"] canvas');
    // canvases hold drawn pixels, and the loss chart overlays both mlp runs (train and val)
    const drawn = () => page.evaluate(() => [...document.querySelectorAll('canvas')].filter((c) => {
      if (!c.width || !c.height || c.closest('[hidden]')) return false;
      const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let ink = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] > 0) ink++;
      return ink > 500;
    }).length);
    await page.waitForFunction(() => document.querySelectorAll('.charts canvas').length >= 3);
    assert.ok(await drawn() >= 3, 'at least three charts with drawn content');
    const series = await page.evaluate(() => {
      const chart = (window as any).Chart.getChart(document.querySelector('[data-metric="loss"] canvas'));
      return chart.data.datasets.map((d: { label: string; data: unknown[] }) => `${d.label}:${d.data.length}`);
    });
    for (const s of ['mlp-lr1e-3 loss:12', 'mlp-lr1e-3 val_loss:12', 'mlp-lr3e-3 loss:12', 'mlp-lr3e-3 val_loss:12']) assert.ok(series.includes(s), `${s} in ${series}`);

    // live: an epoch appended to a run's metrics.jsonl shows up without reloading
    appendFileSync(join(root, 'mlp-lr3e-3', 'metrics.jsonl'), JSON.stringify({ kind: 'epoch', epoch: 13, step: 195, loss: 0.05, val_loss: 0.07 }) + '\n');
    await page.waitForFunction(() => {
      const chart = (window as any).Chart.getChart(document.querySelector('[data-metric="loss"] canvas'));
      return chart.data.datasets.some((d: { label: string; data: unknown[] }) => d.label === 'mlp-lr3e-3 loss' && d.data.length === 13);
    }, undefined, { timeout: 15_000 });

    // details of a run: confusion matrix and ROC (binary), then the cnn's pictures
    await page.click('.run[data-run="mlp-lr1e-3"] .name');
    await page.waitForSelector('#confusion table.cm');
    assert.equal(await page.locator('#confusion table.cm tr').count(), 3);
    await page.waitForFunction(() => (window as any).Chart.getChart(document.querySelector('#roc'))?.data.datasets.length === 2);
    if (existsSync(FASHION)) {
      await page.click('.run[data-run="cnn-small"] .name');
      await page.waitForFunction(() => [...document.querySelectorAll<HTMLImageElement>('#images img')].filter((i) => i.complete && i.naturalWidth > 0).length === 2);
      await page.waitForFunction(() => document.querySelectorAll('#confusion table.cm tr').length === 11);
      await page.waitForFunction(() => (window as any).Chart.getChart(document.querySelector('#roc'))?.data.datasets.length === 11);
    }
    await page.waitForTimeout(300);
    assert.ok(await drawn() >= 4, 'charts and the ROC curve are drawn');
    assert.deepEqual(errors, []);
    const dir = join(packageRoot(), 'test-artifacts');
    mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: join(dir, 'dashboard.png'), fullPage: true });
  } finally {
    await browser.close();
  }
});
