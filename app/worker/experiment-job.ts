/**
 * One experiment in the worker: engine/experiments/runner.ts's runExperiment, unchanged, with the
 * lab's in-memory executor (experiment-executor.ts). Each arm becomes a run of the page (its id
 * `<experiment id>/<arm index>`): its training metrics stream as a normal run's, its evaluation's
 * metrics arrive as one row at step `steps`; progress (arm i of n, step, time left from the mean step
 * and evaluation times) and the final verdict are posted as experiment-* messages (protocol.ts).
 */
import type { RunConfig } from '../../engine/config/schema.js';
import { runExperiment } from '../../engine/experiments/runner.js';
import { armKind, type Experiment, type Scale } from '../../engine/experiments/types.js';
import type { StepMetrics } from '../../engine/train/session-types.js';
import {
  browserExecutor,
  ExperimentCancelled,
  MEMORY_PREFIX,
  MemoryCheckpoints,
  type OpenExperimentSession,
} from './experiment-executor.js';
import type { ExperimentProgress, FromWorker } from './protocol.js';

/** The run id of an experiment's arm (its index in the declaration). */
export function armRunId(experimentId: string, index: number): string {
  return `${experimentId}/${index}`;
}

/** The arms in the order the runner works on them: trained arms first, then the eval-only ones. */
export function runnerOrder(e: Experiment): string[] {
  const trained = e.arms.filter((a) => armKind(a) === 'trained').map((a) => a.label);
  return [...trained, ...e.arms.filter((a) => armKind(a) !== 'trained').map((a) => a.label)];
}

/** Time left: steps left at the mean step time, evaluations left at the mean evaluation time. */
export class ProgressClock {
  private stepSeconds: number[] = [];
  private evalSeconds: number[] = [];
  private stepsDone = 0;
  private evalsDone = 0;

  constructor(
    readonly totalSteps: number,
    readonly totalEvals: number,
  ) {}

  step(seconds: number): void {
    this.stepSeconds.push(seconds);
    this.stepsDone += 1;
  }

  evaluated(seconds: number): void {
    this.evalSeconds.push(seconds);
    this.evalsDone += 1;
  }

  /** Seconds left, or null before anything was timed. */
  eta(): number | null {
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    if (this.stepSeconds.length === 0 && this.evalSeconds.length === 0) return null;
    const perStep = this.stepSeconds.length > 0 ? mean(this.stepSeconds) : mean(this.evalSeconds);
    // before the first evaluation is timed, one is guessed to take as long as a step
    const perEval = this.evalSeconds.length > 0 ? mean(this.evalSeconds) : perStep;
    const steps = Math.max(0, this.totalSteps - this.stepsDone);
    const evals = Math.max(0, this.totalEvals - this.evalsDone);
    return steps * perStep + evals * perEval;
  }
}

export interface ExperimentJobOptions {
  experimentId: string;
  experiment: Experiment;
  scale: Scale;
  seed: number;
  adapter: string;
  commit: string;
  openSession: OpenExperimentSession;
  post: (msg: FromWorker) => void;
  now?: () => number;
}

export class ExperimentJob {
  private cancelRequested = false;
  readonly checkpoints = new MemoryCheckpoints();
  /** The adapter named in the verdict (the worker sets it once the runtime is open). */
  adapter: string;

  constructor(private readonly o: ExperimentJobOptions) {
    this.adapter = o.adapter;
  }

  cancel(): void {
    this.cancelRequested = true;
  }

  get id(): string {
    return this.o.experimentId;
  }

  /** Runs the experiment to its verdict (experiment-done) or failure (experiment-failed); never throws. */
  async run(): Promise<void> {
    const { experiment: e, experimentId: id, post } = this.o;
    const now = this.o.now ?? (() => performance.now() / 1000);
    const order = runnerOrder(e);
    const steps = e.scales[this.o.scale].steps;
    const trained = e.arms.filter((a) => armKind(a) === 'trained').length;
    const clock = new ProgressClock(trained * steps, e.source === 'train' ? 0 : e.arms.length);
    const t0 = now();
    const indexOf = (label: string) => e.arms.findIndex((a) => a.label === label);
    const progress = (label: string, phase: ExperimentProgress['phase'], step: number) =>
      post({
        type: 'experiment-progress',
        experimentId: id,
        progress: {
          armIndex: order.indexOf(label),
          armTotal: order.length,
          label,
          phase,
          step,
          steps,
          elapsedSeconds: now() - t0,
          etaSeconds: clock.eta(),
        },
      });
    const announced = new Set<string>();
    const announce = (label: string, config: RunConfig) => {
      if (announced.has(label)) return;
      announced.add(label);
      const index = indexOf(label);
      post({
        type: 'experiment-arm',
        experimentId: id,
        label,
        index,
        runId: armRunId(id, index),
        config,
      });
    };
    const stepsOf = new Map<string, number>();
    const executor = browserExecutor({
      openSession: this.o.openSession,
      checkpoints: this.checkpoints,
      cancelled: () => this.cancelRequested,
      now,
      hooks: {
        onTrainStart: (label, config) => {
          const start = label.endsWith(' (start)');
          const arm = start ? label.slice(0, -' (start)'.length) : label;
          if (!start) announce(arm, config);
          stepsOf.set(label, 0);
          progress(arm, start ? 'starting' : 'training', 0);
        },
        onStep: (label, m, seconds) => {
          clock.step(seconds);
          const done = (stepsOf.get(label) ?? 0) + 1;
          stepsOf.set(label, done);
          post({ type: 'metrics', runId: armRunId(id, indexOf(label)), rows: [m] });
          progress(label, 'training', done);
        },
        onEvaluateStart: (label, config) => {
          announce(label, config);
          progress(label, 'evaluating', steps);
        },
        onEvaluated: (label, metrics, seconds) => {
          clock.evaluated(seconds);
          const row = { step: steps, ...metrics } as StepMetrics;
          post({ type: 'metrics', runId: armRunId(id, indexOf(label)), rows: [row] });
        },
        onWarning: (label, message) =>
          post({ type: 'warning', runId: armRunId(id, Math.max(0, indexOf(label))), message }),
      },
    });
    try {
      const result = await runExperiment({
        experiment: e,
        scale: this.o.scale,
        seed: this.o.seed,
        outDir: `${MEMORY_PREFIX}${id}`,
        commit: this.o.commit,
        adapter: this.adapter,
        executor,
      });
      post({ type: 'experiment-done', experimentId: id, result, seconds: now() - t0 });
    } catch (err) {
      const cancelled = err instanceof ExperimentCancelled;
      post({
        type: 'experiment-failed',
        experimentId: id,
        cancelled,
        message: err instanceof Error ? err.message : String(err),
      });
    } finally {
      this.checkpoints.clear();
    }
  }
}
