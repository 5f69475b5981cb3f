// myelin sample vae|gan --weights W [--n 64] [--seed S] --out grid.png: draws images from a
// trained generative model (myelin's or the PyTorch twin's weights) into a PNG grid.

import type { Command } from 'commander';
import { Generator } from '../../tensor/random.js';
import { concat } from '../../ops/shape.js';
import { loadVae, sampleVaeImages } from '../../models/vae.js';
import { loadGenerator, sampleGan } from '../../models/gan.js';
import { writeSampleGrid } from '../../models/generative-common.js';
import { getBackendName } from '../../backend/index.js';
import { integer, positiveInt } from '../options.js';
import { printSummary } from '../output.js';

export function register(program: Command): void {
  program.command('sample')
    .description('draw images from a trained generator (vae or gan) into a PNG grid')
    .argument('<model>', 'vae or gan')
    .requiredOption('--weights <file>', 'weights (.safetensors): myelin\'s model.safetensors, or vae.py/gan.py --save')
    .requiredOption('--out <file>', 'PNG file to write')
    .option('--n <n>', 'number of images', positiveInt('--n'), 64)
    .option('--seed <n>', 'seed of the latent noise', integer('--seed'), 0)
    .option('--cols <n>', 'images per row (default: a square grid)', positiveInt('--cols'))
    .option('--scale <n>', 'pixel upscaling', positiveInt('--scale'), 2)
    .option('--json', 'print the summary as one JSON object on stdout')
    .action((name: string, opts) => {
      const generator = new Generator(opts.seed);
      let images;
      if (name === 'vae') images = sampleVaeImages(loadVae(opts.weights), opts.n, generator);
      else if (name === 'gan') images = concat(sampleGan(loadGenerator(opts.weights), opts.n, generator), 0);
      else throw new Error(`sample: unknown model '${name}' (expected vae or gan)`);
      writeSampleGrid(opts.out, images, { cols: opts.cols, scale: opts.scale });
      printSummary({ model: name, backend: getBackendName(), weights: opts.weights, n: opts.n, seed: opts.seed, out: opts.out }, Boolean(opts.json));
    });
}
