import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../../src/io/atomic-write.js';

function withTempDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'myelin-atomic-'));
  try { fn(dir); } finally { rmSync(dir, { recursive: true, force: true }); }
}

test('creates a file, then replaces it; bytes and strings; no temp files left', () => {
  withTempDir((dir) => {
    const path = join(dir, 'out.bin');
    writeFileAtomic(path, Uint8Array.of(1, 2, 3, 250));
    assert.deepEqual([...readFileSync(path)], [1, 2, 3, 250]);
    writeFileAtomic(path, 'héllo'); // UTF-8: h, c3 a9, l, l, o
    assert.deepEqual([...readFileSync(path)], [0x68, 0xc3, 0xa9, 0x6c, 0x6c, 0x6f]);
    writeFileAtomic(path, new Uint8Array(0));
    assert.equal(readFileSync(path).length, 0);
    // A view into a larger buffer writes only the view's bytes.
    writeFileAtomic(path, new Uint8Array([9, 8, 7, 6, 5]).subarray(1, 3));
    assert.deepEqual([...readFileSync(path)], [8, 7]);
    assert.deepEqual(readdirSync(dir), ['out.bin']);
  });
});

test('replacing a file keeps its permissions', { skip: process.platform === 'win32' }, () => {
  withTempDir((dir) => {
    const path = join(dir, 'secret.json');
    writeFileSync(path, '{}');
    chmodSync(path, 0o640);
    writeFileAtomic(path, '{"a":1}');
    assert.equal(statSync(path).mode & 0o777, 0o640);
    assert.equal(readFileSync(path, 'utf8'), '{"a":1}');
  });
});

test('missing target directory: error names the path, nothing is created', () => {
  withTempDir((dir) => {
    const path = join(dir, 'missing', 'out.bin');
    assert.throws(() => writeFileAtomic(path, 'x'), (e: Error) =>
      e.message.startsWith(`writeFileAtomic: cannot write '${path}': `) && /ENOENT/.test(e.message));
    assert.deepEqual(readdirSync(dir), []);
  });
});

test('target that is a directory: error, directory and contents untouched, no temp files', () => {
  withTempDir((dir) => {
    const path = join(dir, 'model');
    mkdirSync(path);
    writeFileSync(join(path, 'keep.txt'), 'keep');
    assert.throws(() => writeFileAtomic(path, 'x'), (e: Error) =>
      e.message.includes(`'${path}'`) && e.cause !== undefined);
    assert.ok(statSync(path).isDirectory());
    assert.equal(readFileSync(join(path, 'keep.txt'), 'utf8'), 'keep');
    assert.deepEqual(readdirSync(dir), ['model']);
  });
});

// A write that fails half-way through, for real: a child process whose file size limit
// (ulimit -f) is far below the data size gets EFBIG while writing the temp file.
test('write failing mid-file leaves the previous file intact and no temp files',
  { skip: process.platform !== 'linux' && 'needs bash ulimit and SIGXFSZ (Linux)' }, () => {
    withTempDir((dir) => {
      const path = join(dir, 'weights.bin');
      writeFileSync(path, 'previous contents');
      const moduleUrl = new URL('../../src/io/atomic-write.js', import.meta.url).href;
      const child = [
        "process.on('SIGXFSZ', () => {});", // get EFBIG from write() instead of being killed
        `const { writeFileAtomic } = await import(${JSON.stringify(moduleUrl)});`,
        `try { writeFileAtomic(${JSON.stringify(path)}, new Uint8Array(4 << 20)); console.log('NO ERROR'); }`,
        'catch (e) { console.log(e.message); }',
      ].join('\n');
      // ulimit -f counts 1024-byte blocks in bash: 64 KiB limit, 4 MiB write.
      const r = spawnSync('bash', ['-c', 'ulimit -f 64 && exec "$0" --input-type=module -e "$1"', process.execPath, child],
        { encoding: 'utf8' });
      assert.equal(r.status, 0, `child failed: ${r.stderr}`);
      assert.match(r.stdout, new RegExp(`cannot write '${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}': EFBIG`));
      assert.equal(readFileSync(path, 'utf8'), 'previous contents');
      assert.deepEqual(readdirSync(dir), ['weights.bin']);
    });
  });

// --- temp files of writers that died mid-write ------------------------------------------------

const tempFiles = (dir: string) => readdirSync(dir).filter((n) => n.endsWith('.tmp')).sort();

/** `<pid>-<start>` as writeFileAtomic names a temp file of process `pid` (Linux). */
function writerIdOf(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return `${pid}-${stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]}`;
}

test('a writer killed mid-write leaves a temp file; the next save in the directory removes it', () => {
  withTempDir((dir) => {
    const path = join(dir, 'weights.bin');
    writeFileSync(path, 'previous contents');
    const moduleUrl = new URL('../../src/io/atomic-write.js', import.meta.url).href;
    // kill -9 the writer once its data is written, before the rename: fsync is patched to do it
    const child = [
      "import fs from 'node:fs'; import { syncBuiltinESMExports } from 'node:module';",
      "fs.fsyncSync = () => process.kill(process.pid, 'SIGKILL'); syncBuiltinESMExports();",
      `const { writeFileAtomic } = await import(${JSON.stringify(moduleUrl)});`,
      `writeFileAtomic(${JSON.stringify(path)}, new Uint8Array(1 << 20)); console.log('NOT KILLED');`,
    ].join('\n');
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', child], { encoding: 'utf8' });
    assert.equal(r.signal, 'SIGKILL', `child was not killed: ${r.stdout}${r.stderr}`);
    const left = tempFiles(dir);
    assert.equal(left.length, 1, 'the killed writer left its temp file');
    assert.match(left[0], /^\.weights\.bin\.\d+-\d+\.[0-9a-f]{12}\.tmp$/);
    assert.equal(readFileSync(path, 'utf8'), 'previous contents');
    writeFileAtomic(join(dir, 'other.json'), '{}'); // a save of another file in the same directory
    assert.deepEqual(readdirSync(dir).sort(), ['other.json', 'weights.bin']);
  });
});

test('stale temp files: dead, restarted (same pid) and old writers are cleaned; live writers and other files are not',
  { skip: process.platform !== 'linux' && 'reads /proc to name temp files as another process would' }, async () => {
    const { spawn } = await import('node:child_process');
    const { utimesSync } = await import('node:fs');
    const { removeStaleTempFiles } = await import('../../src/io/atomic-write.js');
    const dir = mkdtempSync(join(tmpdir(), 'myelin-atomic-'));
    const live = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    try {
      await new Promise((res) => live.once('spawn', res));
      const deadPid = spawnSync(process.execPath, ['-e', '']).pid!;
      const liveId = writerIdOf(live.pid!);
      const files = {
        live: `.a.bin.${liveId}.0123456789ab.tmp`,
        liveButOld: `.b.bin.${liveId}.0123456789ac.tmp`,
        dead: `.c.bin.${deadPid}-12345.0123456789ad.tmp`,
        deadOldFormat: `.d.bin.${deadPid}.0123456789ae.tmp`,
        samePidEarlierProcess: `.e.bin.${process.pid}-1.0123456789af.tmp`,
        thisProcess: `.f.bin.${writerIdOf(process.pid)}.0123456789b0.tmp`,
        notOurs: '.g.bin.tmp',
        notOurs2: 'notes.123.tmp',
      };
      for (const name of Object.values(files)) writeFileSync(join(dir, name), 'partial');
      const twoDaysAgo = (Date.now() - 2 * 86400e3) / 1000;
      utimesSync(join(dir, files.liveButOld), twoDaysAgo, twoDaysAgo);
      writeFileAtomic(join(dir, 'x.json'), '{}');
      assert.deepEqual(tempFiles(dir), [files.live, files.thisProcess, files.notOurs, files.notOurs2].sort());
      // once the live writer is gone, its temp file goes on the next save
      live.kill('SIGKILL');
      await new Promise((res) => live.once('exit', res));
      assert.deepEqual(removeStaleTempFiles(dir), [files.live]);
      assert.deepEqual(tempFiles(dir), [files.thisProcess, files.notOurs, files.notOurs2].sort());
    } finally {
      live.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

test('concurrent writers of the same file never share a temp file name nor remove each other\'s', async () => {
  const { spawn } = await import('node:child_process');
  const dir = mkdtempSync(join(tmpdir(), 'myelin-atomic-'));
  try {
    const path = join(dir, 'same.bin');
    const moduleUrl = new URL('../../src/io/atomic-write.js', import.meta.url).href;
    // four processes at once each replace the same file 50 times: every write succeeds, the
    // file is always one writer's complete bytes, and no temp file is left
    const child = `const { writeFileAtomic } = await import(${JSON.stringify(moduleUrl)});\n` +
      'const id = Number(process.argv[1]);\n' +
      `for (let i = 0; i < 50; i++) writeFileAtomic(${JSON.stringify(path)}, new Uint8Array(65536).fill(id));`;
    const codes = await Promise.all([1, 2, 3, 4].map((id) => new Promise<number | null>((res) => {
      const p = spawn(process.execPath, ['--input-type=module', '-e', child, String(id)], { stdio: ['ignore', 'ignore', 'inherit'] });
      p.once('exit', (code) => res(code));
    })));
    assert.deepEqual(codes, [0, 0, 0, 0]);
    const bytes = readFileSync(path);
    assert.equal(bytes.length, 65536);
    assert.ok(bytes.every((b) => b === bytes[0]) && [1, 2, 3, 4].includes(bytes[0]));
    assert.deepEqual(readdirSync(dir), ['same.bin']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
