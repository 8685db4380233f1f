/**
 * A terminal progress bar on stderr: redrawn in place on a TTY, one line per update otherwise (CI
 * logs), so the output stays readable in both.
 */

export class ProgressBar {
  private readonly tty = Boolean(process.stderr.isTTY);
  private lastLine = '';

  /**
   * `already`: units done before this bar's clock started (a resumed run's earlier steps), left out of
   * the rate behind the eta; `started`: the clock's origin in performance.now() milliseconds.
   */
  constructor(
    private readonly total: number,
    private readonly label: string,
    private readonly already = 0,
    private readonly started = performance.now(),
  ) {}

  update(done: number, detail: string): void {
    const width = 24;
    const frac = this.total > 0 ? Math.min(1, done / this.total) : 1;
    const filled = Math.round(frac * width);
    const elapsed = (performance.now() - this.started) / 1000;
    const rated = done - this.already;
    const eta = rated > 0 ? (elapsed / rated) * (this.total - done) : Number.NaN;
    const bar = `${'#'.repeat(filled)}${'-'.repeat(width - filled)}`;
    const line = `${this.label} [${bar}] ${done}/${this.total} ${detail} | ${elapsed.toFixed(1)}s${Number.isFinite(eta) ? ` eta ${eta.toFixed(0)}s` : ''}`;
    if (this.tty) process.stderr.write(`\r${line.padEnd(this.lastLine.length)}`);
    else process.stderr.write(`${line}\n`);
    this.lastLine = line;
  }

  done(): void {
    if (this.tty) process.stderr.write('\n');
  }
}
