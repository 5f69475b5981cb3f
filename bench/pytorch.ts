// Runs a PyTorch twin from ../shared/bench/pytorch in the same benchmark invocation and returns
// its final JSON line. Skipped with a reason when Debian's python3-torch is not installed.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { packageRoot } from '../src/data/builtin.js';

export const TWINS_DIR = process.env.MYELIN_TWINS_DIR ?? resolve(packageRoot(), '..', 'shared', 'bench', 'pytorch');

export function torchAvailable(): string | null {
  const r = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' });
  if (r.status !== 0) return 'python3-torch is not installed (apt-get install -y python3-torch)';
  if (!existsSync(TWINS_DIR)) return `the PyTorch twins are not at ${TWINS_DIR} (set MYELIN_TWINS_DIR)`;
  return null;
}

export function runTwin(script: string, args: string[], timeoutSeconds = 1800): Record<string, unknown> {
  const why = torchAvailable();
  if (why) return { skipped: why };
  const r = spawnSync('/usr/bin/python3', [resolve(TWINS_DIR, script), ...args], {
    cwd: TWINS_DIR, encoding: 'utf8', timeout: timeoutSeconds * 1000, maxBuffer: 64 << 20,
  });
  if (r.status !== 0) return { error: `${script} exited ${r.status}: ${(r.stderr || '').trim().split('\n').slice(-3).join(' | ')}` };
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as Record<string, unknown>;
}
