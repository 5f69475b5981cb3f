// myelin pretrain bert-mini: masked-language-model pre-training on unlabeled text.

import type { Command } from 'commander';
import { pretrainBertMini } from '../../models/bert-mini.js';
import { integer, positiveInt, positiveNumber } from '../options.js';
import { printSummary } from '../output.js';

export function register(program: Command): void {
  program.command('pretrain')
    .description('pre-train a model without labels (bert-mini: masked language model on MR sentences + Shakespeare)')
    .argument('<model>', 'model name (bert-mini)')
    .option('--max-iters <n>', 'optimizer steps (default 24000)', positiveInt('--max-iters'))
    .option('--eval-every <n>', 'held-out masked-token accuracy every N steps (default 250)', positiveInt('--eval-every'))
    .option('--batch-size <n>', 'sequences per step (default 64)', positiveInt('--batch-size'))
    .option('--lr <x>', 'peak learning rate (default 1e-3)', positiveNumber('--lr'))
    .option('--seed <n>', 'random seed', integer('--seed'), 0)
    .option('--data <path>', 'text data directory (default $MYELIN_DATA_DIR, else ../shared/data)')
    .option('--limit <n>', 'use only about N texts (smoke runs)', positiveInt('--limit'))
    .option('--init <file>', 'continue from the weights of an earlier run (its model.safetensors; fresh optimizer and schedule)')
    .option('--out <dir>', 'run directory (default runs/bert-mini-pretrain-<timestamp>)')
    .option('--json', 'print the final summary as one JSON object on stdout')
    .action(async (name: string, opts) => {
      if (name !== 'bert-mini') throw new Error(`pretrain: unknown model '${name}' (available: bert-mini)`);
      const summary = await pretrainBertMini({
        maxIters: opts.maxIters, evalEvery: opts.evalEvery, batchSize: opts.batchSize, lr: opts.lr, seed: opts.seed,
        data: opts.data, limit: opts.limit, out: opts.out, init: opts.init,
      });
      printSummary(summary, Boolean(opts.json));
    });
}
