// myelin export --checkpoint FILE --out DIR: a saved-model directory (config.json +
// model.safetensors) from a training checkpoint and its run's config.json, e.g. to serve the
// best epoch's weights rather than the last.

import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { readSafetensors } from '../../io/safetensors.js';
import { readCheckpointInfo, type CheckpointInfo } from '../../io/checkpoint.js';
import { loadWeights, saveWeights } from '../../io/weights.js';
import { buildFromConfig, readSavedModelConfig } from '../../models/saved-model.js';
import { writeFileAtomic } from '../../io/atomic-write.js';
import { printSummary } from '../output.js';

/** The config.json of the run a checkpoint belongs to: <run>/checkpoints/x.safetensors -> <run>/config.json. */
function runConfigOf(checkpoint: string): string {
  const dir = dirname(resolve(checkpoint));
  for (const d of [dir, dirname(dir)]) if (existsSync(join(d, 'config.json'))) return join(d, 'config.json');
  throw new Error(`${checkpoint}: no config.json next to it or in its run directory; pass --config`);
}

export function exportSavedModel(checkpoint: string, out: string, configPath?: string): Record<string, unknown> {
  if (!existsSync(checkpoint)) throw new Error(`${checkpoint}: not found`);
  const cfgPath = configPath ?? runConfigOf(checkpoint);
  const config = readSavedModelConfig(cfgPath);
  const model = buildFromConfig(config);
  // strict load: every tensor of the architecture, with its shape (optimizer state is skipped)
  loadWeights(model, checkpoint);
  // a checkpoint's metadata is checked like any checkpoint load (plain weights have none)
  const isCheckpoint = readSafetensors(checkpoint).metadata?.myelin !== undefined;
  const info: Partial<CheckpointInfo> = isCheckpoint ? readCheckpointInfo(checkpoint) : {};
  mkdirSync(out, { recursive: true });
  saveWeights(model, join(out, 'model.safetensors'));
  const { status: _s, trainOptions: _t, ...rest } = config as Record<string, unknown>;
  const exported = {
    ...rest,
    exported_from: { checkpoint: resolve(checkpoint), config: resolve(cfgPath), epoch: info.epoch, step: info.step, checkpoint_metrics: info.metrics },
  };
  writeFileAtomic(join(out, 'config.json'), JSON.stringify(exported, null, 2) + '\n');
  // the labels and pictures travel with the model when they are there
  const src = dirname(cfgPath);
  for (const f of ['roc.json']) if (existsSync(join(src, f)) && resolve(src) !== resolve(out)) copyFileSync(join(src, f), join(out, f));
  return { model: config.model, checkpoint: resolve(checkpoint), epoch: info.epoch ?? null, step: info.step ?? null, out: resolve(out), files: ['config.json', 'model.safetensors'] };
}

export function register(program: Command): void {
  program.command('export')
    .description('write a saved-model directory (config.json + model.safetensors, what `myelin serve` loads) from a checkpoint')
    .requiredOption('--checkpoint <file>', 'checkpoint (.safetensors), e.g. runs/cnn-x/checkpoints/best.safetensors')
    .requiredOption('--out <dir>', 'directory to write')
    .option('--config <file>', "the run's config.json (default: the one of the checkpoint's run directory)")
    .option('--json', 'print the result as one JSON object on stdout')
    .action((opts) => {
      const summary = exportSavedModel(opts.checkpoint, opts.out, opts.config);
      printSummary(summary, Boolean(opts.json));
    });
}
