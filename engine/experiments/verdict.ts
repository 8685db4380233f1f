/**
 * Verdicts of experiments (docs/EXPERIMENTS.md, "Verdicts"): the bootstrap standard error of a mean
 * over held-out prompts, and the rule that turns arm values and their errors into `reproduced`,
 * `not_reproduced` or `inconclusive`. Pure functions; the runner feeds them per-prompt values.
 */
import { createRng } from '../rl/random.js';

export const VERDICTS = ['reproduced', 'not_reproduced', 'inconclusive'] as const;
export type Verdict = (typeof VERDICTS)[number];

/** Resamples of the bootstrap; 1000 keeps the error's own noise near 2%. */
export const BOOTSTRAP_RESAMPLES = 1000;

export const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * The bootstrap standard error of mean(values): the sample standard deviation (divisor R − 1) of
 * the means of R resamples, each drawing values.length items with replacement from a seeded stream
 * (`createRng(seed).split('bootstrap')`), so a verdict replays. One value has no spread: 0.
 * Example: [0, 1] resampled gives means 0, 0.5 or 1 with probabilities ¼, ½, ¼, whose standard
 * deviation is √(1/8) ≈ 0.354 (the plug-in error σ/√n = 0.5/√2 is the same number).
 */
export function bootstrapStderr(
  values: readonly number[],
  seed: number,
  resamples = BOOTSTRAP_RESAMPLES,
): number {
  if (values.length === 0) throw new Error('bootstrapStderr: no values');
  if (!(Number.isInteger(resamples) && resamples >= 2))
    throw new Error(`bootstrapStderr: resamples must be an integer >= 2 (got ${resamples})`);
  const n = values.length;
  if (n === 1) return 0;
  const rng = createRng(seed).split('bootstrap');
  const means = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += values[rng.int(0, n - 1)];
    means[r] = sum / n;
  }
  const m = mean(Array.from(means));
  let ss = 0;
  for (const x of means) ss += (x - m) ** 2;
  return Math.sqrt(ss / (resamples - 1));
}

/** An arm's value on the judging metric and its standard error. */
export interface ArmValue {
  value: number;
  stderr: number;
}

/**
 * Two arms, claim "a > b" (direction +1) or "a < b" (−1): `inconclusive` when
 * |a − b| < 2·sqrt(se_a² + se_b²), else `reproduced` when sign(a − b) is the claimed direction, else
 * `not_reproduced`. Example: a 0.31 ± 0.03, b 0.20 ± 0.04, claim a > b: 0.11 ≥ 2·0.05, reproduced;
 * with b 0.26 ± 0.04 the gap 0.05 < 0.10 is inconclusive.
 */
export function pairVerdict(a: ArmValue, b: ArmValue, direction: 1 | -1): Verdict {
  const diff = a.value - b.value;
  const bar = 2 * Math.sqrt(a.stderr ** 2 + b.stderr ** 2);
  if (!(Math.abs(diff) >= bar) || diff === 0) return 'inconclusive';
  return Math.sign(diff) === direction ? 'reproduced' : 'not_reproduced';
}

/**
 * A claim that the metric rises (direction +1) or falls (−1) along an ordered sweep of arms:
 * `not_reproduced` when any adjacent pair, or the two ends, differ beyond two errors against the
 * claimed direction; else `reproduced` when the ends differ beyond two errors in the claimed
 * direction; else `inconclusive`. Adjacent steps within noise in either direction do not break a
 * trend. Example: 0.1, 0.2, 0.4 (± 0.01 each), rising: reproduced; 0.1, 0.4, 0.2 (± 0.01): the
 * step 0.4 → 0.2 goes the wrong way beyond 2·√2·0.01, not reproduced.
 */
export function sweepVerdict(arms: readonly ArmValue[], direction: 1 | -1): Verdict {
  if (arms.length < 2) throw new Error(`sweepVerdict: need at least 2 arms (got ${arms.length})`);
  const pairs: [ArmValue, ArmValue][] = arms.slice(1).map((b, i) => [b, arms[i]]);
  const ends = pairVerdict(arms[arms.length - 1], arms[0], direction);
  if (ends === 'not_reproduced') return 'not_reproduced';
  if (pairs.some(([b, a]) => pairVerdict(b, a, direction) === 'not_reproduced')) return 'not_reproduced';
  return ends;
}

/**
 * A claim that arm `a` lies above (direction +1) or below (−1) every one of `others`: `pairVerdict`
 * against each; `not_reproduced` when any goes the wrong way beyond two errors, else `reproduced`
 * when every one is reproduced, else `inconclusive`. Example: a 0.5, others 0.3 and 0.45 (± 0.01
 * each), claim above: 0.2 and 0.05 both ≥ 2·√2·0.01, reproduced; with 0.49 the second is
 * inconclusive, so the claim is.
 */
export function bestVerdict(a: ArmValue, others: readonly ArmValue[], direction: 1 | -1): Verdict {
  if (others.length < 1) throw new Error('bestVerdict: need at least one other arm');
  const each = others.map((b) => pairVerdict(a, b, direction));
  if (each.includes('not_reproduced')) return 'not_reproduced';
  return each.every((v) => v === 'reproduced') ? 'reproduced' : 'inconclusive';
}
