/**
 * Runs an experiment (docs/EXPERIMENTS.md): trains every trained arm into its run folder, builds the
 * eval-only arms from them, evaluates each arm's final policy on the held-out prompts, and judges the
 * claim. Files, the GPU and the clock are the executor's (the CLI's, in cli/commands/experiment.ts),
 * so this module stays free of Node and testable with a fake.
 */
import { parseRunConfig } from '../config/resolve.js';
import type { RunConfig } from '../config/schema.js';
import { QUICK_SCALE } from './registry.js';
import {
  type Arm,
  armKind,
  type Experiment,
  expectedText,
  type GuidedArm,
  type InterpolatedArm,
  type Scale,
  type TrainedArm,
} from './types.js';
import { bestVerdict, bootstrapStderr, pairVerdict, sweepVerdict, type Verdict } from './verdict.js';

/** What an evaluation of one policy gives: the metrics and each one's per-prompt values. */
export interface ArmEvaluation {
  metrics: Record<string, number>;
  perPrompt: Record<string, number[]>;
}

export interface ExperimentExecutor {
  /**
   * Trains `config` for `steps` steps into run folder `dir` (steps 0: only its starting checkpoint);
   * returns the metrics rows it logged.
   */
  train(label: string, config: RunConfig, dir: string, steps: number): Promise<Record<string, unknown>[]>;
  /** The run folder's final checkpoint folder. */
  checkpointOf(runDir: string): string;
  /** Writes (1 − α)·start + α·final, both checkpoint folders, as an HF folder `outDir`. */
  interpolate(startCheckpoint: string, finalCheckpoint: string, alpha: number, outDir: string): Promise<void>;
  /**
   * Evaluates the checkpoint folder `modelDir` under `config`'s task, seed and eval settings; with
   * `guidance_weight` ≠ 1, `reference` is the checkpoint folder of θ_ref.
   */
  evaluate(label: string, modelDir: string, config: RunConfig, reference?: string): Promise<ArmEvaluation>;
  /** `dir/name`. */
  join(dir: string, name: string): string;
  /** Seconds since some fixed origin. */
  now(): number;
}

/** verdict.json, exactly these fields (docs/EXPERIMENTS.md). */
export interface VerdictFile {
  name: string;
  claim: string;
  metric: string;
  expected: string;
  arms: Record<string, number>;
  stderr: Record<string, number>;
  verdict: Verdict;
  seed: number;
  commit: string;
  adapter: string;
}

/** One row of the printed table (and of DIR/arms.json). */
export interface ArmRow {
  label: string;
  kind: ReturnType<typeof armKind>;
  value: number;
  stderr: number;
  /** Training steps of the arm (an eval-only arm: those of the arm it reuses). */
  steps: number;
  /** Wall seconds of its training and evaluation (an eval-only arm: interpolation and evaluation). */
  seconds: number;
  /** Held-out prompts its evaluation scored. */
  prompts: number;
  /**
   * Every metric of its final evaluation (the judged one, the task's other `eval/*` keys and each
   * `eval_tasks` entry's), so arms.json shows e.g. the new-task gain beside the old-task metric
   * judged; absent for an arm judged on a training metric.
   */
  evaluation?: Record<string, number>;
}

export interface ExperimentResult {
  verdict: VerdictFile;
  rows: ArmRow[];
}

/** A trained arm's RunConfig at a scale: base, QUICK_SCALE (quick only), the scale's, the arm's, its scale's. */
export function armConfig(e: Experiment, arm: TrainedArm, scale: Scale, seed: number): RunConfig {
  const s = e.scales[scale];
  const partial = {
    ...e.base,
    ...(scale === 'quick' ? QUICK_SCALE : {}),
    ...s.config,
    ...arm.config,
    ...arm.scales?.[scale],
    max_steps: s.steps,
    seed,
  };
  const r = parseRunConfig(partial);
  if (!r.ok) throw new Error(`experiment ${e.name}, arm ${arm.label} (${scale}): ${r.errors.join('; ')}`);
  return r.config;
}

/**
 * A training metric's per-step values for judging: the rows of the second half of training
 * (step >= ⌊steps/2⌋, at least the last row) that log it, as numbers. The bootstrap over these steps
 * treats them as independent, which neighbouring steps are not, so its error is a lower bound.
 */
export function trainingValues(
  rows: readonly Record<string, unknown>[],
  metric: string,
  steps: number,
): number[] {
  const from = Math.min(Math.floor(steps / 2), Math.max(0, steps - 1));
  return rows
    .filter((r) => typeof r.step === 'number' && r.step >= from && typeof r[metric] === 'number')
    .map((r) => r[metric] as number);
}

/** The verdict of the claim from each arm's value and error. */
export function judge(
  e: Experiment,
  values: Record<string, number>,
  errors: Record<string, number>,
): Verdict {
  const v = (label: string) => ({ value: values[label], stderr: errors[label] });
  const j = e.judge;
  switch (j.kind) {
    case 'pair':
      return pairVerdict(v(j.a), v(j.b), j.direction);
    case 'sweep':
      return sweepVerdict(j.arms.map(v), j.direction);
    case 'best':
      return bestVerdict(v(j.a), j.others.map(v), j.direction);
    default:
      return j satisfies never;
  }
}

export interface RunExperimentOptions {
  experiment: Experiment;
  scale: Scale;
  seed: number;
  outDir: string;
  commit: string;
  adapter: string;
  executor: ExperimentExecutor;
  /** Called as each arm finishes. */
  onArm?: (row: ArmRow) => void;
}

export async function runExperiment(o: RunExperimentOptions): Promise<ExperimentResult> {
  const { experiment: e, executor: x } = o;
  const trained = e.arms.filter((a): a is TrainedArm => armKind(a) === 'trained');
  const configs = new Map(trained.map((a) => [a.label, armConfig(e, a, o.scale, o.seed)]));
  const reused = new Set(e.arms.flatMap((a) => ('from' in a ? [a.from] : [])));
  const steps = e.scales[o.scale].steps;
  const rows: ArmRow[] = [];
  const evaluated = async (arm: Arm, modelDir: string, config: RunConfig, t0: number, reference?: string) => {
    const ev = await x.evaluate(arm.label, modelDir, config, reference);
    const per = ev.perPrompt[e.metric];
    if (ev.metrics[e.metric] === undefined || !per?.length)
      throw new Error(`experiment ${e.name}, arm ${arm.label}: its evaluation has no ${e.metric}`);
    const row: ArmRow = {
      label: arm.label,
      kind: armKind(arm),
      value: ev.metrics[e.metric],
      stderr: bootstrapStderr(per, o.seed),
      steps,
      seconds: x.now() - t0,
      prompts: per.length,
      evaluation: ev.metrics,
    };
    rows.push(row);
    o.onArm?.(row);
  };
  const fromTraining = (arm: Arm, logged: Record<string, unknown>[], t0: number) => {
    const values = trainingValues(logged, e.metric, steps);
    if (values.length === 0)
      throw new Error(
        `experiment ${e.name}, arm ${arm.label}: no step of the second half of training logged ${e.metric}`,
      );
    const row: ArmRow = {
      label: arm.label,
      kind: armKind(arm),
      value: values.reduce((a, b) => a + b, 0) / values.length,
      stderr: bootstrapStderr(values, o.seed),
      steps,
      seconds: x.now() - t0,
      prompts: 0,
    };
    rows.push(row);
    o.onArm?.(row);
  };
  for (const arm of trained) {
    const config = configs.get(arm.label) as RunConfig;
    const t0 = x.now();
    const dir = x.join(o.outDir, arm.label);
    // θ_0 of an arm that eval-only arms interpolate from: the same config, saved before its first step
    if (reused.has(arm.label)) await x.train(`${arm.label} (start)`, config, startDir(x, o.outDir, arm), 0);
    const logged = await x.train(arm.label, config, dir, steps);
    if (e.source === 'train') fromTraining(arm, logged, t0);
    else await evaluated(arm, x.checkpointOf(dir), config, t0);
  }
  for (const arm of e.arms) {
    const kind = armKind(arm);
    if (kind === 'trained') continue;
    if (kind === 'guided') {
      const g = arm as GuidedArm;
      const from = trained.find((t) => t.label === g.from) as TrainedArm;
      const config = { ...(configs.get(from.label) as RunConfig), guidance_weight: g.guidance_weight };
      const reference = x.checkpointOf(startDir(x, o.outDir, from));
      await evaluated(arm, x.checkpointOf(x.join(o.outDir, from.label)), config, x.now(), reference);
      continue;
    }
    const a = arm as InterpolatedArm;
    const from = trained.find((t) => t.label === a.from) as TrainedArm;
    const t0 = x.now();
    const out = x.join(o.outDir, a.label);
    await x.interpolate(
      x.checkpointOf(startDir(x, o.outDir, from)),
      x.checkpointOf(x.join(o.outDir, from.label)),
      a.interpolate,
      out,
    );
    await evaluated(arm, out, configs.get(from.label) as RunConfig, t0);
  }
  const order = e.arms.map((a) => a.label);
  rows.sort((a, b) => order.indexOf(a.label) - order.indexOf(b.label));
  const arms = Object.fromEntries(rows.map((r) => [r.label, r.value]));
  const stderr = Object.fromEntries(rows.map((r) => [r.label, r.stderr]));
  return {
    verdict: {
      name: e.name,
      claim: e.claim,
      metric: e.metric,
      expected: expectedText(e.judge),
      arms,
      stderr,
      verdict: judge(e, arms, stderr),
      seed: o.seed,
      commit: o.commit,
      adapter: o.adapter,
    },
    rows,
  };
}

function startDir(x: ExperimentExecutor, outDir: string, arm: TrainedArm): string {
  return x.join(outDir, `${arm.label}.start`);
}
