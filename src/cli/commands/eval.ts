// myelin eval <model> --weights FILE: evaluates saved weights (myelin's or PyTorch's).

import type { Command } from 'commander';
import { zooModel } from '../../models/index.js';
import { integer, positiveInt } from '../options.js';
import { printSummary } from '../output.js';

export function register(program: Command): void {
  program.command('eval')
    .description('evaluate saved weights (myelin or PyTorch safetensors) on the test set')
    .argument('<model>', 'model name')
    .requiredOption('--weights <file>', 'weights file (.safetensors)')
    .option('--dataset <name|dir>', 'dataset (as for train)')
    .option('--csv <file>', 'mlp: CSV file')
    .option('--label <column>', 'mlp: label column of --csv')
    .option('--seed <n>', 'seed of the train/test split (mlp)', integer('--seed'), 0)
    .option('--limit <n>', 'use only the first N test samples', positiveInt('--limit'))
    .option('--json', 'print the summary as one JSON object on stdout')
    .action(async (name: string, opts) => {
      const summary = await zooModel(name).evaluate({
        weights: opts.weights, dataset: opts.dataset, csv: opts.csv, label: opts.label, seed: opts.seed, limit: opts.limit,
      });
      printSummary(summary, Boolean(opts.json));
    });
}
