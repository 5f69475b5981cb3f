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
