import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { loadBreastCancer, loadDigits, loadIris, packageRoot } from '../../src/data/builtin.js';

// Expected counts are the published facts about these data sets (UCI / scikit-learn docs),
// not values read back through the loader.

function histogram(labels: Int32Array, k: number): number[] {
  const h = new Array<number>(k).fill(0);
  for (const y of labels) h[y]!++;
  return h;
}

test('package root is found by walking up to package.json named myelin', () => {
  // This test runs as dist/test/data/builtin.test.js: the package is three levels up.
  const expected = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
  assert.equal(packageRoot(), expected);
});

test('iris: 150 x 4, three classes of 50, first and last rows', () => {
  const d = loadIris();
  assert.equal(d.name, 'iris');
  assert.equal(d.rows, 150);
  assert.equal(d.nFeatures, 4);
  assert.equal(d.features.length, 600);
  assert.deepEqual(d.classNames, ['setosa', 'versicolor', 'virginica']);
  assert.deepEqual(histogram(d.labels, 3), [50, 50, 50]);
  assert.deepEqual([...d.features.subarray(0, 4)], [5.1, 3.5, 1.4, 0.2].map(Math.fround));
  assert.equal(d.labels[0], 0);
  assert.deepEqual([...d.features.subarray(596)], [5.9, 3.0, 5.1, 1.8].map(Math.fround));
  assert.equal(d.labels[149], 2);
  assert.equal(d.featureShape, undefined);
});

test('breast cancer: 569 x 30, 212 malignant and 357 benign', () => {
  const d = loadBreastCancer();
  assert.equal(d.rows, 569);
  assert.equal(d.nFeatures, 30);
  assert.deepEqual(d.classNames, ['malignant', 'benign']);
  assert.deepEqual(histogram(d.labels, 2), [212, 357]);
  assert.deepEqual([...d.features.subarray(0, 4)], [17.99, 10.38, 122.8, 1001].map(Math.fround));
});

test('digits: 1797 images of 8x8 in 0..16 with the known class counts', () => {
  const d = loadDigits();
  assert.equal(d.rows, 1797);
  assert.equal(d.nFeatures, 64);
  assert.deepEqual(d.featureShape, [8, 8]);
  assert.deepEqual(d.classNames, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  assert.deepEqual(histogram(d.labels, 10), [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]);
  // The first image is a zero: its top row is 0 0 5 13 9 1 0 0.
  assert.equal(d.labels[0], 0);
  assert.deepEqual([...d.features.subarray(0, 8)], [0, 0, 5, 13, 9, 1, 0, 0]);
});

test('a user-given file is validated against its header line', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'myelin-builtin-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));

  const ok = join(dir, 'ok.csv');
  writeFileSync(ok, '2,2,no,yes\n1,2,0\n3,4,1\n');
  const d = loadIris({ file: ok });
  assert.deepEqual([...d.features], [1, 2, 3, 4]);
  assert.deepEqual([...d.labels], [0, 1]);
  assert.deepEqual(d.classNames, ['no', 'yes']);

  const fewer = join(dir, 'fewer.csv');
  writeFileSync(fewer, '3,2,no,yes\n1,2,0\n3,4,1\n');
  assert.throws(() => loadIris({ file: fewer }), /fewer\.csv: header says 3 rows, found 2/);

  const wide = join(dir, 'wide.csv');
  writeFileSync(wide, '2,1,no,yes\n1,2,0\n3,4,1\n');
  assert.throws(() => loadBreastCancer({ file: wide }), /wide\.csv: header says 1 features, found 2/);

  const badLabel = join(dir, 'label.csv');
  writeFileSync(badLabel, '2,2,no,yes\n1,2,0\n3,4,2\n');
  assert.throws(() => loadIris({ file: badLabel }), /label\.csv: data row 2: label 2 is outside 0\.\.1/);

  // Line numbers in cell errors count the header line.
  const badCell = join(dir, 'cell.csv');
  writeFileSync(badCell, '2,2,no,yes\n1,2,0\n3,x,1\n');
  assert.throws(() => loadIris({ file: badCell }), /cell\.csv: line 3, column 2: non-numeric value "x"/);

  const noHeader = join(dir, 'nohead.csv');
  writeFileSync(noHeader, 'n,f\n1,2,0\n');
  assert.throws(() => loadIris({ file: noHeader }), /nohead\.csv: line 1: expected a header "n_samples,n_features,class names/);

  assert.throws(() => loadIris({ file: join(dir, 'absent.csv') }), /cannot read built-in dataset file .*absent\.csv/);
});

test('digits from a user-given gz file: pixel range is checked', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'myelin-digits-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const row = (v: number, y: number) => [...new Array(64).fill(v), y].join(',');
  const good = join(dir, 'good.csv.gz');
  writeFileSync(good, gzipSync(`${row(16, 3)}\n${row(0, 9)}\n`));
  const d = loadDigits({ file: good });
  assert.equal(d.rows, 2);
  assert.deepEqual([...d.labels], [3, 9]);
  const bad = join(dir, 'bad.csv.gz');
  writeFileSync(bad, gzipSync(`${row(16, 3)}\n${row(17, 9)}\n`));
  assert.throws(() => loadDigits({ file: bad }), /bad\.csv\.gz: data row 2, column 1: pixel value 17 is outside 0\.\.16/);
});
