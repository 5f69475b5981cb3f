// `myelin info`: which backend runs, what the CPU offers, threads and versions.

import { cpus } from 'node:os';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { backend } from '../backend/index.js';
import { packageRoot } from '../data/builtin.js';

export function infoReport(): Record<string, unknown> {
  const b = backend() as ReturnType<typeof backend> & { info?: () => Record<string, unknown> };
  const version = (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  return {
    myelin: version,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpu: cpus()[0]?.model ?? 'unknown',
    logical_cpus: cpus().length,
    backend: b.name,
    ...(b.info ? b.info() : {}),
  };
}
