/**
 * Prefix sampling (docs/ALGORITHMS.md "Prefix sampling (`prefix_sampling`), after Prefix-RFT"): which
 * completions of a group begin with a teacher-forced prefix of the gold completion, and how long it is.
 * Pure: the lengths come from a stream of the run's generator (`rng.split('prefix')` on the global step,
 * then the resampling round), so a resumed run draws what an uninterrupted one would; the caller forces
 * the tokens through the sampler (engine/model/gpu/generate.ts `forced`) and marks them for the loss.
 */
import type { RunConfig } from '../config/schema.js';
import type { Rng } from '../rl/random.js';

export type PrefixSampling = NonNullable<RunConfig['prefix_sampling']>;

/** m = min(⌈f·G⌉, G − 1): completions 0..m−1 of each group get a prefix (f·G rounded against float noise). */
export function prefixedPerGroup(fraction: number, groupSize: number): number {
  return Math.max(0, Math.min(Math.ceil(fraction * groupSize - 1e-9), groupSize - 1));
}

/**
 * b': the upper end of the ratio's range at step s of a stage of S steps. `none`: b; `cosine`:
 * a + (b − a)·½(1 + cos(π·s/S)), b at the stage's first step, falling towards a.
 */
export function prefixUpperRatio(o: PrefixSampling, s: number, S: number): number {
  if (o.decay === 'none') return o.max_ratio;
  return o.min_ratio + (o.max_ratio - o.min_ratio) * 0.5 * (1 + Math.cos((Math.PI * s) / Math.max(1, S)));
}

/** ℓ = min(⌊u·|gold|⌋, |gold| − 1, L_max − 1), never below 0 (|gold| without EOS). */
export function prefixLength(u: number, goldLength: number, maxCompletionLength: number): number {
  return Math.max(0, Math.min(Math.floor(u * goldLength), goldLength - 1, maxCompletionLength - 1));
}

/**
 * The prefix length of every completion, [P·G] in group order: for each prompt, completions
 * 0..m−1 draw u ~ U[a, b'] (one `rng.next()` each, prompt by prompt) and get ℓ(u); the rest get 0.
 */
export function drawPrefixLengths(
  o: PrefixSampling,
  groupSize: number,
  goldLengths: readonly number[],
  maxCompletionLength: number,
  stageStep: number,
  stageSteps: number,
  rng: Rng,
): number[] {
  const m = prefixedPerGroup(o.fraction, groupSize);
  const a = o.min_ratio;
  const b = prefixUpperRatio(o, stageStep, stageSteps);
  const out: number[] = [];
  for (const gold of goldLengths) {
    for (let i = 0; i < groupSize; i++) {
      if (i >= m) {
        out.push(0);
        continue;
      }
      const u = a + (b - a) * rng.next();
      out.push(prefixLength(u, gold, maxCompletionLength));
    }
  }
  return out;
}

/**
 * `prefix/fraction`: share of completions with ℓ > 0; `prefix/mean_ratio`: mean ℓ/|gold| over them
 * (0 when none has a prefix).
 */
export function prefixMetrics(
  rows: readonly { prefixLength?: number; goldLength?: number }[],
): Record<'prefix/fraction' | 'prefix/mean_ratio', number> {
  const prefixed = rows.filter((r) => (r.prefixLength ?? 0) > 0);
  const ratio = prefixed.reduce((s, r) => s + (r.prefixLength ?? 0) / (r.goldLength ?? 1), 0);
  return {
    'prefix/fraction': rows.length ? prefixed.length / rows.length : 0,
    'prefix/mean_ratio': prefixed.length ? ratio / prefixed.length : 0,
  };
}

/** [B·L] 1 on the forced prefix tokens (the first ℓ completion positions of each row), else 0; null when none. */
export function prefixMask(rows: readonly { prefixLength?: number }[], L: number): Float64Array | null {
  if (!rows.some((r) => (r.prefixLength ?? 0) > 0)) return null;
  const out = new Float64Array(rows.length * L);
  rows.forEach((r, b) => {
    for (let t = 0; t < (r.prefixLength ?? 0); t++) out[b * L + t] = 1;
  });
  return out;
}
