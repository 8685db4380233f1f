/**
 * The worker's run loop, free of DOM and of the trainer's internals: it owns at most one training
 * session, steps it until Pause or max_steps, and batches metrics and samples into posts at most every
 * `flushIntervalMs`. The config of a session is frozen at creation: a Start or Step for another runId
 * disposes the old session and opens a new one; nothing mutates a running session. Every
 * `checkpointEvery` steps, and when the loop stops (Pause, max_steps, a Step), it takes a checkpoint:
 * kept in memory to resume after a lost device, and posted to the page, which saves it so the run
 * can Continue after a reload (app/state/run-checkpoints.ts).
 */

import type { RewardModelInfo } from '../../engine/rewards/onnx-info.js';
import type { DatasetRow } from '../../engine/tasks/index.js';
import type { PromptFormatInfo } from '../../engine/tokenizers/prompt-format.js';
import type { TryOptions } from '../../engine/train/session.js';
import type {
  CheckpointFiles,
  SessionEvents,
  StepMetrics,
  StepSamples,
} from '../../engine/train/session-types.js';
import type { FromWorker, RunState } from './protocol.js';
import { checkTryKnobs, type TryKnobs } from './try-knobs.js';

/** What the loop needs of engine/train/session.ts's TrainingSession. */
export interface SessionLike {
  step(): Promise<StepMetrics>;
  generate(
    prompts: string[],
    which: 'start' | 'current',
    samples?: number,
    knobs?: TryOptions,
  ): Promise<string[][]>;
  saveCheckpoint(): Promise<CheckpointFiles>;
  dispose(): void;
  /** The kernel variants the session uses (tuned before its first step, or pinned). */
  readonly kernelVariants?: Record<string, string>;
  /** How prompts reach the model (chat template or raw). */
  readonly promptFormat?: PromptFormatInfo | null;
  /** The reward models the session loaded, with their execution providers. */
  readonly rewardModels?: readonly RewardModelInfo[];
}

export type OpenSession = (
  config: unknown,
  kernelVariants: Record<string, string>,
  events: SessionEvents,
  /** A checkpoint of this run to continue from (after the GPU device was lost). */
  resume?: CheckpointFiles,
  /** A `dataset` task's rows the page sent (a dropped file); absent: the session loads the source. */
  datasetRows?: readonly DatasetRow[],
) => Promise<SessionLike>;

export interface RunLoopOptions {
  openSession: OpenSession;
  post: (msg: FromWorker, transfer?: Transferable[]) => void;
  flushIntervalMs?: number;
  now?: () => number;
  /**
   * Take a checkpoint every this many steps (and when the loop stops), to resume after a lost device
   * and post to the page (0 = never).
   */
  checkpointEvery?: number;
}

function maxStepsOf(config: unknown): number {
  const v = (config as { max_steps?: unknown } | null)?.max_steps;
  return typeof v === 'number' && v > 0 ? v : Number.POSITIVE_INFINITY;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class RunLoop {
  private session: SessionLike | null = null;
  private runId: string | null = null;
  private config: unknown = null;
  private steps = 0;
  private state: RunState = 'idle';
  private wantRun = false;
  private busy: Promise<void> = Promise.resolve();
  private pendingMetrics: StepMetrics[] = [];
  private pendingSamples: StepSamples[] = [];
  private lastFlush = Number.NEGATIVE_INFINITY;
  private flushTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly flushIntervalMs: number;
  private readonly now: () => number;
  private readonly checkpointEvery: number;
  /** The run's latest in-memory checkpoint: what Start resumes from after the device was lost. */
  private lastCheckpoint: { runId: string; steps: number; files: CheckpointFiles } | null = null;

  constructor(private readonly options: RunLoopOptions) {
    this.flushIntervalMs = options.flushIntervalMs ?? 100;
    this.now = options.now ?? (() => performance.now());
    this.checkpointEvery = options.checkpointEvery ?? 10;
  }

  start(
    runId: string,
    config: unknown,
    kernelVariants: Record<string, string>,
    datasetRows?: readonly DatasetRow[],
    /** The run's checkpoint the page kept (Continue after a reload); used when no session holds the run. */
    resume?: { step: number; files: CheckpointFiles },
  ): void {
    this.wantRun = true;
    this.enqueue(async () => {
      await this.ensureSession(runId, config, kernelVariants, datasetRows, resume);
      if (!this.session) return;
      this.setState('running');
      while (this.wantRun && this.session && this.runId === runId) {
        if (this.steps >= maxStepsOf(this.config)) {
          this.wantRun = false;
          await this.keepCheckpoint();
          this.setState('finished');
          return;
        }
        if (!(await this.stepOnce())) return;
      }
      if (this.session && this.runId === runId && this.state === 'running') {
        await this.keepCheckpoint();
        this.setState('paused');
      }
    });
  }

  pause(): void {
    this.wantRun = false;
  }

  step(
    runId: string,
    config: unknown,
    kernelVariants: Record<string, string>,
    datasetRows?: readonly DatasetRow[],
  ): void {
    this.wantRun = false;
    this.enqueue(async () => {
      await this.ensureSession(runId, config, kernelVariants, datasetRows);
      if (!this.session) return;
      this.setState('running');
      if (await this.stepOnce()) {
        await this.keepCheckpoint();
        this.setState('paused');
      }
    });
  }

  /** Disposes the session; resolves once it is gone (an experiment waits for it). */
  reset(): Promise<void> {
    this.wantRun = false;
    return this.enqueue(async () => {
      this.flush();
      this.disposeSession();
      this.setState('idle');
    });
  }

  /** Called by the worker when the GPU device is lost: the run pauses, its history stays in the page. */
  deviceLost(message: string): void {
    this.wantRun = false;
    this.flush();
    this.session = null;
    const saved = this.lastCheckpoint?.runId === this.runId ? this.lastCheckpoint : null;
    this.setState(
      'lost',
      `The GPU device was lost (${message.replace(/^GPU device lost \(([^)]*)\): /, '$1: ').replace(/\.$/, '')}). ` +
        "The run's history is kept; Start resumes " +
        (saved ? `from its checkpoint of step ${saved.steps}.` : 'it from the beginning.'),
    );
  }

  /** The starting model's answers, and the current model's under guidance w and interpolation α (try-knobs.ts). */
  generate(prompts: string[], knobs: TryOptions = {}): Promise<{ start: string[][]; current: string[][] }> {
    const session = this.session;
    if (!session)
      return Promise.reject(new Error('No run yet: press Start or Step first, then try prompts.'));
    let checked: TryKnobs;
    try {
      checked = checkTryKnobs(knobs);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.exclusive(async () => ({
      start: await session.generate(prompts, 'start'),
      current: await session.generate(prompts, 'current', 1, checked),
    }));
  }

  saveCheckpoint(): Promise<CheckpointFiles> {
    const session = this.session;
    if (!session) return Promise.reject(new Error('No run yet: there are no weights to export.'));
    return this.exclusive(() => session.saveCheckpoint());
  }

  /** Runs `task` after the work already queued; its failure is the caller's, not the run's. */
  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const result = this.busy.then(task);
    this.busy = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }

  /** Serializes work on the session: one step, generate or checkpoint at a time. */
  private enqueue(task: () => Promise<void>): Promise<void> {
    this.busy = this.busy.then(task).catch((err) => this.fail(err));
    return this.busy;
  }

  private async ensureSession(
    runId: string,
    config: unknown,
    kernelVariants: Record<string, string>,
    datasetRows?: readonly DatasetRow[],
    saved?: { step: number; files: CheckpointFiles },
  ) {
    if (this.session && this.runId === runId) return;
    this.flush();
    // after a lost device, the newer of the loop's own checkpoint and the page's; else the page's
    const own = this.state === 'lost' && this.lastCheckpoint?.runId === runId ? this.lastCheckpoint : null;
    const resume =
      saved && (!own || saved.step > own.steps) ? { runId, steps: saved.step, files: saved.files } : own;
    this.disposeSession();
    this.lastCheckpoint = resume;
    this.runId = runId;
    this.config = config;
    this.steps = resume?.steps ?? 0;
    this.setState('starting');
    const events: SessionEvents = {
      onPhase: (phase, progress, detail) => this.post({ type: 'phase', runId, phase, progress, detail }),
      onMetrics: (m) => {
        if (this.runId !== runId) return;
        this.pendingMetrics.push(m);
        this.scheduleFlush();
      },
      onSamples: (s) => {
        if (this.runId !== runId) return;
        this.pendingSamples.push(s);
        this.scheduleFlush();
      },
      onWarning: (message) => this.post({ type: 'warning', runId, message }),
    };
    this.session = await this.options.openSession(config, kernelVariants, events, resume?.files, datasetRows);
    if (this.session.kernelVariants) {
      this.post({ type: 'kernel-variants', runId, variants: this.session.kernelVariants });
    }
    if (this.session.promptFormat) {
      const model = (config as { model?: { name?: unknown } }).model?.name;
      this.post({
        type: 'prompt-format',
        runId,
        model: typeof model === 'string' ? model : '',
        info: this.session.promptFormat,
      });
    }
    if (this.session.rewardModels && this.session.rewardModels.length > 0) {
      this.post({ type: 'reward-models', runId, models: [...this.session.rewardModels] });
    }
  }

  private async stepOnce(): Promise<boolean> {
    const session = this.session;
    if (!session) return false;
    await session.step();
    this.steps += 1;
    this.scheduleFlush();
    if (this.checkpointEvery > 0 && this.steps % this.checkpointEvery === 0) await this.keepCheckpoint();
    return true;
  }

  /** A checkpoint after the steps done, kept here and posted to the page (once per step count). */
  private async keepCheckpoint(): Promise<void> {
    const { session, runId, steps } = this;
    if (!session || !runId || this.checkpointEvery <= 0) return;
    if (this.lastCheckpoint?.runId === runId && this.lastCheckpoint.steps === steps) return;
    let files: CheckpointFiles;
    try {
      files = await session.saveCheckpoint();
    } catch (err) {
      // the run goes on; the previous checkpoint stays the one to resume from
      this.post({
        type: 'warning',
        runId,
        message: `The checkpoint after step ${steps} failed: ${messageOf(err)}`,
      });
      return;
    }
    this.lastCheckpoint = { runId, steps, files };
    // copied, not transferred: the loop keeps its own for a lost device
    this.post({ type: 'run-checkpoint', runId, step: steps, files: [...files] });
  }

  private scheduleFlush(): void {
    const wait = this.lastFlush + this.flushIntervalMs - this.now();
    if (wait <= 0) {
      this.flush();
      return;
    }
    if (this.flushTimer === null) {
      this.flushTimer = setTimeout(() => {
        this.flushTimer = null;
        this.flush();
      }, wait);
    }
  }

  private flush(): void {
    if (this.flushTimer !== null) {
      clearTimeout(this.flushTimer);
      this.flushTimer = null;
    }
    const runId = this.runId;
    if (runId === null) return;
    if (this.pendingMetrics.length > 0) this.post({ type: 'metrics', runId, rows: this.pendingMetrics });
    if (this.pendingSamples.length > 0) this.post({ type: 'samples', runId, samples: this.pendingSamples });
    if (this.pendingMetrics.length > 0 || this.pendingSamples.length > 0) {
      this.post({ type: 'run-state', runId, state: this.state, step: this.steps });
    }
    this.pendingMetrics = [];
    this.pendingSamples = [];
    this.lastFlush = this.now();
  }

  private disposeSession(): void {
    try {
      this.session?.dispose();
    } finally {
      this.session = null;
      this.runId = null;
      this.steps = 0;
    }
  }

  private fail(err: unknown): void {
    this.wantRun = false;
    this.flush();
    if (this.state === 'lost') return;
    // A reward function that failed refused the step and changed nothing: the run pauses, Start retries.
    if (err instanceof Error && err.name === 'RewardFailure' && this.session) {
      this.setState('paused', err.message);
      return;
    }
    this.setState('failed', messageOf(err));
  }

  private setState(state: RunState, message?: string): void {
    this.state = state;
    if (state !== 'running' && state !== 'starting') this.flush();
    this.post({ type: 'run-state', runId: this.runId, state, step: this.steps, message });
  }

  private post(msg: FromWorker): void {
    this.options.post(msg);
  }
}
