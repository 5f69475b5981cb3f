// How commands print results: one JSON object on stdout with --json, else aligned lines.

export function printSummary(summary: Record<string, unknown> & { model?: unknown; dataset?: unknown }, json: boolean): void {
  if (json) { process.stdout.write(JSON.stringify(summary) + '\n'); return; }
  const lines = Object.entries(summary)
    .filter(([k]) => k !== 'confusion_matrix')
    .map(([k, v]) => `  ${k.padEnd(28)} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
  const title = summary.model !== undefined ? `${String(summary.model)}${summary.dataset !== undefined ? ` on ${String(summary.dataset)}` : ''}:\n` : '';
  process.stdout.write(`${title}${lines.join('\n')}\n`);
}
