/**
 * Time to learn: a preset run from its warm start on this adapter, held-out pass@1 measured before the
 * first update and every `every` steps after, and the moments it first holds a gain. The crossing of a
 * target is the first evaluation from which pass@1 stays at or above the target at two evaluations in a
 * row; it is reported in steps and in seconds of summed step time, with setup (loading, kernel
 * compilation, autotuning) and the evaluations' own time reported apart. A benchmark, not a test.
 */

import type { Runtime } from '../../kernels/runtime/index.js';
import type { RunConfig } from '../config/schema.js';
import type { CheckpointFs } from '../model/checkpoint.js';
import type { DatasetRow } from '../tasks/index.js';
import { createTrainingSession } from './session.js';

export interface LearningEval {
  /** Steps taken before this evaluation (0: the warm start). */
  steps: number;
  /** Summed step_time of those steps, seconds. */
  seconds: number;
  passAt1: number;
  greedy: number;
}

export interface Crossing {
  target: number;
  steps: number;
  seconds: number;
}

/** One phase's work per step, averaged over the run's steps (from the step metrics). */
export interface PhaseProfile {
  seconds: number;
  flops: number;
  dispatches: number;
  submits: number;
  readbacks: number;
}

/** Where a step's time and work go: per-step means of the step metrics, and the GFLOP/s achieved. */
export interface StepProfile {
  /** Counted FLOPs per step (matmul and attention, `flops`). */
  flops: number;
  /** Summed `flops` / summed `step_time` / 1e9. */
  gflopsPerSecond: number;
  phases: Record<'generate' | 'reference' | 'train', PhaseProfile>;
}

/** Each phase's step-metric keys, spelled out so that the metric registry's tests see every name. */
const PHASE_METRICS = {
  generate: [
    'timing/generate',
    'flops/generate',
    'dispatches/generate',
    'submits/generate',
    'readbacks/generate',
  ],
  reference: [
    'timing/reference',
    'flops/reference',
    'dispatches/reference',
    'submits/reference',
    'readbacks/reference',
  ],
  train: ['timing/train', 'flops/train', 'dispatches/train', 'submits/train', 'readbacks/train'],
} as const;

/** The per-step means of `timing/<phase>`, `flops/<phase>`, `dispatches/<phase>`, `submits/<phase>`, `readbacks/<phase>`. */
export function stepProfile(rows: readonly Record<string, number>[]): StepProfile {
  const n = Math.max(rows.length, 1);
  const sum = (key: string) => rows.reduce((a, m) => a + (Number.isFinite(m[key]) ? m[key] : 0), 0);
  const phases = Object.fromEntries(
    Object.entries(PHASE_METRICS).map(([p, [seconds, flops, dispatches, submits, readbacks]]) => [
      p,
      {
        seconds: sum(seconds) / n,
        flops: sum(flops) / n,
        dispatches: sum(dispatches) / n,
        submits: sum(submits) / n,
        readbacks: sum(readbacks) / n,
      },
    ]),
  ) as StepProfile['phases'];
  const seconds = sum('step_time');
  return { flops: sum('flops') / n, gflopsPerSecond: sum('flops') / 1e9 / Math.max(seconds, 1e-9), phases };
}

export interface LearningReport {
  preset: string;
  prompts: number;
  samples: number;
  every: number;
  start: number;
  final: number;
  /** start + 0.20 */
  plus20: Crossing | null;
  /** 0.80 */
  eighty: Crossing | null;
  evals: LearningEval[];
  setupSeconds: number;
  evalSeconds: number;
  trainSeconds: number;
  /** The steps' work and GFLOP/s (evaluations excluded). */
  profile: StepProfile;
}

/**
 * The first evaluation from which pass@1 >= target holds at it and the next one, or null.
 * crossing([{steps 0, passAt1 0.1}, {5, 0.35}, {10, 0.2}, {15, 0.31}, {20, 0.4}], 0.3) = steps 15.
 */
export function crossing(evals: readonly LearningEval[], target: number): Crossing | null {
  for (let i = 0; i + 1 < evals.length; i++) {
    if (evals[i].passAt1 >= target && evals[i + 1].passAt1 >= target)
      return { target, steps: evals[i].steps, seconds: evals[i].seconds };
  }
  return null;
}

export interface LearningOptions {
  rt: Runtime;
  preset: string;
  config: RunConfig;
  /** Held-out prompts per evaluation (at least 200 for the reported figure). */
  prompts: number;
  /** Evaluate after every `every` steps. */
  every: number;
  /** Steps to run (default: the config's max_steps). */
  steps?: number;
  openCheckpoint: (name: string) => CheckpointFs;
  datasetRows?: DatasetRow[];
  onEval?: (e: LearningEval) => void;
}

export async function runLearningBench(o: LearningOptions): Promise<LearningReport> {
  // the run evaluates nothing itself: the bench times its own evaluations apart from the steps
  const config: RunConfig = { ...o.config, eval_every: 0, eval_prompts: o.prompts };
  const t0 = performance.now();
  const session = await createTrainingSession(
    o.rt,
    config,
    {},
    {
      openCheckpoint: o.openCheckpoint,
      datasetRows: o.datasetRows,
    },
  );
  const setupSeconds = (performance.now() - t0) / 1000;
  const evals: LearningEval[] = [];
  let evalSeconds = 0;
  let trainSeconds = 0;
  const evaluate = async () => {
    const te = performance.now();
    const m = await session.evaluate(o.prompts);
    evalSeconds += (performance.now() - te) / 1000;
    const e = {
      steps: session.stepsDone,
      seconds: trainSeconds,
      passAt1: m['eval/pass@1'],
      greedy: m['eval/greedy'],
    };
    evals.push(e);
    o.onEval?.(e);
  };
  const steps = Math.min(o.steps ?? config.max_steps, config.max_steps);
  const stepRows: Record<string, number>[] = [];
  try {
    await evaluate();
    while (session.stepsDone < steps) {
      const m = await session.step();
      stepRows.push(m);
      trainSeconds += m.step_time;
      if (session.stepsDone % o.every === 0 || session.stepsDone === steps) await evaluate();
    }
  } finally {
    session.dispose();
  }
  const start = evals[0].passAt1;
  return {
    preset: o.preset,
    prompts: o.prompts,
    samples: config.eval_samples,
    every: o.every,
    start,
    final: evals[evals.length - 1].passAt1,
    plus20: crossing(evals, start + 0.2),
    eighty: crossing(evals, 0.8),
    evals,
    setupSeconds,
    evalSeconds,
    trainSeconds,
    profile: stepProfile(stepRows),
  };
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const when = (c: Crossing | null) =>
  c ? `step ${c.steps}, ${c.seconds.toFixed(1)} s of step time` : 'not reached';

/** The report as the lines `tabrl bench --learning` prints. */
export function formatLearningReport(r: LearningReport, adapter: string): string {
  return [
    `time to learn: preset ${r.preset} on ${adapter}`,
    `held-out pass@1 on ${r.prompts} prompts x ${r.samples} samples (T as the run), evaluated at step 0 and every ${r.every} steps`,
    `start ${pct(r.start)}, final ${pct(r.final)} after ${r.evals[r.evals.length - 1].steps} steps`,
    `+20 points (${pct(r.start + 0.2)}): ${when(r.plus20)}`,
    `80%: ${when(r.eighty)}`,
    `apart: setup ${r.setupSeconds.toFixed(1)} s, evaluations ${r.evalSeconds.toFixed(1)} s; steps ${r.trainSeconds.toFixed(1)} s in all`,
    ...formatProfile(r.profile),
  ].join('\n');
}

/** The step profile as lines: GFLOP/s achieved, then per phase seconds, GFLOP, dispatches, submissions, readbacks. */
export function formatProfile(p: StepProfile): string[] {
  if (!p) return [];
  const lines = [
    `a step: ${(p.flops / 1e9).toFixed(3)} GFLOP counted, ${p.gflopsPerSecond.toFixed(2)} GFLOP/s achieved`,
  ];
  for (const name of ['generate', 'reference', 'train'] as const) {
    const ph = p.phases[name];
    if (ph.seconds === 0 && ph.dispatches === 0) continue;
    lines.push(
      `  ${name}: ${ph.seconds.toFixed(3)} s, ${(ph.flops / 1e9).toFixed(3)} GFLOP (${(ph.flops / 1e9 / Math.max(ph.seconds, 1e-9)).toFixed(2)} GFLOP/s), ` +
        `${ph.dispatches.toFixed(0)} dispatches, ${ph.submits.toFixed(1)} submissions, ${ph.readbacks.toFixed(1)} readbacks`,
    );
  }
  return lines;
}
