#!/usr/bin/env node
// Writes native/src/kernel_spec.gen.h from the kernel declarations (src/backend/kernels.ts,
// compiled: run `npx tsc -p .` first). Run it after changing a kernel's declaration, then rebuild
// the addon (node scripts/build-native.js).
//
// `node scripts/gen-kernels.js`          writes the header
// `node scripts/gen-kernels.js --check`  exits 1 if the header is not what it would write

import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { generateKernelHeader } = await import(join(root, 'dist', 'src', 'backend', 'native', 'cpp-gen.js'));
const file = join(root, 'native', 'src', 'kernel_spec.gen.h');
const text = generateKernelHeader();
if (process.argv.includes('--check')) {
  let current = '';
  try { current = readFileSync(file, 'utf8'); } catch { /* missing counts as stale */ }
  if (current !== text) {
    console.error('gen-kernels: native/src/kernel_spec.gen.h is stale; run `npx tsc -p . && node scripts/gen-kernels.js`');
    process.exit(1);
  }
} else {
  writeFileSync(file, text);
  console.error(`gen-kernels: wrote ${file}`);
}
