// myelin info: backend, CPU features, threads and versions.

import type { Command } from 'commander';
import { infoReport } from '../info.js';
import { printSummary } from '../output.js';

export function register(program: Command): void {
  program.command('info')
    .description('backend, CPU features, threads and versions')
    .option('--json', 'print as JSON')
    .action((opts) => printSummary(infoReport(), Boolean(opts.json)));
}
