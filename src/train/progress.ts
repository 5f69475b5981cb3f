// Progress display for long loops. On a terminal: one line redrawn in place with a bar, rate
// and ETA (at most ~10 times a second). Elsewhere (CI logs, pipes): a plain line every few
// seconds, so logs stay readable and short.

export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  stream?: ProgressStream;
  /** Force the TTY style on or off (default: the stream's isTTY). */
  tty?: boolean;
  /** Seconds between plain-mode lines. */
  plainInterval?: number;
  width?: number;
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)}s`;
  const m = Math.floor(seconds / 60), s = Math.round(seconds % 60);
  if (m < 60) return `${m}m${String(s).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

export class ProgressBar {
  private readonly stream: ProgressStream;
  private readonly tty: boolean;
  private readonly plainInterval: number;
  private readonly width: number;
  private start = 0;
  private lastDraw = 0;
  private drawn = false;

  constructor(private readonly label: string, private readonly total: number, options: ProgressOptions = {}) {
    this.stream = options.stream ?? process.stderr;
    this.tty = options.tty ?? Boolean(this.stream.isTTY);
    this.plainInterval = (options.plainInterval ?? 10) * 1000;
    this.width = options.width ?? 24;
    this.start = performance.now();
    this.lastDraw = this.start;
  }

  /** Reports `done` of `total` units; `info` is shown after the bar (e.g. "loss 0.31"). */
  update(done: number, info = '', unit = 'it'): void {
    const now = performance.now();
    const due = this.tty ? now - this.lastDraw >= 100 : now - this.lastDraw >= this.plainInterval;
    if (!due && done < this.total) return;
    this.lastDraw = now;
    const elapsed = (now - this.start) / 1000;
    const rate = done / Math.max(elapsed, 1e-9);
    const eta = (this.total - done) / Math.max(rate, 1e-9);
    const frac = this.total > 0 ? Math.min(1, done / this.total) : 1;
    const stats = `${done}/${this.total} ${formatRate(rate)} ${unit}/s ${done < this.total ? `ETA ${formatDuration(eta)}` : formatDuration(elapsed)}`;
    if (this.tty) {
      const filled = Math.round(frac * this.width);
      const bar = '='.repeat(Math.max(0, filled - 1)) + (filled > 0 ? (frac < 1 ? '>' : '=') : '') + ' '.repeat(this.width - filled);
      let line = `${this.label} [${bar}] ${stats}${info ? ' ' + info : ''}`;
      const cols = this.stream.columns ?? 120;
      if (line.length > cols - 1) line = line.slice(0, cols - 1);
      this.stream.write(`\r${line}\x1b[K`);
      this.drawn = true;
    } else if (done < this.total) {
      this.stream.write(`${this.label} ${(frac * 100).toFixed(0)}% ${stats}${info ? ' ' + info : ''}\n`);
    }
  }

  /** Ends the bar; `summary` replaces it (TTY) or is printed as a line. */
  finish(summary?: string): void {
    if (this.tty && this.drawn) this.stream.write('\r\x1b[K');
    if (summary) this.stream.write(summary + '\n');
  }
}

function formatRate(rate: number): string {
  return rate >= 100 ? rate.toFixed(0) : rate >= 10 ? rate.toFixed(1) : rate.toFixed(2);
}

export { formatDuration };
