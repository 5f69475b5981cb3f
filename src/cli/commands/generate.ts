// myelin generate gpt --weights W: streams text sampled from a trained character-level GPT.

import type { Command } from 'commander';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { loadGpt, generateTokens } from '../../models/gpt.js';
import { Generator } from '../../tensor/random.js';
import { integer, positiveInt, positiveNumber } from '../options.js';

export function register(program: Command): void {
  program.command('generate')
    .description('sample text from a trained model (gpt), streamed to stdout')
    .argument('<model>', 'model name (gpt)')
    .requiredOption('--weights <file>', 'model.safetensors of a `myelin train gpt` run (its directory holds config.json and tokenizer.json)')
    .option('--prompt <text>', 'text to continue (default: a newline)', '\n')
    .option('--tokens <n>', 'number of characters to generate', positiveInt('--tokens'), 500)
    .option('--temperature <t>', 'sampling temperature (lower is more conservative)', positiveNumber('--temperature'), 0.8)
    .option('--top-k <k>', 'sample among the k most likely characters only', positiveInt('--top-k'))
    .option('--seed <n>', 'random seed', integer('--seed'), 0)
    .option('--data <path>', 'tinyshakespeare directory, to rebuild the vocabulary when tokenizer.json is missing')
    .action(async (name: string, opts) => {
      if (name !== 'gpt') throw new Error(`generate: unknown model '${name}' (available: gpt)`);
      const { model, tokenizer } = loadGpt(opts.weights, opts.data);
      const prompt = String(opts.prompt);
      const unknown = [...new Set(Array.from(prompt))].filter((c) => !tokenizer.vocab.has(c));
      if (unknown.length) throw new Error(`generate: the prompt has characters outside the model's vocabulary: ${unknown.map((c) => JSON.stringify(c)).join(', ')}`);
      const context = prompt.length ? tokenizer.encode(prompt) : tokenizer.encode('\n');
      process.stdout.write(prompt);
      const gen = new Generator(opts.seed);
      for (const id of generateTokens(model, context, opts.tokens, { temperature: opts.temperature, topK: opts.topK, generator: gen })) {
        process.stdout.write(tokenizer.decode([id]));
        await yieldToEventLoop();
      }
      process.stdout.write('\n');
    });
}
