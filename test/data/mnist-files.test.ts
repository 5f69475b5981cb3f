import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync as gunzip, gzipSync } from 'node:zlib';
import {
  defaultCacheDir, loadMnistLike, MNIST_FILES, type MnistFileKey,
} from '../../src/data/mnist-files.js';

const KEYS = Object.keys(MNIST_FILES) as MnistFileKey[];
const DEBIAN = '/usr/share/datasets/fashion-mnist';

// IDX headers written byte by byte: magic 0 0 0x08 (ubyte), ndims, big-endian dims.
function idxImages(n: number, fill: (i: number) => number, side = 28): Uint8Array {
  const head = [0, 0, 0x08, 3, 0, 0, 0, n, 0, 0, 0, side, 0, 0, 0, 28];
  const body = Array.from({ length: n * side * 28 }, (_, i) => fill(i));
  return Uint8Array.from([...head, ...body]);
}
function idxLabels(labels: number[]): Uint8Array {
  return Uint8Array.from([0, 0, 0x08, 1, 0, 0, 0, labels.length, ...labels]);
}

/** The four files of a tiny set: 3 training and 2 test images, gzipped. */
function tinySet(): Record<MnistFileKey, Uint8Array> {
  return {
    trainImages: gzipSync(idxImages(3, (i) => i % 256)),
    trainLabels: gzipSync(idxLabels([7, 0, 9])),
    testImages: gzipSync(idxImages(2, () => 200)),
    testLabels: gzipSync(idxLabels([1, 2])),
  };
}

function tempDir(t: { after(fn: () => void): void }, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function writeSet(dir: string, files: Record<MnistFileKey, Uint8Array>, gz = true): void {
  mkdirSync(dir, { recursive: true });
  for (const k of KEYS) {
    const name = gz ? MNIST_FILES[k] : MNIST_FILES[k].replace(/\.gz$/, '');
    writeFileSync(join(dir, name), gz ? files[k] : new Uint8Array(gunzip(files[k])));
  }
}
const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');
const quiet = () => undefined;

test('explicit dir: loads tiny gz files when counts are not enforced', async (t) => {
  const dir = tempDir(t, 'myelin-mnist-');
  writeSet(dir, tinySet());
  const d = await loadMnistLike('fashion-mnist', { dir, expectCounts: false, download: false });
  assert.equal(d.rows, 28);
  assert.equal(d.cols, 28);
  assert.equal(d.source, dir);
  assert.equal(d.train.n, 3);
  assert.equal(d.train.images.length, 3 * 784);
  assert.equal(d.train.images[300], 300 % 256);
  assert.equal(d.train.images[3 * 784 - 1], (3 * 784 - 1) % 256);
  assert.deepEqual([...d.train.labels], [7, 0, 9]);
  assert.equal(d.test.n, 2);
  assert.ok(d.test.images.every((v) => v === 200));
  assert.deepEqual([...d.test.labels], [1, 2]);
});

test('explicit dir: files without .gz are accepted', async (t) => {
  const dir = tempDir(t, 'myelin-mnist-');
  writeSet(dir, tinySet(), false);
  const d = await loadMnistLike('mnist', { dir, expectCounts: false });
  assert.deepEqual([...d.train.labels], [7, 0, 9]);
});

test('explicit dir: missing files are named, and no other source is used', async (t) => {
  const dir = tempDir(t, 'myelin-mnist-');
  const cache = tempDir(t, 'myelin-cache-');
  writeSet(join(cache, 'datasets', 'fashion-mnist'), tinySet());
  writeFileSync(join(dir, MNIST_FILES.trainImages), tinySet().trainImages);
  await assert.rejects(loadMnistLike('fashion-mnist', { dir, cacheDir: cache, expectCounts: false }),
    (e: Error) => e.message.includes(dir) && e.message.includes('lacks train-labels-idx1-ubyte.gz, ' +
      't10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz') && !e.message.includes('trainImages'));
});

test('structural checks: counts, consistency, image size, label range', async (t) => {
  const base = tempDir(t, 'myelin-mnist-');
  const load = (files: Record<MnistFileKey, Uint8Array>, expectCounts?: false) => {
    const dir = mkdtempSync(join(base, 'set-'));
    writeSet(dir, files);
    return loadMnistLike('fashion-mnist', { dir, expectCounts });
  };
  // The default demands the real 60000/10000.
  await assert.rejects(load(tinySet()), /train-images-idx3-ubyte\.gz: expected 60000 images, found 3/);
  await assert.rejects(load({ ...tinySet(), trainLabels: gzipSync(idxLabels([1, 2])) }, false),
    /train-labels-idx1-ubyte\.gz: 2 labels for 3 images/);
  await assert.rejects(load({ ...tinySet(), testImages: gzipSync(idxImages(2, () => 0, 27)) }, false),
    /t10k-images-idx3-ubyte\.gz: expected unsigned-byte images of shape \[n,28,28\], found Uint8Array of shape \[2,27,28\]/);
  await assert.rejects(load({ ...tinySet(), testLabels: gzipSync(idxLabels([1, 10])) }, false),
    /t10k-labels-idx1-ubyte\.gz: label 10 at index 1 is outside 0\.\.9/);
  await assert.rejects(load({ ...tinySet(), testLabels: Uint8Array.from([0x1f, 0x8b, 1, 2, 3]) }, false),
    /t10k-labels-idx1-ubyte\.gz: corrupt gzip data/);
});

test('the cache comes before the system directory, which comes before a download', async (t) => {
  const cache = tempDir(t, 'myelin-cache-');
  const system = tempDir(t, 'myelin-system-');
  const other = { ...tinySet(), trainLabels: gzipSync(idxLabels([5, 5, 5])) };
  writeSet(system, other);
  const opts = { cacheDir: cache, systemDir: system, expectCounts: false as const, baseUrl: 'http://127.0.0.1:1/' };

  const fromSystem = await loadMnistLike('fashion-mnist', opts);
  assert.equal(fromSystem.source, `${system} (Debian package dataset-fashion-mnist)`);
  assert.deepEqual([...fromSystem.train.labels], [5, 5, 5]);

  const cacheSet = join(cache, 'datasets', 'fashion-mnist');
  writeSet(cacheSet, tinySet());
  const fromCache = await loadMnistLike('fashion-mnist', opts);
  assert.equal(fromCache.source, `${cacheSet} (cache)`);
  assert.deepEqual([...fromCache.train.labels], [7, 0, 9]);
});

test('defaultCacheDir: MYELIN_CACHE_DIR, then XDG_CACHE_HOME/myelin, then ~/.cache/myelin', () => {
  assert.equal(defaultCacheDir({ MYELIN_CACHE_DIR: '/a/b', XDG_CACHE_HOME: '/x' }), '/a/b');
  assert.equal(defaultCacheDir({ XDG_CACHE_HOME: '/x' }), '/x/myelin');
  assert.match(defaultCacheDir({}), /[/\\]\.cache[/\\]myelin$/);
});

/** A local HTTP server: `routes` maps a path to a body, or to a redirect target. */
async function serve(t: { after(fn: () => Promise<void>): void },
  routes: Record<string, Uint8Array | { redirect: string }>): Promise<{ url: string; requests: string[] }> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const route = routes[req.url ?? ''];
    if (route === undefined) { res.writeHead(404).end('not found'); return; }
    if ('redirect' in route) { res.writeHead(302, { location: route.redirect }).end(); return; }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': route.length }).end(route);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  t.after(() => new Promise<void>((ok) => server.close(() => ok())));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/data/`, requests };
}

test('download: fetched into the cache with MD5 check, following a redirect; then served from the cache', async (t) => {
  const files = tinySet();
  const routes: Record<string, Uint8Array | { redirect: string }> = {};
  for (const k of KEYS) routes[`/data/${MNIST_FILES[k]}`] = files[k];
  // One file lives elsewhere behind a redirect, as CDNs do.
  routes['/data/t10k-labels-idx1-ubyte.gz'] = { redirect: '/moved/labels.gz' };
  routes['/moved/labels.gz'] = files.testLabels;
  const server = await serve(t, routes);
  const cache = tempDir(t, 'myelin-cache-');
  const checksums = Object.fromEntries(KEYS.map((k) => [k, md5(files[k])]));
  const lines: string[] = [];

  const d = await loadMnistLike('fashion-mnist', {
    cacheDir: cache, systemDir: null, baseUrl: server.url, md5: checksums, expectCounts: false,
    log: (m) => lines.push(m),
  });
  const cacheSet = join(cache, 'datasets', 'fashion-mnist');
  assert.equal(d.source, `${server.url} (downloaded into ${cacheSet})`);
  assert.deepEqual([...d.train.labels], [7, 0, 9]);
  assert.deepEqual([...d.test.labels], [1, 2]);
  assert.deepEqual(readdirSync(cacheSet).sort(), KEYS.map((k) => MNIST_FILES[k]).sort());
  assert.ok(lines.some((l) => l.includes(`downloading ${server.url}train-images-idx3-ubyte.gz`)));

  const before = server.requests.length;
  const again = await loadMnistLike('fashion-mnist', { cacheDir: cache, systemDir: null, download: false, expectCounts: false });
  assert.equal(again.source, `${cacheSet} (cache)`);
  assert.equal(server.requests.length, before, 'the second load must not touch the network');
});

test('download: only the files the cache lacks are fetched', async (t) => {
  const files = tinySet();
  const routes: Record<string, Uint8Array> = {};
  for (const k of KEYS) routes[`/data/${MNIST_FILES[k]}`] = files[k];
  const server = await serve(t, routes);
  const cache = tempDir(t, 'myelin-cache-');
  const cacheSet = join(cache, 'datasets', 'fashion-mnist');
  mkdirSync(cacheSet, { recursive: true });
  // An earlier run left the training labels (uncompressed, with other values) in the cache.
  writeFileSync(join(cacheSet, 'train-labels-idx1-ubyte'), idxLabels([4, 4, 4]));
  const d = await loadMnistLike('fashion-mnist', {
    cacheDir: cache, systemDir: null, baseUrl: server.url, expectCounts: false, log: quiet,
    md5: Object.fromEntries(KEYS.map((k) => [k, md5(files[k])])),
  });
  assert.deepEqual(server.requests.sort(), ['/data/t10k-images-idx3-ubyte.gz', '/data/t10k-labels-idx1-ubyte.gz',
    '/data/train-images-idx3-ubyte.gz']);
  assert.deepEqual([...d.train.labels], [4, 4, 4]);
});

test('download: the base URL comes from the environment when no option is given', async (t) => {
  const files = tinySet();
  const routes: Record<string, Uint8Array> = {};
  for (const k of KEYS) routes[`/data/${MNIST_FILES[k]}`] = files[k];
  const server = await serve(t, routes);
  const cache = tempDir(t, 'myelin-cache-');
  const saved = process.env.MYELIN_MNIST_URL;
  process.env.MYELIN_MNIST_URL = server.url.replace(/\/$/, ''); // a missing slash is fine
  t.after(() => { if (saved === undefined) delete process.env.MYELIN_MNIST_URL; else process.env.MYELIN_MNIST_URL = saved; });
  const d = await loadMnistLike('mnist', {
    cacheDir: cache, systemDir: null, expectCounts: false, log: quiet,
    md5: Object.fromEntries(KEYS.map((k) => [k, md5(files[k])])),
  });
  assert.deepEqual([...d.train.labels], [7, 0, 9]);
  assert.equal(server.requests.length, 4);
});

test('download: an MD5 mismatch is an error naming URL and both hashes, and leaves nothing in the cache', async (t) => {
  const files = tinySet();
  const routes: Record<string, Uint8Array> = {};
  for (const k of KEYS) routes[`/data/${MNIST_FILES[k]}`] = files[k];
  const server = await serve(t, routes);
  const cache = tempDir(t, 'myelin-cache-');
  const wrong = '0123456789abcdef0123456789abcdef';
  await assert.rejects(loadMnistLike('fashion-mnist', {
    cacheDir: cache, systemDir: null, baseUrl: server.url, expectCounts: false, log: quiet,
    md5: { trainImages: wrong },
  }), (e: Error) => {
    assert.match(e.message, new RegExp(`checksum mismatch for ${server.url}train-images-idx3-ubyte\\.gz: ` +
      `expected MD5 ${wrong}, got ${md5(files.trainImages)}`));
    return true;
  });
  assert.deepEqual(readdirSync(join(cache, 'datasets', 'fashion-mnist')), []);
});

test('download: the canonical checksums reject files that are not the real ones', async (t) => {
  const files = tinySet();
  const routes: Record<string, Uint8Array> = {};
  for (const k of KEYS) routes[`/data/${MNIST_FILES[k]}`] = files[k];
  const server = await serve(t, routes);
  const cache = tempDir(t, 'myelin-cache-');
  await assert.rejects(loadMnistLike('mnist', { cacheDir: cache, systemDir: null, baseUrl: server.url, log: quiet }),
    /expected MD5 f68b3c2dcbeaaa9fbdd348bbdeb94873/);
});

test('download: HTTP errors and refused connections are reported with the URL', async (t) => {
  const server = await serve(t, {});
  const cache = tempDir(t, 'myelin-cache-');
  await assert.rejects(loadMnistLike('fashion-mnist', { cacheDir: cache, systemDir: null, baseUrl: server.url, log: quiet }),
    new RegExp(`cannot download ${server.url}train-images-idx3-ubyte\\.gz: HTTP 404`));

  // A port that was just free: nothing listens there, so the connection is refused.
  const closed = createServer();
  await new Promise<void>((ok) => closed.listen(0, '127.0.0.1', ok));
  const { port } = closed.address() as AddressInfo;
  await new Promise<void>((ok) => closed.close(() => ok()));
  await assert.rejects(loadMnistLike('fashion-mnist', {
    cacheDir: cache, systemDir: null, baseUrl: `http://127.0.0.1:${port}/`, log: quiet,
  }), /download them from .*; failed: cannot download .*fetch failed \(connect ECONNREFUSED/);
  assert.deepEqual(readdirSync(join(cache, 'datasets', 'fashion-mnist')), []);
});

test('nothing anywhere and downloads off: one error lists every way to supply the files', async (t) => {
  const cache = tempDir(t, 'myelin-cache-');
  const system = join(cache, 'no-such-system-dir');
  await assert.rejects(loadMnistLike('fashion-mnist', { cacheDir: cache, systemDir: system, download: false }), (e: Error) => {
    const m = e.message;
    assert.match(m, /^Fashion-MNIST was not found/);
    assert.match(m, /--dataset DIR/);
    assert.match(m, /`dir` option/);
    assert.ok(m.includes(`cache directory ${join(cache, 'datasets', 'fashion-mnist')}`), m);
    assert.match(m, /apt-get install dataset-fashion-mnist \(puts them in \/usr\/share\/datasets\/fashion-mnist\)/);
    assert.ok(m.includes(`${system} does not exist`), m);
    assert.match(m, /download them from http:\/\/fashion-mnist\.s3-website\.eu-central-1\.amazonaws\.com\/ .*download: false/);
    return true;
  });
  // Nothing was created by a load that found nothing and did not download.
  assert.equal(existsSync(join(cache, 'datasets')), false);
});

test('MNIST error has no Debian package line and names the MNIST URL', async (t) => {
  const cache = tempDir(t, 'myelin-cache-');
  await assert.rejects(loadMnistLike('mnist', { cacheDir: cache, systemDir: null, download: false }), (e: Error) => {
    assert.doesNotMatch(e.message, /apt-get/);
    assert.match(e.message, /^MNIST was not found/);
    assert.match(e.message, /https:\/\/ossci-datasets\.s3\.amazonaws\.com\/mnist\//);
    return true;
  });
});

test('Debian package path: the real Fashion-MNIST, 6000/1000 images per class', async (t) => {
  if (!KEYS.every((k) => existsSync(join(DEBIAN, MNIST_FILES[k])))) {
    t.skip(`${DEBIAN} is not installed here (apt-get install dataset-fashion-mnist)`);
    return;
  }
  const cache = tempDir(t, 'myelin-cache-');
  const d = await loadMnistLike('fashion-mnist', { cacheDir: cache, download: false });
  assert.equal(d.source, `${DEBIAN} (Debian package dataset-fashion-mnist)`);
  assert.equal(d.train.n, 60000);
  assert.equal(d.test.n, 10000);
  assert.equal(d.train.images.length, 60000 * 784);
  const hist = (labels: Uint8Array) => {
    const h = new Array<number>(10).fill(0);
    for (const y of labels) h[y]!++;
    return h;
  };
  assert.deepEqual(hist(d.train.labels), new Array(10).fill(6000));
  assert.deepEqual(hist(d.test.labels), new Array(10).fill(1000));
  // Images are not blank: the mean pixel of Fashion-MNIST is about 72.9 (0.286 x 255).
  let sum = 0;
  for (const v of d.train.images) sum += v;
  assert.ok(Math.abs(sum / d.train.images.length - 72.94) < 0.5, `mean pixel ${sum / d.train.images.length}`);
});
