// myelin verify FILE...: checks safetensors files (weights, checkpoints, saved models) without
// loading them into a model: the structure, the bounds of the header and, where myelin wrote
// them, the checksum of every tensor and of the metadata. Exits 1 naming the first problem of
// each bad file; a file without checksums (from PyTorch, say) is reported as unverified.

import type { Command } from 'commander';
import { readSafetensors } from '../../io/safetensors.js';

export function register(program: Command): void {
  program.command('verify')
    .description('check safetensors files: structure, bounds and checksums')
    .argument('<files...>', 'safetensors files (model.safetensors, checkpoints)')
    .option('--json', 'print one JSON object per file')
    .action((files: string[], opts: { json?: boolean }) => {
      let bad = 0;
      for (const file of files) {
        let line: Record<string, unknown>;
        try {
          const c = readSafetensors(file);
          const elements = [...c.tensors.values()].reduce((n, t) => n + t.data.length, 0);
          line = { file, ok: true, checksums: c.verified ? 'verified' : 'absent (not written by myelin)', tensors: c.tensors.size, elements };
        } catch (e) {
          bad++;
          line = { file, ok: false, error: (e as Error).message };
        }
        if (opts.json) process.stdout.write(JSON.stringify(line) + '\n');
        else if (line.ok) process.stdout.write(`${file}: ok, ${String(line.tensors)} tensors, checksums ${String(line.checksums)}\n`);
        else process.stdout.write(`${file}: FAILED: ${String(line.error)}\n`);
      }
      if (bad > 0) throw new Error(`${bad} of ${files.length} file(s) failed verification`);
    });
}
