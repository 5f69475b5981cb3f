// Finding, downloading and reading the four IDX files of MNIST and Fashion-MNIST.
//
// Sources, in order (DESIGN.md, Data):
//   1. a directory the caller names (`dir`, the CLI's --dataset DIR): used alone, as asked;
//   2. the cache, <cache>/datasets/<name>/, where <cache> is MYELIN_CACHE_DIR, else
//      $XDG_CACHE_HOME/myelin, else ~/.cache/myelin;
//   3. the Debian package path (/usr/share/datasets/fashion-mnist from
//      `apt-get install dataset-fashion-mnist`);
//   4. a download from the canonical URL into the cache, checked against known MD5s.
// When all fail, one error lists every way to supply the files and why each failed.
//
// Local files are not MD5-checked (Debian recompressed its copies); parseIdx and the shape
// checks below catch damaged or wrong files instead.

import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseIdx } from './idx.js';

export type MnistLikeName = 'fashion-mnist' | 'mnist';
export type MnistFileKey = 'trainImages' | 'trainLabels' | 'testImages' | 'testLabels';

export const MNIST_FILES: Readonly<Record<MnistFileKey, string>> = {
  trainImages: 'train-images-idx3-ubyte.gz',
  trainLabels: 'train-labels-idx1-ubyte.gz',
  testImages: 't10k-images-idx3-ubyte.gz',
  testLabels: 't10k-labels-idx1-ubyte.gz',
};
const KEYS = Object.keys(MNIST_FILES) as MnistFileKey[];

interface KnownDataset {
  title: string;
  baseUrl: string;
  urlEnv: string;
  systemDir: string;
  /** How to get systemDir filled, when a package exists. */
  aptPackage?: string;
  md5: Record<MnistFileKey, string>;
}

const KNOWN: Record<MnistLikeName, KnownDataset> = {
  'fashion-mnist': {
    title: 'Fashion-MNIST',
    baseUrl: 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/',
    urlEnv: 'MYELIN_FASHION_MNIST_URL',
    systemDir: '/usr/share/datasets/fashion-mnist',
    aptPackage: 'dataset-fashion-mnist',
    md5: {
      trainImages: '8d4fb7e6c68d591d4c3dfef9ec88bf0d',
      trainLabels: '25c81989df183df01b3e8a0aad5dffbe',
      testImages: 'bef4ecab320f06d8554ea6380940ec79',
      testLabels: 'bb300cfdad3c16e7a12a480ee83cd310',
    },
  },
  mnist: {
    title: 'MNIST',
    baseUrl: 'https://ossci-datasets.s3.amazonaws.com/mnist/',
    urlEnv: 'MYELIN_MNIST_URL',
    // No Debian package is known; the path costs nothing to look at if someone fills it.
    systemDir: '/usr/share/datasets/mnist',
    md5: {
      trainImages: 'f68b3c2dcbeaaa9fbdd348bbdeb94873',
      trainLabels: 'd53e105ee54ea40749a09fcbcd1e9432',
      testImages: '9fb629c4189551a2d022fa330f9573f3',
      testLabels: 'ec29112dd5afa0611ce80d1b7f02629c',
    },
  },
};

export interface MnistSplit {
  /** [n, 28, 28] row-major, 0..255. */
  images: Uint8Array;
  /** [n], 0..9. */
  labels: Uint8Array;
  n: number;
}

export interface MnistLike {
  train: MnistSplit;
  test: MnistSplit;
  rows: 28;
  cols: 28;
  /** Where the files came from, e.g. "/usr/share/datasets/fashion-mnist (Debian package)". */
  source: string;
  /** The directory the files were read from. */
  dir: string;
}

export interface LoadMnistLikeOptions {
  /** Directory holding the four files; when given, it is the only place looked at. */
  dir?: string;
  /** Allow downloading into the cache when no local copy exists (default true). */
  download?: boolean;
  /** Download base URL; default: env MYELIN_FASHION_MNIST_URL / MYELIN_MNIST_URL, else canonical. */
  baseUrl?: string;
  /** Cache root (files go to <cacheDir>/datasets/<name>/); default MYELIN_CACHE_DIR etc. */
  cacheDir?: string;
  /** Override expected MD5s of downloaded .gz files (tests serve their own files). */
  md5?: Partial<Record<MnistFileKey, string>>;
  /** Override the Debian package directory; null skips it. */
  systemDir?: string | null;
  /** Required sample counts; default 60000 train / 10000 test; false checks only consistency. */
  expectCounts?: { train: number; test: number } | false;
  /** Receives download progress lines; default writes to stderr. */
  log?: (message: string) => void;
}

/** The cache root: MYELIN_CACHE_DIR, else $XDG_CACHE_HOME/myelin, else ~/.cache/myelin. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MYELIN_CACHE_DIR) return resolve(env.MYELIN_CACHE_DIR);
  if (env.XDG_CACHE_HOME) return resolve(env.XDG_CACHE_HOME, 'myelin');
  return join(homedir(), '.cache', 'myelin');
}

/**
 * The path of each of the four files in `dir` (the .gz name, else the name without .gz),
 * or a list of the missing ones.
 */
export function findMnistFiles(dir: string):
  { found: true; paths: Record<MnistFileKey, string> } | { found: false; missing: string[] } {
  const paths = {} as Record<MnistFileKey, string>;
  const missing: string[] = [];
  for (const key of KEYS) {
    const gz = join(dir, MNIST_FILES[key]);
    const plain = gz.slice(0, -'.gz'.length);
    if (existsSync(gz)) paths[key] = gz;
    else if (existsSync(plain)) paths[key] = plain;
    else missing.push(MNIST_FILES[key]);
  }
  return missing.length === 0 ? { found: true, paths } : { found: false, missing };
}

/** Loads MNIST or Fashion-MNIST from the first source that has it (see the file comment). */
export async function loadMnistLike(name: MnistLikeName, opts: LoadMnistLikeOptions = {}): Promise<MnistLike> {
  const known = KNOWN[name];
  if (known === undefined) throw new Error(`unknown dataset "${String(name)}" (known: ${Object.keys(KNOWN).join(', ')})`);
  const expect = opts.expectCounts === undefined ? { train: 60000, test: 10000 } : opts.expectCounts;
  const read = (dir: string, paths: Record<MnistFileKey, string>, source: string) =>
    readMnistFiles(paths, expect).then((d) => ({ ...d, source, dir }));

  // 1. An explicit directory is what the user asked for: a wrong one is an error, not a
  //    reason to quietly use some other copy.
  if (opts.dir !== undefined) {
    const dir = resolve(opts.dir);
    const f = findMnistFiles(dir);
    if (!f.found) {
      throw new Error(`${known.title}: the directory ${dir} lacks ${f.missing.join(', ')} ` +
        '(each file may also be stored without .gz)');
    }
    return read(dir, f.paths, dir);
  }

  // 2. The cache.
  const cacheDir = join(resolve(opts.cacheDir ?? defaultCacheDir()), 'datasets', name);
  const cached = findMnistFiles(cacheDir);
  if (cached.found) return read(cacheDir, cached.paths, `${cacheDir} (cache)`);

  // 3. The Debian package path.
  const systemDir = opts.systemDir === undefined ? known.systemDir : opts.systemDir;
  let systemWhy = 'was not looked at (systemDir: null)';
  if (systemDir !== null) {
    const sys = findMnistFiles(systemDir);
    if (sys.found) {
      return read(systemDir, sys.paths, `${systemDir} (${known.aptPackage ? `Debian package ${known.aptPackage}` : 'system directory'})`);
    }
    systemWhy = existsSync(systemDir) ? `lacks ${sys.missing.join(', ')}` : 'does not exist';
  }

  // 4. Download into the cache.
  const baseUrl = withSlash(opts.baseUrl ?? process.env[known.urlEnv] ?? known.baseUrl);
  let downloadWhy: string;
  if (opts.download === false) {
    downloadWhy = 'not tried: downloading was turned off (download: false)';
  } else {
    try {
      await mkdir(cacheDir, { recursive: true });
      const md5 = { ...known.md5, ...opts.md5 };
      const log = opts.log ?? ((m: string) => process.stderr.write(m + '\n'));
      // Only what the cache lacks: an earlier run may have fetched some files already.
      const missing = KEYS.filter((k) => !existsSync(join(cacheDir, MNIST_FILES[k])) &&
        !existsSync(join(cacheDir, MNIST_FILES[k].slice(0, -3))));
      for (const key of missing) {
        await downloadFile(new URL(MNIST_FILES[key], baseUrl).href, join(cacheDir, MNIST_FILES[key]), md5[key], log);
      }
      const got = findMnistFiles(cacheDir);
      if (!got.found) throw new Error(`still missing after download: ${got.missing.join(', ')}`);
      // `await` so that a structurally bad download is reported below like any other failure.
      return await read(cacheDir, got.paths, `${baseUrl} (downloaded into ${cacheDir})`);
    } catch (err) {
      downloadWhy = `failed: ${describeError(err)}`;
    }
  }

  const why: string[] = [];
  why.push(`${known.title} was not found. Supply its four IDX files (${KEYS.map((k) => MNIST_FILES[k]).join(', ')}; ` +
    'each may also be stored without .gz) in one of these ways:');
  why.push('  - name a directory that holds them: --dataset DIR on the command line, or the `dir` option in code');
  why.push(`  - put them in the cache directory ${cacheDir} (its root is set by MYELIN_CACHE_DIR, ` +
    `else $XDG_CACHE_HOME/myelin, else ~/.cache/myelin); now it ${cached.missing.length === KEYS.length ? 'has none of them' : `lacks ${cached.missing.join(', ')}`}`);
  if (known.aptPackage) {
    why.push(`  - install the Debian package: apt-get install ${known.aptPackage} (puts them in ${known.systemDir}); ` +
      `${systemDir ?? known.systemDir} ${systemWhy}`);
  } else if (systemDir !== null) {
    why.push(`  - put them in ${systemDir}; it ${systemWhy}`);
  }
  why.push(`  - download them from ${baseUrl} (set ${known.urlEnv} or the baseUrl option for a mirror); ${downloadWhy}`);
  throw new Error(why.join('\n'));
}

function withSlash(url: string): string {
  return url.endsWith('/') ? url : url + '/';
}

// Node's fetch reports network failures as "fetch failed" with the real reason in `cause`.
function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    const prefix = code && !cause.message.includes(code) ? `${code}: ` : '';
    return `${err.message} (${prefix}${cause.message})`;
  }
  return err.message;
}

/**
 * Downloads `url` to `dest`: streamed to a temp file beside it while hashing, then renamed
 * only when the MD5 matches, so the cache never holds a partial or wrong file.
 */
export async function downloadFile(url: string, dest: string, expectedMd5: string,
  log: (message: string) => void = (m) => process.stderr.write(m + '\n')): Promise<void> {
  const tmp = `${dest}.${process.pid}.${randomBytes(4).toString('hex')}.part`;
  const hash = createHash('md5');
  let ok = false;
  const file = await open(tmp, 'w');
  try {
    let res: Response;
    try {
      res = await fetch(url, { redirect: 'follow' });
    } catch (err) {
      throw new Error(`cannot download ${url}: ${describeError(err)}`);
    }
    if (!res.ok || res.body === null) {
      throw new Error(`cannot download ${url}: HTTP ${res.status} ${res.statusText}`);
    }
    const total = Number(res.headers.get('content-length') ?? NaN);
    let received = 0;
    let reported = 0; // tenths of the file reported so far
    log(`downloading ${url}${Number.isFinite(total) ? ` (${(total / 1e6).toFixed(1)} MB)` : ''}`);
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      hash.update(chunk);
      await file.write(chunk);
      received += chunk.length;
      // Progress by amount, not by time: every 10% of a file over 1 MB.
      if (Number.isFinite(total) && total > 1e6) {
        const tenths = Math.floor((received / total) * 10);
        if (tenths > reported && tenths < 10) {
          reported = tenths;
          log(`  ${tenths * 10}% of ${url}`);
        }
      }
    }
    await file.sync();
    const actual = hash.digest('hex');
    if (actual !== expectedMd5.toLowerCase()) {
      throw new Error(`checksum mismatch for ${url}: expected MD5 ${expectedMd5}, got ${actual} ` +
        `(${received} bytes); the file was not kept`);
    }
    ok = true;
  } finally {
    await file.close();
    if (!ok) await unlink(tmp).catch(() => undefined);
  }
  await rename(tmp, dest).catch(async (err: unknown) => {
    await unlink(tmp).catch(() => undefined);
    throw err;
  });
}

/** Reads the four files and checks that they form an image-classification set of 28x28 images. */
export async function readMnistFiles(paths: Record<MnistFileKey, string>,
  expectCounts: { train: number; test: number } | false = { train: 60000, test: 10000 }):
  Promise<{ train: MnistSplit; test: MnistSplit; rows: 28; cols: 28 }> {
  const load = async (key: MnistFileKey) => parseIdx(await readFile(paths[key]), paths[key]);
  const split = async (imagesKey: MnistFileKey, labelsKey: MnistFileKey, expected: number | undefined): Promise<MnistSplit> => {
    const images = await load(imagesKey);
    const labels = await load(labelsKey);
    const ip = paths[imagesKey], lp = paths[labelsKey];
    if (!(images.data instanceof Uint8Array) || images.shape.length !== 3 || images.shape[1] !== 28 || images.shape[2] !== 28) {
      throw new Error(`${ip}: expected unsigned-byte images of shape [n,28,28], found ${describe(images)}`);
    }
    if (!(labels.data instanceof Uint8Array) || labels.shape.length !== 1) {
      throw new Error(`${lp}: expected unsigned-byte labels of shape [n], found ${describe(labels)}`);
    }
    const n = images.shape[0]!;
    if (labels.shape[0] !== n) throw new Error(`${lp}: ${labels.shape[0]} labels for ${n} images in ${ip}`);
    if (expected !== undefined && n !== expected) throw new Error(`${ip}: expected ${expected} images, found ${n}`);
    const bad = labels.data.findIndex((y) => y > 9);
    if (bad >= 0) throw new Error(`${lp}: label ${labels.data[bad]} at index ${bad} is outside 0..9`);
    return { images: images.data, labels: labels.data, n };
  };
  const train = await split('trainImages', 'trainLabels', expectCounts ? expectCounts.train : undefined);
  const test = await split('testImages', 'testLabels', expectCounts ? expectCounts.test : undefined);
  return { train, test, rows: 28, cols: 28 };
}

function describe(a: { shape: number[]; data: ArrayLike<number> }): string {
  return `${a.data.constructor.name} of shape [${a.shape.join(',')}]`;
}
