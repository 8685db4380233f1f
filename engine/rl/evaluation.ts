/**
 * Held-out evaluation metrics (docs/ALGORITHMS.md "Evaluation"): pass@1, the unbiased pass@k estimator
 * of Codex (2107.03374), greedy accuracy and mean reward, under the names the charts use.
 */

/**
 * Unbiased pass@k from n samples with c correct: 1 - prod_{j=n-c+1}^{n} (1 - k/j), 1 when n - c < k.
 * Example: n 4, c 1, k 2: 1 - (1 - 2/4) = 0.5 (= 1 - C(3,2)/C(4,2) = 1 - 3/6).
 */
export function passAtK(n: number, c: number, k: number): number {
  if (!(n >= k && k >= 1 && c >= 0 && c <= n))
    throw new Error(`passAtK: need 1 <= k <= n and 0 <= c <= n (got n ${n}, c ${c}, k ${k})`);
  if (n - c < k) return 1;
  let prod = 1;
  for (let j = n - c + 1; j <= n; j++) prod *= 1 - k / j;
  return 1 - prod;
}

export interface EvalPrompt {
  /** Rewards of the n sampled completions. */
  rewards: readonly number[];
  /** Whether each sampled completion is correct. */
  correct: readonly boolean[];
  /** Whether the greedy completion is correct. */
  greedyCorrect: boolean;
}

/** The k of `eval/pass@2`, `@4`, `@8` (docs/ALGORITHMS.md, "pass@k at several k"), each logged when k <= n. */
export const PASS_AT_KS = [2, 4, 8] as const;

export interface EvalMetrics {
  'eval/reward': number;
  'eval/pass@1': number;
  'eval/pass@k': number;
  'eval/greedy': number;
  'eval/pass@2'?: number;
  'eval/pass@4'?: number;
  'eval/pass@8'?: number;
}

export function evalMetrics(prompts: readonly EvalPrompt[], k: number): EvalMetrics {
  if (prompts.length === 0) throw new Error('evalMetrics: no prompts');
  let reward = 0;
  let rewardCount = 0;
  let pass1 = 0;
  let passK = 0;
  let greedy = 0;
  const n0 = prompts[0].correct.length;
  const ks = PASS_AT_KS.filter((j) => j <= n0);
  const passAt = ks.map(() => 0);
  for (const p of prompts) {
    const n = p.correct.length;
    if (n !== n0) throw new Error(`evalMetrics: every prompt needs the same n samples (got ${n0} and ${n})`);
    const c = p.correct.filter(Boolean).length;
    pass1 += c / n;
    passK += passAtK(n, c, k);
    ks.forEach((j, i) => {
      passAt[i] += passAtK(n, c, j);
    });
    greedy += p.greedyCorrect ? 1 : 0;
    for (const r of p.rewards) {
      reward += r;
      rewardCount++;
    }
  }
  const P = prompts.length;
  const metrics: EvalMetrics = {
    'eval/reward': rewardCount ? reward / rewardCount : 0,
    'eval/pass@1': pass1 / P,
    'eval/pass@k': passK / P,
    'eval/greedy': greedy / P,
  };
  ks.forEach((j, i) => {
    metrics[`eval/pass@${j}`] = passAt[i] / P;
  });
  return metrics;
}

/**
 * The per-prompt values whose means are evalMetrics' numbers (pass@1 c/n, pass@k, greedy 0/1, mean
 * reward; prompts share n, so the mean of per-prompt mean rewards is eval/reward): what a bootstrap
 * over prompts resamples (engine/experiments/verdict.ts).
 */
export function evalPerPrompt(prompts: readonly EvalPrompt[], k: number): Record<string, number[]> {
  const n0 = prompts[0]?.correct.length ?? 0;
  const ks = PASS_AT_KS.filter((j) => j <= n0);
  const out: Record<string, number[]> = {
    'eval/reward': [],
    'eval/pass@1': [],
    'eval/pass@k': [],
    'eval/greedy': [],
  };
  for (const j of ks) out[`eval/pass@${j}`] = [];
  for (const p of prompts) {
    const n = p.correct.length;
    const c = p.correct.filter(Boolean).length;
    out['eval/reward'].push(p.rewards.reduce((a, b) => a + b, 0) / p.rewards.length);
    out['eval/pass@1'].push(c / n);
    out['eval/pass@k'].push(passAtK(n, c, k));
    out['eval/greedy'].push(p.greedyCorrect ? 1 : 0);
    for (const j of ks) out[`eval/pass@${j}`].push(passAtK(n, c, j));
  }
  return out;
}
