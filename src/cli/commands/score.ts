// myelin score gan --weights G --classifier C [--json]: FID-CNN of a generator (the Fréchet
// distance between seed-CNN features of 10,000 test images and of 10,000 generated ones).

import type { Command } from 'commander';
import { scoreGan } from '../../models/fid.js';
import { integer, positiveInt } from '../options.js';
import { printSummary } from '../output.js';

export function register(program: Command): void {
  program.command('score')
    .description('FID-CNN of an image generator: Fréchet distance of seed-CNN features, test vs generated images (lower is better)')
    .argument('<model>', 'gan')
    .requiredOption('--weights <file>', 'generator weights (myelin\'s model.safetensors of train gan, or gan.py --save)')
    .requiredOption('--classifier <file>', 'seed CNN weights (model.safetensors of `myelin train cnn`, or cnn.py --save)')
    .option('--n <n>', 'images per set (test and generated)', positiveInt('--n'), 10000)
    .option('--seed <n>', 'seed of the generated images\' latent noise', integer('--seed'), 0)
    .option('--dataset <name|dir>', 'real images: fashion-mnist (default), mnist, or a directory of IDX files')
    .option('--reference', 'also score n training images against the test images (the floor)')
    .option('--json', 'print the summary as one JSON object on stdout')
    .action(async (name: string, opts) => {
      if (name !== 'gan') throw new Error(`score: unknown model '${name}' (expected gan)`);
      const summary = await scoreGan({
        weights: opts.weights, classifier: opts.classifier, n: opts.n, seed: opts.seed, dataset: opts.dataset, reference: Boolean(opts.reference),
      });
      printSummary(summary, Boolean(opts.json));
    });
}
