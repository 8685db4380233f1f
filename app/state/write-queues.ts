/**
 * The order in which the lab saves a run to IndexedDB (run-actions.ts): two queues, so that a large
 * checkpoint never holds up the small writes that make a reload show every step.
 *
 * - The rows queue saves run metadata and each step's metrics and samples, in order. Steps that
 *   arrive while a write is in flight are merged into one write per run, so the queue catches up in
 *   one transaction however far behind a loaded machine let it fall.
 * - The checkpoint queue saves the worker's checkpoints. A checkpoint waits until every row write
 *   queued before it is saved, so a stored checkpoint is never ahead of the stored steps (Continue
 *   recomputes only the later ones). A newer checkpoint of a run replaces one still waiting.
 *
 * A write that fails stays at the head of its queue and is retried on the next write or `retry()`;
 * `onFailure` says what failed and how many writes are waiting.
 */
import type { StepMetrics, StepSamples } from '../../engine/train/session-types.js';

export interface QueueWriters {
  meta(runId: string, write: () => Promise<void>): Promise<void>;
  steps(runId: string, metrics: readonly StepMetrics[], samples: readonly StepSamples[]): Promise<void>;
  checkpoint(runId: string, step: number, files: [string, Uint8Array][]): Promise<void>;
}

/** `first`: the sequence number of the oldest write merged into this one. */
type RowWrite =
  | { kind: 'meta'; runId: string; first: number; write: () => Promise<void> }
  | { kind: 'steps'; runId: string; first: number; metrics: StepMetrics[]; samples: StepSamples[] };

interface CheckpointWrite {
  runId: string;
  step: number;
  files: [string, Uint8Array][];
  /** The row writes enqueued before this checkpoint: it waits until `savedSeq` reaches this. */
  after: number;
}

export class RunWriteQueues {
  private readonly rows: RowWrite[] = [];
  private readonly checkpoints: CheckpointWrite[] = [];
  private rowsBusy = false;
  private checkpointBusy = false;
  /** The sequence number of the last row write enqueued, and of the last one saved. */
  private enqueuedSeq = 0;
  private savedSeq = 0;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly writers: QueueWriters,
    private readonly onFailure: (err: unknown, waiting: number) => void,
  ) {}

  /** Writes waiting or in flight, both queues. */
  get pending(): number {
    return this.rows.length + this.checkpoints.length;
  }

  /** A metadata write (a new run, an imported run); never merged with another. */
  meta(runId: string, write: () => Promise<void>): void {
    this.rows.push({ kind: 'meta', runId, first: ++this.enqueuedSeq, write });
    void this.drainRows();
  }

  /** Steps' metrics and samples; merged into the run's last waiting step write when there is one. */
  steps(runId: string, metrics: readonly StepMetrics[], samples: readonly StepSamples[]): void {
    const seq = ++this.enqueuedSeq;
    const last = this.rows.length > (this.rowsBusy ? 1 : 0) ? this.rows[this.rows.length - 1] : undefined;
    if (last?.kind === 'steps' && last.runId === runId) {
      last.metrics.push(...metrics);
      last.samples.push(...samples);
    } else this.rows.push({ kind: 'steps', runId, first: seq, metrics: [...metrics], samples: [...samples] });
    void this.drainRows();
  }

  /** A checkpoint, saved once the row writes queued before it are saved. */
  checkpoint(runId: string, step: number, files: [string, Uint8Array][]): void {
    const write: CheckpointWrite = { runId, step, files, after: this.enqueuedSeq };
    const from = this.checkpointBusy ? 1 : 0;
    const older = this.checkpoints.findIndex((c, i) => i >= from && c.runId === runId);
    if (older >= 0) this.checkpoints.splice(older, 1);
    this.checkpoints.push(write);
    void this.drainCheckpoints();
  }

  /** Drops the writes of a run still waiting (the one in flight finishes). */
  forget(runId: string): void {
    for (const [queue, busy] of [
      [this.rows, this.rowsBusy],
      [this.checkpoints, this.checkpointBusy],
    ] as const) {
      const from = busy ? 1 : 0;
      for (let i = queue.length - 1; i >= from; i--) if (queue[i].runId === runId) queue.splice(i, 1);
    }
    // a dropped row write must not hold back the checkpoints queued after it
    if (!this.rowsBusy) this.savedSeq = this.rows.length === 0 ? this.enqueuedSeq : this.rows[0].first - 1;
    this.retry();
  }

  /** Tries the waiting writes again (after a failure). */
  retry(): void {
    void this.drainRows();
    void this.drainCheckpoints();
  }

  /** Resolves when both queues are empty (tests; a page about to export). */
  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private settle(): void {
    if (this.pending > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private async drainRows(): Promise<void> {
    if (this.rowsBusy) return;
    this.rowsBusy = true;
    try {
      while (this.rows.length > 0) {
        const head = this.rows[0];
        try {
          if (head.kind === 'meta') await this.writers.meta(head.runId, head.write);
          else await this.writers.steps(head.runId, head.metrics, head.samples);
        } catch (err) {
          this.onFailure(err, this.pending);
          return;
        }
        this.rows.shift();
        // every write older than the next one waiting is saved (a forgotten one counts as done)
        this.savedSeq = this.rows.length === 0 ? this.enqueuedSeq : this.rows[0].first - 1;
        void this.drainCheckpoints();
      }
    } finally {
      this.rowsBusy = false;
      this.settle();
    }
  }

  private async drainCheckpoints(): Promise<void> {
    if (this.checkpointBusy) return;
    this.checkpointBusy = true;
    try {
      while (this.checkpoints.length > 0 && this.checkpoints[0].after <= this.savedSeq) {
        const head = this.checkpoints[0];
        try {
          await this.writers.checkpoint(head.runId, head.step, head.files);
        } catch (err) {
          this.onFailure(err, this.pending);
          return;
        }
        this.checkpoints.shift();
      }
    } finally {
      this.checkpointBusy = false;
      this.settle();
    }
  }
}
