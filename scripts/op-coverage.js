#!/usr/bin/env node
// Writes docs/ops.md, the op x backend coverage matrix (src/ops/coverage.ts), from the compiled
// op table. Needs `npx tsc -p .` and the native addon (node scripts/build-native.js); without the
// addon it stops rather than writing a matrix with no native column.
//
// `node scripts/op-coverage.js`          writes docs/ops.md
// `node scripts/op-coverage.js --check`  exits 1 if docs/ops.md is not what it would write

import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeOrCheck } from './generated-file.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => import(join(root, 'dist', 'src', p));
const { jsBackendInstance } = await dist('backend/index.js');
const { loadNativeBackend } = await dist('backend/native/index.js');
const { coverageMarkdown, defaultTargets } = await dist('ops/coverage.js');

const js = jsBackendInstance();
const native = loadNativeBackend(js);
if (!native.backend) {
  console.error(`op-coverage: the native backend does not load (${native.reason}); build it with node scripts/build-native.js`);
  process.exit(1);
}
const markdown = coverageMarkdown(defaultTargets(js, native.backend));
writeOrCheck('op-coverage', root, join(root, 'docs', 'ops.md'), markdown, '`npx tsc -p . && node scripts/op-coverage.js`');
