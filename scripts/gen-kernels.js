#!/usr/bin/env node
// Writes native/src/kernel_spec.gen.h from the kernel declarations (src/backend/kernels.ts,
// compiled: run `npx tsc -p .` first). Run it after changing a kernel's declaration, then rebuild
// the addon (node scripts/build-native.js).
//
// `node scripts/gen-kernels.js`          writes the header
// `node scripts/gen-kernels.js --check`  exits 1 if the header is not what it would write

import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeOrCheck } from './generated-file.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { generateKernelHeader } = await import(join(root, 'dist', 'src', 'backend', 'native', 'cpp-gen.js'));
writeOrCheck('gen-kernels', root, join(root, 'native', 'src', 'kernel_spec.gen.h'), generateKernelHeader(),
  '`npx tsc -p . && node scripts/gen-kernels.js`, then rebuild the addon');
