// Writes a generated file, or with --check on the command line only compares it: the scripts
// that render a file from the compiled sources (op-coverage.js, gen-kernels.js) share this.
import { readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';

/** Writes `text` to `file`, or (with --check) exits 1 when the file differs from it. */
export function writeOrCheck(tool, root, file, text, regenerate) {
  const name = relative(root, file);
  if (!process.argv.includes('--check')) {
    writeFileSync(file, text);
    console.error(`${tool}: wrote ${name}`);
    return;
  }
  let current = '';
  try { current = readFileSync(file, 'utf8'); } catch { /* missing counts as stale */ }
  if (current !== text) {
    console.error(`${tool}: ${name} is stale; run ${regenerate}`);
    process.exit(1);
  }
  console.error(`${tool}: ${name} is up to date`);
}
