// The one writer of a run's metrics.jsonl, the record the dashboard, `myelin tensorboard` and
// the tests read: one JSON object per line, `{"time": ISO-8601, "kind": ..., ...fields}`.
// The Trainer's JsonlLogger and the custom training loops of the zoo (vae, dvae, gan, gpt,
// bert-mini) all append through it.
//
// Each record is appended with a single append-mode write of the whole line, so a reader sees
// either the complete line or (while the write is under way) a partial last line, which the
// readers skip; nothing is held open between records, so there is nothing to flush or close,
// and a run that dies leaves every record appended so far.

import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../io/atomic-write.js';

/** What a line records: a Trainer step or epoch, a custom loop's epoch, or an evaluation. */
export type RunRecordKind = 'step' | 'epoch' | 'eval';

export class RunRecord {
  /** Opens (creating its directory, not the file) the record at `path`, usually RunDir.metricsFile. */
  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
  }

  /** Appends `{"time": now, "kind": kind, ...fields}` as one line. */
  append(kind: RunRecordKind, fields: Record<string, unknown>): void {
    appendFileSync(this.path, JSON.stringify({ time: new Date().toISOString(), kind, ...fields }) + '\n');
  }

  /**
   * For a run resumed from a checkpoint taken at optimizer step `step`: removes the records of
   * the steps after it (the resumed run records them again) and a partial last line left by a
   * killed writer. Records without a step are kept. Rewrites the file atomically.
   */
  truncateAfter(step: number): void {
    if (!existsSync(this.path)) return;
    const lines = readFileSync(this.path, 'utf8').split('\n');
    const kept = lines.filter((line) => {
      if (line.trim() === '') return false;
      let record: unknown;
      try { record = JSON.parse(line); } catch { return false; }
      const s = (record as { step?: unknown } | null)?.step;
      return typeof s !== 'number' || s <= step;
    });
    writeFileAtomic(this.path, kept.map((l) => l + '\n').join(''));
  }
}
