#!/usr/bin/env node
// Builds myelin's native backend addon (build/Release/myelin_native.node) with node-gyp.
// Run by `npm install` (the package's "install" script) and by hand: `node scripts/build-native.js`.
//
// The addon is optional: on ANY failure (no compiler, no Node headers, offline, ...) this prints
// a one-line warning and exits 0, and myelin runs on its js backend. The full compiler output
// then is in build/native-build.log.
//
// Environment:
//   MYELIN_SKIP_NATIVE=1        do not build
//   MYELIN_NATIVE_VERBOSE=1     show node-gyp's output as it runs
//   JOBS=n                      parallel compile jobs (default: all cores)
//   npm_config_node_gyp         node-gyp's bin script (npm sets it in lifecycle scripts)
//   npm_config_nodedir          Node headers (else taken from this node's prefix when present)
//
// `node scripts/build-native.js --sources` prints the addon's source files (used by binding.gyp).

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** native/src/*.cc as listed by native/Makefile's SRCS (else all of them) + binding + kernels. */
function sources() {
  const srcDir = join(root, 'native', 'src');
  let core = [];
  try {
    const make = readFileSync(join(root, 'native', 'Makefile'), 'utf8').replace(/\\\r?\n/g, ' ');
    const m = /^SRCS\s*:?=\s*(.*)$/m.exec(make);
    if (m) core = m[1].trim().split(/\s+/).filter((f) => f.endsWith('.cc')).map((f) => join(root, 'native', f));
  } catch { /* no Makefile: fall back to the directory listing */ }
  if (core.length === 0 || !core.every((f) => existsSync(f))) {
    core = readdirSync(srcDir).filter((f) => f.endsWith('.cc')).sort().map((f) => join(srcDir, f));
  }
  const own = ['binding', 'kernels'].flatMap((d) => {
    const dir = join(srcDir, d);
    return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.cc')).sort().map((f) => join(dir, f)) : [];
  });
  return [...core, ...own].map((f) => relative(root, f).split('\\').join('/'));
}

if (process.argv.includes('--sources')) {
  process.stdout.write(sources().join(' ') + '\n');
  process.exit(0);
}

function warn(reason) {
  process.stderr.write(`myelin: native addon not built (${reason}); myelin will use its js backend\n`);
  process.exit(0);
}

/** [command, args] that run node-gyp. */
function findNodeGyp() {
  const fromEnv = process.env.npm_config_node_gyp;
  if (fromEnv && existsSync(fromEnv)) return fromEnv.endsWith('.js') ? [process.execPath, [fromEnv]] : [fromEnv, []];
  const candidates = [
    join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    join(dirname(process.execPath), 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  // npm's own location, when npm is on PATH somewhere else than node
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, 'npm'))) {
      candidates.push(join(dir, '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
    }
  }
  for (const c of candidates) if (existsSync(c)) return [process.execPath, [c]];
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    for (const name of ['node-gyp', 'node-gyp.cmd']) if (dir && existsSync(join(dir, name))) return [join(dir, name), []];
  }
  return null;
}

/** The most telling error line of a failed build, as ': <line>' (or ''). */
function firstError(log) {
  const lines = log.split('\n').map((l) => l.trim());
  const patterns = [
    /: (fatal )?error: /,                          // the compiler
    /^(?!gyp ERR!)\S*(Error|Exception): /,          // Python (gyp) or a JS exception
    /^gyp ERR! stack \S*Error: /,                  // node-gyp's own error
    /^gyp ERR! (?!(cwd|node -v|node-gyp -v|command|System|not ok|stack))/,
  ];
  for (const p of patterns) {
    const line = lines.find((l) => p.test(l));
    if (line) return `: ${line.replace(/^gyp ERR! (stack )?/, '').slice(0, 200)}`;
  }
  return '';
}

function main() {
  if (process.env.MYELIN_SKIP_NATIVE === '1' || process.env.MYELIN_SKIP_NATIVE === 'true') {
    process.stderr.write('myelin: skipping the native addon (MYELIN_SKIP_NATIVE is set); myelin will use its js backend\n');
    return;
  }
  const gyp = findNodeGyp();
  if (!gyp) warn('node-gyp not found');
  const [cmd, pre] = gyp;
  const args = [...pre, 'rebuild', '--release', `--jobs=${process.env.JOBS || 'max'}`];
  // Use this node's own headers when npm did not name a nodedir: node-gyp would otherwise try
  // to download them.
  if (!process.env.npm_config_nodedir) {
    const prefix = join(dirname(process.execPath), '..');
    if (existsSync(join(prefix, 'include', 'node', 'node_api.h')) && existsSync(join(prefix, 'include', 'node', 'common.gypi'))) {
      args.push(`--nodedir=${prefix}`);
    }
  }
  const verbose = process.env.MYELIN_NATIVE_VERBOSE === '1';
  const t0 = Date.now();
  const run = spawnSync(cmd, args, {
    cwd: root,
    stdio: verbose ? 'inherit' : 'pipe',
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 15 * 60 * 1000,
    env: { ...process.env, JOBS: process.env.JOBS || 'max' },
  });
  const log = `${cmd} ${args.join(' ')}\n\n${run.stdout ?? ''}${run.stderr ?? ''}`;
  try {
    mkdirSync(join(root, 'build'), { recursive: true });
    writeFileSync(join(root, 'build', 'native-build.log'), log);
  } catch { /* read-only install: no log */ }
  if (run.error) warn(`node-gyp could not run: ${run.error.message}`);
  if (run.status !== 0) {
    const detail = firstError(log);
    warn(`node-gyp exited with status ${run.status ?? run.signal}${detail}; see build/native-build.log`);
  }
  if (!existsSync(join(root, 'build', 'Release', 'myelin_native.node'))) warn('node-gyp succeeded but build/Release/myelin_native.node is missing');
  process.stderr.write(`myelin: native addon built in ${((Date.now() - t0) / 1000).toFixed(1)} s (build/Release/myelin_native.node)\n`);
}

try {
  main();
} catch (err) {
  warn(err instanceof Error ? err.message : String(err));
}
