/**
 * An experiment as data (docs/EXPERIMENTS.md): a claim from a paper, the arms that test it, the
 * metric that judges it and the direction claimed. Trained arms hold a RunConfig fragment (which may
 * later hold `stages`); eval-only arms reuse a trained arm's weights. Nothing here runs anything:
 * engine/experiments/runner.ts does, through an executor the CLI provides.
 */
import type { PartialRunConfig } from '../config/resolve.js';
import type { PaperKey } from '../papers.js';

export const SCALES = ['quick', 'full'] as const;
export type Scale = (typeof SCALES)[number];

/** An arm that trains: the experiment's base config, then the scale's, then these overrides. */
export interface TrainedArm {
  label: string;
  config: PartialRunConfig;
  /** Per-scale overrides on top of `config` (e.g. how many of the steps are SFT warm-up). */
  scales?: Partial<Record<Scale, PartialRunConfig>>;
}

/**
 * Eval-only: the weights (1 − α)·θ_0 + α·θ_from, θ_0 the `from` arm's starting weights and θ_from
 * its final ones (engine/model/interpolate.ts), evaluated with the `from` arm's config.
 */
export interface InterpolatedArm {
  label: string;
  from: string;
  interpolate: number;
}

/**
 * Eval-only: the `from` arm's final policy evaluated with `guidance_weight` w (docs/ALGORITHMS.md,
 * "Guidance at inference"), θ_ref being the `from` arm's starting weights.
 */
export interface GuidedArm {
  label: string;
  from: string;
  guidance_weight: number;
}

export type Arm = TrainedArm | InterpolatedArm | GuidedArm;

export function armKind(arm: Arm): 'trained' | 'interpolated' | 'guided' {
  if ('config' in arm) return 'trained';
  if ('interpolate' in arm) return 'interpolated';
  return 'guided';
}

/**
 * How the claim is judged (engine/experiments/verdict.ts): two arms, `a` above (direction +1) or
 * below (−1) `b`; a sweep, the metric rising (+1) or falling (−1) along `arms` in order; or `a`
 * above (below) every one of `others` ("beats both baselines").
 */
export type Judge =
  | { kind: 'pair'; a: string; b: string; direction: 1 | -1 }
  | { kind: 'sweep'; arms: readonly string[]; direction: 1 | -1 }
  | { kind: 'best'; a: string; others: readonly string[]; direction: 1 | -1 };

/** The arms a judge reads. */
export function judgedArms(judge: Judge): readonly string[] {
  switch (judge.kind) {
    case 'pair':
      return [judge.a, judge.b];
    case 'sweep':
      return judge.arms;
    case 'best':
      return [judge.a, ...judge.others];
    default:
      return judge satisfies never;
  }
}

export interface Experiment {
  name: string;
  /** The claim, one sentence. */
  claim: string;
  papers: readonly PaperKey[];
  /** The metric judged: an `eval/*` key of a held-out evaluation of each arm's final policy, or with
   * `source: 'train'` a logged training metric (its mean over the second half of the arm's steps). */
  metric: string;
  /** Where `metric` is read: `eval` (default) or `train` (trained arms only). */
  source?: 'eval' | 'train';
  judge: Judge;
  /** Shared by every trained arm (full scale). */
  base: PartialRunConfig;
  /** Steps per trained arm and overrides, per scale (quick also gets QUICK_SCALE). */
  scales: Record<Scale, { steps: number; config?: PartialRunConfig }>;
  arms: readonly Arm[];
}

/**
 * The `expected` string of verdict.json: "a > b", "a < b", "a < b < c" for a rising sweep, or
 * "a > b, c" for an arm above every other.
 */
export function expectedText(judge: Judge): string {
  if (judge.kind === 'pair') return `${judge.a} ${judge.direction > 0 ? '>' : '<'} ${judge.b}`;
  if (judge.kind === 'best')
    return `${judge.a} ${judge.direction > 0 ? '>' : '<'} ${judge.others.join(', ')}`;
  return judge.arms.join(judge.direction > 0 ? ' < ' : ' > ');
}
