/**
 * Generalised advantage estimation for PPO with a value head (ReFT 2401.08967, docs/ALGORITHMS.md "PPO").
 * Token rewards are -beta*k1 per token plus the task reward on the last completion token; the value
 * after the last token is 0 even for truncated completions (TabRL's choice: no bootstrap).
 * Whitening follows TRL's masked_whiten: unbiased variance, (A - mean) / sqrt(var + 1e-8).
 */

export interface GaeInput {
  /** [B*L] per-token rewards, 0 outside the mask. */
  tokenRewards: ArrayLike<number>;
  /** [B*L] value predictions V_t at each completion position. */
  values: ArrayLike<number>;
  /** [B*L] 1 on completion tokens (EOS included), 0 on padding; each row's tokens are a prefix. */
  mask: ArrayLike<number>;
  /** Rows B; L = length / rows. */
  rows: number;
  gamma: number;
  lam: number;
  /** Whiten the advantages over all completion tokens of the step (default true). */
  whiten?: boolean;
}

/**
 * Example (one row, 2 tokens, gamma 1, lam 0.95, no whitening): r = [0, 1], V = [0.5, 0.8]:
 * delta_1 = 1 + 0 - 0.8 = 0.2, A_1 = 0.2; delta_0 = 0 + 0.8 - 0.5 = 0.3, A_0 = 0.3 + 0.95*0.2 = 0.49;
 * returns R = A + V = [0.99, 1.0].
 */
export function gaeAdvantages(input: GaeInput): { advantages: Float64Array; returns: Float64Array } {
  const { tokenRewards, values, mask, rows, gamma, lam } = input;
  const n = mask.length;
  if (tokenRewards.length !== n || values.length !== n || n % rows !== 0) {
    throw new Error(
      `gae: lengths differ or not a multiple of rows (${tokenRewards.length}, ${values.length}, ${n}, rows ${rows})`,
    );
  }
  const L = n / rows;
  const advantages = new Float64Array(n);
  const returns = new Float64Array(n);
  for (let b = 0; b < rows; b++) {
    let nextValue = 0;
    let nextAdv = 0;
    for (let t = L - 1; t >= 0; t--) {
      const k = b * L + t;
      if (!mask[k]) continue;
      const delta = tokenRewards[k] + gamma * nextValue - values[k];
      const a = delta + gamma * lam * nextAdv;
      advantages[k] = a;
      returns[k] = a + values[k];
      nextValue = values[k];
      nextAdv = a;
    }
  }
  if (input.whiten ?? true) whitenMasked(advantages, mask);
  return { advantages, returns };
}

/** In place: (x - mean) / sqrt(var_unbiased + 1e-8) over masked entries; others stay 0. */
export function whitenMasked(x: Float64Array, mask: ArrayLike<number>): void {
  let count = 0;
  let sum = 0;
  for (let i = 0; i < x.length; i++) {
    if (mask[i]) {
      count++;
      sum += x[i];
    }
  }
  if (count === 0) return;
  const m = sum / count;
  let ss = 0;
  for (let i = 0; i < x.length; i++) if (mask[i]) ss += (x[i] - m) ** 2;
  const variance = count > 1 ? ss / (count - 1) : 0;
  const inv = 1 / Math.sqrt(variance + 1e-8);
  for (let i = 0; i < x.length; i++) x[i] = mask[i] ? (x[i] - m) * inv : 0;
}

/**
 * Per-token rewards for `gae`: -beta*k1_t on every completion token (k1 = lp - ref, whatever
 * kl_estimator says) plus the completion's task reward on its last token. ref may be omitted when beta = 0.
 */
export function gaeTokenRewards(
  rewards: ArrayLike<number>,
  mask: ArrayLike<number>,
  beta: number,
  lp?: ArrayLike<number>,
  ref?: ArrayLike<number>,
): Float64Array {
  const rows = rewards.length;
  const L = mask.length / rows;
  const out = new Float64Array(mask.length);
  for (let b = 0; b < rows; b++) {
    let last = -1;
    for (let t = 0; t < L; t++) {
      const k = b * L + t;
      if (!mask[k]) continue;
      last = k;
      if (beta !== 0) {
        if (!lp || !ref) throw new Error('gaeTokenRewards: beta != 0 needs lp and ref');
        out[k] = -beta * (lp[k] - ref[k]);
      }
    }
    if (last >= 0) out[last] += rewards[b];
  }
  return out;
}
