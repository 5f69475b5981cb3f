// The `myelin` command line: train, eval and info. Human-readable progress goes to stderr;
// with --json the final summary is one JSON object on stdout. Errors print one clear line
// (the stack trace only with --verbose) and exit non-zero.

import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { zooModel, ZOO } from '../models/index.js';
import type { Summary } from '../models/common.js';
import { infoReport } from './info.js';

function positiveInt(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive integer, got '${v}'`);
    return n;
  };
}

function positiveNumber(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!(n > 0) || !Number.isFinite(n)) throw new InvalidArgumentError(`${name} must be a positive number, got '${v}'`);
    return n;
  };
}

function integer(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n)) throw new InvalidArgumentError(`${name} must be an integer, got '${v}'`);
    return n;
  };
}

function printSummary(summary: Summary, json: boolean): void {
  if (json) { process.stdout.write(JSON.stringify(summary) + '\n'); return; }
  const lines = Object.entries(summary)
    .filter(([k]) => k !== 'confusion_matrix')
    .map(([k, v]) => `  ${k.padEnd(28)} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
  process.stdout.write(`${summary.model} on ${summary.dataset}:\n${lines.join('\n')}\n`);
}

function buildProgram(state: { verbose: boolean }): Command {
  const program = new Command('myelin')
    .description('myelin: deep learning for TypeScript on Node.js')
    .option('--verbose', 'print stack traces on errors')
    .showHelpAfterError()
    .exitOverride();
  program.hook('preAction', (cmd) => { state.verbose = Boolean(cmd.opts().verbose); });

  program.command('train')
    .description(`train a zoo model (${Object.keys(ZOO).join(', ')})`)
    .argument('<model>', 'model name')
    .option('--epochs <n>', 'number of epochs', positiveInt('--epochs'))
    .option('--batch-size <n>', 'batch size', positiveInt('--batch-size'))
    .option('--lr <x>', 'learning rate', positiveNumber('--lr'))
    .option('--seed <n>', 'random seed', integer('--seed'), 0)
    .option('--out <dir>', 'run directory (default runs/<model>-<timestamp>)')
    .option('--dataset <name|dir>', 'dataset (cnn: fashion-mnist, mnist, or a directory of IDX files)')
    .option('--csv <file>', 'mlp: train on this CSV file instead of the embedded breast-cancer data')
    .option('--label <column>', 'mlp: label column of --csv (name or index; default: last)')
    .option('--limit <n>', 'use only the first N training and test samples', positiveInt('--limit'))
    .option('--no-progress', 'no progress bars')
    .option('--json', 'print the final summary as one JSON object on stdout')
    .action(async (name: string, opts) => {
      const summary = await zooModel(name).train({
        epochs: opts.epochs, batchSize: opts.batchSize, lr: opts.lr, seed: opts.seed, out: opts.out,
        dataset: opts.dataset, csv: opts.csv, label: opts.label, limit: opts.limit, progress: opts.progress,
      });
      printSummary(summary, Boolean(opts.json));
    });

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

  program.command('info')
    .description('backend, CPU features, threads and versions')
    .option('--json', 'print as JSON')
    .action((opts) => {
      const info = infoReport();
      process.stdout.write(opts.json ? JSON.stringify(info) + '\n'
        : Object.entries(info).map(([k, v]) => `${k.padEnd(16)} ${typeof v === 'object' ? JSON.stringify(v) : v}`).join('\n') + '\n');
    });
  return program;
}

/** Runs the CLI; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const state = { verbose: argv.includes('--verbose') };
  const program = buildProgram(state);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // commander has printed its message (or help) already
      return e.exitCode === 0 ? 0 : 2;
    }
    const err = e as Error;
    process.stderr.write(`myelin: error: ${err.message}\n`);
    if (state.verbose && err.stack) process.stderr.write(err.stack + '\n');
    return 1;
  }
}
