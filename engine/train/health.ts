/**
 * Health notices: the failures people hit in practice, read off a run's metrics rows, each said once
 * per run with what it means and what to change. The table below is the whole rule set (thresholds and
 * windows in one place, listed in docs/METRICS.md); the lab shows a notice, `tabrl train` prints it.
 * A rule fires when the mean of its metric over the last `window` rows that log it crosses `threshold`.
 */
import type { Algorithm } from '../config/schema.js';

export type HealthKind = 'no_gradient' | 'truncated' | 'entropy_collapse' | 'kl_blowup' | 'update_refused';

export interface HealthRule {
  kind: HealthKind;
  metric: string;
  /** Rows (that log the metric) whose mean is compared. */
  window: number;
  threshold: number;
  /** Fires when the mean is at or above (`above`) or below (`below`) the threshold. */
  when: 'above' | 'below';
  /** Algorithms the rule speaks for (a group with one reward teaches nothing under group baselines only). */
  algorithms: readonly Algorithm[];
  title: string;
  /** What it means and what to change, for a person. */
  text: string;
}

const SAMPLING: readonly Algorithm[] = ['grpo', 'dr_grpo', 'dapo', 'rloo', 'reinforce', 'ppo', 'rft'];
const GROUP_BASELINES: readonly Algorithm[] = ['grpo', 'dr_grpo', 'dapo', 'rloo'];
const EVERY: readonly Algorithm[] = [...SAMPLING, 'sft'];

export const HEALTH_RULES: readonly HealthRule[] = [
  {
    kind: 'no_gradient',
    metric: 'frac_reward_zero_std',
    window: 5,
    threshold: 0.9,
    when: 'above',
    algorithms: GROUP_BASELINES,
    title: 'Every group agrees: almost nothing to learn',
    text: 'In 90% or more of the prompts all answers got the same reward, so their advantages are zero and they give no gradient. Make the task easier or the reward more graded (add char_match), sample more answers per prompt (num_generations), or turn on dynamic_sampling.',
  },
  {
    kind: 'truncated',
    metric: 'completions/clipped_ratio',
    window: 5,
    threshold: 0.5,
    when: 'above',
    algorithms: SAMPLING,
    title: 'Answers are cut off by the length limit',
    text: 'Half or more of the answers hit max_completion_length before ending, so they are scored unfinished. Raise max_completion_length, or set mask_truncated_completions so cut answers do not count.',
  },
  {
    kind: 'entropy_collapse',
    metric: 'entropy',
    window: 5,
    threshold: 0.02,
    when: 'below',
    algorithms: SAMPLING,
    title: 'Entropy collapsed: the model stopped exploring',
    text: 'The sampled tokens average under 0.02 nats of entropy, so the answers to a prompt are nearly all the same and groups stop differing. Raise temperature, add entropy_coef, lower learning_rate, or use a wider upper clip (epsilon_high, as DAPO).',
  },
  {
    kind: 'kl_blowup',
    metric: 'kl',
    window: 3,
    threshold: 1,
    when: 'above',
    algorithms: SAMPLING,
    title: 'KL to the reference is blowing up',
    text: 'The policy has drifted more than 1 nat per token from where RL started: its answers may no longer resemble the warm start, and reward hacking is likely. Lower learning_rate or raise beta.',
  },
  {
    kind: 'update_refused',
    metric: 'update_skipped',
    window: 1,
    threshold: 1,
    when: 'above',
    algorithms: EVERY,
    title: 'An update was refused: the loss was NaN or infinite',
    text: 'A step produced a non-finite loss or gradient, so its update was skipped and the weights are unchanged. Lower learning_rate or max_grad_norm; if it repeats, Reset the run.',
  },
];

export interface HealthNotice {
  kind: HealthKind;
  step: number;
  title: string;
  text: string;
  /** The window's mean that crossed the threshold. */
  value: number;
}

/** The rule's window mean at the end of `rows`, or null when fewer than `window` rows log its metric. */
function windowMean(rows: readonly Record<string, unknown>[], rule: HealthRule): number | null {
  const values: number[] = [];
  for (let i = rows.length - 1; i >= 0 && values.length < rule.window; i--) {
    const v = rows[i][rule.metric];
    if (typeof v === 'number' && Number.isFinite(v)) values.push(v);
  }
  if (values.length < rule.window) return null;
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/**
 * Watches one run: `push` takes each new metrics row and returns the notices that fire for the first
 * time in this run. `seen` is exposed so a resumed run can start with what it already said.
 */
export class HealthMonitor {
  private readonly rows: Record<string, unknown>[] = [];
  readonly seen = new Set<HealthKind>();

  /**
   * `stageAlgorithms`: a staged run's algorithm per stage; a row with `stage` is judged by the rules
   * of its stage's algorithm (an SFT stage then a GRPO stage gets GRPO's notices in the second).
   */
  constructor(
    private readonly algorithm: Algorithm,
    private readonly stageAlgorithms: readonly Algorithm[] = [],
  ) {}

  push(row: Record<string, unknown>): HealthNotice[] {
    this.rows.push(row);
    const out: HealthNotice[] = [];
    const algorithm =
      (typeof row.stage === 'number' ? this.stageAlgorithms[row.stage] : undefined) ?? this.algorithm;
    for (const rule of HEALTH_RULES) {
      if (this.seen.has(rule.kind) || !rule.algorithms.includes(algorithm)) continue;
      const mean = windowMean(this.rows, rule);
      if (mean === null) continue;
      const fires = rule.when === 'above' ? mean >= rule.threshold : mean < rule.threshold;
      if (!fires) continue;
      this.seen.add(rule.kind);
      out.push({ kind: rule.kind, step: Number(row.step), title: rule.title, text: rule.text, value: mean });
    }
    return out;
  }
}

/** Every notice a whole run's rows raise, in order (the CLI's summary, tests). */
export function healthNotices(
  rows: readonly Record<string, unknown>[],
  algorithm: Algorithm,
): HealthNotice[] {
  const monitor = new HealthMonitor(algorithm);
  return rows.flatMap((r) => monitor.push(r));
}
