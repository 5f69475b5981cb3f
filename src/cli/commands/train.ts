// myelin train <model>: trains a zoo model with its recipe; flags common to every model.

import type { Command } from 'commander';
import { zooModel, ZOO } from '../../models/index.js';
import { resumeOptions, type TrainOptions } from '../../models/common.js';
import { integer, positiveInt, positiveNumber } from '../options.js';
import { printSummary } from '../output.js';
import { sequenceTrainFlags } from '../../models/sequence-common.js';

export function register(program: Command): void {
  program.command('train')
    .description(`train a zoo model (${Object.keys(ZOO).join(', ')})`)
    .argument('<model>', 'model name')
    .option('--epochs <n>', 'number of epochs', positiveInt('--epochs'))
    .option('--batch-size <n>', 'batch size', positiveInt('--batch-size'))
    .option('--lr <x>', 'learning rate', positiveNumber('--lr'))
    .option('--seed <n>', 'random seed', integer('--seed'), 0)
    .option('--out <dir>', 'run directory (default runs/<model>-<timestamp>)')
    .option('--resume <run-dir>', 'continue the run in this directory from its last checkpoint (mlp, cnn); its settings are kept, --epochs sets the new total')
    .option('--dataset <name|dir>', 'dataset (cnn: fashion-mnist, mnist, or a directory of IDX files)')
    .option('--csv <file>', 'mlp: train on this CSV file instead of the embedded breast-cancer data')
    .option('--label <column>', 'mlp: label column of --csv (name or index; default: last)')
    .option('--limit <n>', 'use only the first N training and test samples', positiveInt('--limit'))
    .option('--latent <n>', 'vae/dvae: latent dimensions (vae --latent 2 also draws the latent manifold)', positiveInt('--latent'))
    .option('--data <path>', 'lstm, gpt, bert-mini: text data directory (default $MYELIN_DATA_DIR, else ../shared/data)')
    .option('--cell <type>', 'lstm: recurrent cell, lstm (default) or gru')
    .option('--max-iters <n>', 'gpt, bert-mini: training iterations', positiveInt('--max-iters'))
    .option('--eval-every <n>', 'gpt, bert-mini: evaluate every N iterations', positiveInt('--eval-every'))
    .option('--init <file>', 'bert-mini: start from pre-trained weights (myelin pretrain bert-mini)')
    .option('--no-progress', 'no progress bars')
    .option('--json', 'print the final summary as one JSON object on stdout')
    .action(async (name: string, opts, cmd: Command) => {
      const zoo = zooModel(name);
      let options: TrainOptions = {
        epochs: opts.epochs, batchSize: opts.batchSize, lr: opts.lr, seed: opts.seed, out: opts.out,
        dataset: opts.dataset, csv: opts.csv, label: opts.label, limit: opts.limit, latent: opts.latent, progress: opts.progress,
        ...sequenceTrainFlags(opts),
      };
      if (opts.resume !== undefined) {
        // --seed has a default: only a seed given on the command line must agree with the run's
        const seed = cmd.getOptionValueSource('seed') === 'default' ? undefined : opts.seed;
        options = { ...resumeOptions(zoo, { ...options, seed, resume: opts.resume }), progress: opts.progress };
      }
      const summary = await zoo.train(options);
      printSummary(summary, Boolean(opts.json));
    });
}
