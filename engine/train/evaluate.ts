/**
 * Held-out evaluation (docs/ALGORITHMS.md "Evaluation"): n samples per prompt at the training temperature
 * and one greedy answer, on prompts the run never trains on. pass@1 is the mean of c/n, pass@k the
 * unbiased estimator of the Codex paper, greedy the accuracy of greedy decoding. Under guidance
 * (guidance_weight ≠ 1) every sample, greedy ones too, comes from the mixed logits (1 − w)·z_ref + w·z_θ.
 */
import type { RunConfig } from '../config/schema.js';
import type { Guidance } from '../model/gpu/generate.js';
import type { GpuParams } from '../model/gpu/params.js';
import { type EvalPrompt, evalMetrics, evalPerPrompt } from '../rl/evaluation.js';
import { evalStream } from '../rl/streams.js';
import type { TaskSample } from '../tasks/types.js';
import { type RolloutContext, type RolloutRow, rollout } from './rollout.js';

/** Rows per generation call: bounds the KV cache and logits memory of a large eval. */
const ROWS_PER_CALL = 128;

async function sampleInChunks(
  ctx: RolloutContext,
  prompts: readonly TaskSample[],
  n: number,
  /** The Philox stream word of the chunk starting at prompt `offset`. */
  stream: (offset: number) => number,
  params?: GpuParams,
): Promise<RolloutRow[][]> {
  const perCall = Math.max(1, Math.floor(ROWS_PER_CALL / n));
  const out: RolloutRow[][] = [];
  for (let i = 0; i < prompts.length; i += perCall) {
    const chunk = prompts.slice(i, i + perCall);
    const roll = await rollout(ctx, chunk, n, stream(i), params);
    for (let p = 0; p < chunk.length; p++) out.push(roll.rows.slice(p * n, (p + 1) * n));
  }
  return out;
}

export async function evaluate(
  ctx: RolloutContext,
  config: RunConfig,
  prompts: readonly TaskSample[],
  step: number,
  params?: GpuParams,
  guidance?: Guidance,
): Promise<Record<string, number>> {
  return (await evaluateDetailed(ctx, config, prompts, step, params, guidance)).metrics;
}

/** evaluate's metrics and, additively, each metric's per-prompt values (the experiments' bootstrap). */
export async function evaluateDetailed(
  ctx: RolloutContext,
  config: RunConfig,
  prompts: readonly TaskSample[],
  step: number,
  params?: GpuParams,
  guidance?: Guidance,
): Promise<{ metrics: Record<string, number>; perPrompt: Record<string, number[]> }> {
  if (prompts.length === 0) return { metrics: {}, perPrompt: {} };
  if (guidance) ctx = { ...ctx, sampling: { ...ctx.sampling, guidance } };
  const n = config.eval_samples;
  const sampled = await sampleInChunks(ctx, prompts, n, (i) => evalStream(step, i, false), params);
  const greedyCtx: RolloutContext = { ...ctx, sampling: { ...ctx.sampling, greedy: true } };
  const greedy = await sampleInChunks(greedyCtx, prompts, 1, (i) => evalStream(step, i, true), params);
  const rows: EvalPrompt[] = prompts.map((sample, p) => ({
    rewards: sampled[p].map((r) => r.reward),
    correct: sampled[p].map((r) => ctx.task.isCorrect(sample, r.text)),
    greedyCorrect: ctx.task.isCorrect(sample, greedy[p][0].text),
  }));
  return { metrics: { ...evalMetrics(rows, config.eval_k) }, perPrompt: evalPerPrompt(rows, config.eval_k) };
}
