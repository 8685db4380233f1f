/**
 * Which charts the lab shows for a run: a default set chosen by the run's algorithm (one exhaustive
 * switch, so a new algorithm cannot be added without deciding its charts), presenter mode's few, and
 * a chart for any other metric a run logs, for the "More charts" picker. Every metric a card, the
 * teacher's guide or a notice names is on one of these charts when it is logged.
 */
import type { Algorithm } from '../../../engine/config/schema.js';
import type { ChartSpec } from './glossary.js';

const FRACTION: [number, number] = [0, 1];

/** Every named chart, by title. */
const SPECS = {
  reward: { title: 'reward', metrics: ['reward'], band: 'reward_std' },
  pass1: { title: 'eval/pass@1', metrics: ['eval/pass@1'], domain: FRACTION },
  passK: {
    title: 'eval/pass@k',
    metrics: ['eval/pass@1', 'eval/pass@2', 'eval/pass@4', 'eval/pass@8'],
    domain: FRACTION,
    startLines: true,
  },
  greedy: { title: 'eval/greedy', metrics: ['eval/greedy'], domain: FRACTION },
  evalReward: { title: 'eval/reward', metrics: ['eval/reward'] },
  entropy: { title: 'entropy', metrics: ['entropy'] },
  kl: { title: 'kl', metrics: ['kl'] },
  loss: { title: 'loss', metrics: ['loss'] },
  valueLoss: { title: 'value_loss', metrics: ['value_loss'] },
  anchorKl: { title: 'sft/anchor_kl', metrics: ['sft/anchor_kl'] },
  selfFraction: { title: 'sft/self_fraction', metrics: ['sft/self_fraction'], domain: FRACTION },
  freezeFraction: { title: 'freeze/fraction', metrics: ['freeze/fraction'], domain: FRACTION },
  clip: {
    title: 'clip ratios',
    metrics: ['clip_ratio/low_mean', 'clip_ratio/high_mean', 'clip_ratio/region_mean'],
    domain: FRACTION,
  },
  length: {
    title: 'completions/mean_length',
    metrics: ['completions/mean_length', 'completions/incorrect_mean_length'],
  },
  clipped: { title: 'completions/clipped_ratio', metrics: ['completions/clipped_ratio'], domain: FRACTION },
  distinct: {
    title: 'completions/distinct_fraction',
    metrics: ['completions/distinct_fraction'],
    domain: FRACTION,
  },
  zeroStd: { title: 'frac_reward_zero_std', metrics: ['frac_reward_zero_std'], domain: FRACTION },
  dynamic: { title: 'dynamic_sampling/groups_kept', metrics: ['dynamic_sampling/groups_kept'] },
  keptReward: {
    title: 'reward sampled vs kept',
    metrics: ['reward', 'dynamic_sampling/kept_reward'],
  },
  rftKept: {
    title: 'rft/kept_fraction',
    metrics: ['rft/kept_fraction', 'rft/prompts_with_kept'],
    domain: FRACTION,
  },
  relift: {
    title: 'relift: buffered prompts and SFT updates',
    metrics: ['relift/buffer', 'relift/sft_steps'],
  },
  reliftLoss: { title: 'relift/sft_loss', metrics: ['relift/sft_loss'] },
  prefix: {
    title: 'prefix sampling: completions with a gold prefix, and its share',
    metrics: ['prefix/fraction', 'prefix/mean_ratio'],
    domain: FRACTION,
  },
  gradNorm: { title: 'grad_norm', metrics: ['grad_norm'] },
  lr: { title: 'learning_rate', metrics: ['learning_rate'] },
  speed: { title: 'tokens_per_second', metrics: ['tokens_per_second'] },
} satisfies Record<string, ChartSpec>;

/** The charts a run of `algorithm` opens with, in order. */
export function defaultCharts(algorithm: Algorithm): ChartSpec[] {
  const S = SPECS;
  const evals = [S.pass1, S.passK, S.greedy];
  const tail = [S.gradNorm, S.lr, S.speed];
  switch (algorithm) {
    case 'grpo':
    case 'dr_grpo':
    case 'rloo':
    case 'reinforce':
      return [
        S.reward,
        ...evals,
        S.entropy,
        S.kl,
        S.loss,
        S.clip,
        S.length,
        S.clipped,
        S.distinct,
        S.zeroStd,
        ...tail,
      ];
    case 'dapo':
      return [
        S.reward,
        ...evals,
        S.dynamic,
        S.keptReward,
        S.zeroStd,
        S.entropy,
        S.clip,
        S.length,
        S.clipped,
        S.distinct,
        S.loss,
        ...tail,
      ];
    case 'ppo':
      return [
        S.reward,
        ...evals,
        S.valueLoss,
        S.kl,
        S.entropy,
        S.loss,
        S.clip,
        S.length,
        S.clipped,
        S.distinct,
        ...tail,
      ];
    case 'rft':
      return [S.reward, ...evals, S.rftKept, S.entropy, S.loss, S.anchorKl, S.length, S.distinct, ...tail];
    case 'sft':
      return [S.loss, S.anchorKl, S.selfFraction, ...evals, S.evalReward, ...tail];
    default:
      return algorithm satisfies never;
  }
}

/**
 * Charts an option adds to its run's set, whatever the algorithm: `freeze/fraction` under `freeze`,
 * `sft/self_fraction` under `sft_targets: self_when_correct` (the `sft_steps` warm-up of an RL run),
 * `prefix/fraction` and `prefix/mean_ratio` under `prefix_sampling`.
 */
export function optionCharts(config: unknown): ChartSpec[] {
  const c = (config ?? {}) as {
    freeze?: unknown;
    sft_targets?: unknown;
    algorithm?: unknown;
    relift?: unknown;
    prefix_sampling?: unknown;
  };
  const out: ChartSpec[] = [];
  if (c.freeze) out.push(SPECS.freezeFraction);
  if (c.relift) out.push(SPECS.relift, SPECS.reliftLoss);
  if (c.prefix_sampling) out.push(SPECS.prefix);
  if (c.sft_targets === 'self_when_correct' && c.algorithm !== 'sft') out.push(SPECS.selfFraction);
  return out;
}

/**
 * `charts` with each eval_tasks label's `eval/<label>/pass@1` drawn beside `eval/pass@1` (a run that
 * keeps measuring an earlier task while it trains another); `charts` itself without labels.
 */
export function withEvalTasks(charts: ChartSpec[], labels: readonly string[]): ChartSpec[] {
  if (labels.length === 0) return charts;
  return charts.map((c) =>
    c.title === SPECS.pass1.title
      ? { ...c, metrics: [...c.metrics, ...labels.map((l) => `eval/${l}/pass@1`)] }
      : c,
  );
}

/** Presenter mode: the few charts a room can follow. */
export function presenterCharts(algorithm: Algorithm): ChartSpec[] {
  const first = algorithm === 'sft' ? SPECS.loss : SPECS.reward;
  return [first, SPECS.passK, SPECS.entropy, algorithm === 'ppo' ? SPECS.valueLoss : SPECS.kl];
}

/** Keys that are never charted on their own (the band of reward, the step and stage counters; stages are marked on every chart). */
const NOT_CHARTED = new Set(['step', 'stage', 'reward_std']);

/** A one-metric chart for a logged key, for the picker (named charts keep their own settings). */
export function chartForMetric(metric: string): ChartSpec {
  const named = Object.values(SPECS).find((s) => s.metrics.length === 1 && s.metrics[0] === metric);
  return named ?? { title: metric, metrics: [metric] };
}

/** Numeric keys the runs log that none of `shown` draws: what "More charts" offers, sorted. */
export function moreChartChoices(
  rows: readonly Record<string, unknown>[],
  shown: readonly ChartSpec[],
): string[] {
  const drawn = new Set(shown.flatMap((s) => [...s.metrics, ...(s.band ? [s.band] : [])]));
  const keys = new Set<string>();
  for (const row of rows)
    for (const [k, v] of Object.entries(row))
      if (typeof v === 'number' && !drawn.has(k) && !NOT_CHARTED.has(k)) keys.add(k);
  return [...keys].sort();
}
