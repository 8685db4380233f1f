/**
 * Kernel variants are chosen before the first step, so every step of a run (and of its replay) uses
 * the same ones: a dry pass over the run's shapes (one training forward/backward on the step's row
 * count and sequence length, one prefill and decode of generation) queues each matmul shape class,
 * the autotuner times the variants on this adapter, and the choices are recorded. A config that
 * carries `kernel_variants` (a share link's replay) pins them instead of tuning.
 */
import { autotunerFor } from '../../kernels/autotune/autotuner.js';
import type { Choices } from '../../kernels/autotune/store.js';
import { sampleWithKvCache } from '../model/gpu/generate.js';
import { createRng } from '../rl/random.js';
import { kernelWarmupStream } from '../rl/streams.js';
import type { TrainerContext } from './steps.js';
import { accumulateSftGradient } from './update.js';

/** Pins or tunes the run's kernel variants; returns the choices the run records. */
export async function prepareKernels(
  ctx: TrainerContext,
  onProgress: (progress: number) => void,
  /** Variants a resumed checkpoint recorded; pinned like the config's. */
  recorded: Choices = {},
): Promise<Choices> {
  const c = ctx.config;
  const rt = ctx.model.rt;
  const tuner = autotunerFor(rt);
  const pins = { ...recorded, ...c.kernel_variants };
  if (Object.keys(pins).length > 0) tuner.pin(pins);
  const sample = ctx.task.draw(createRng(c.seed).split('kernel-warmup'));
  const promptIds = ctx.rolloutCtx.prompts.encode(sample.prompt);
  const rows = c.prompts_per_step * c.num_generations;
  const pad = ctx.tokenizer.padId ?? 0;
  const completion = new Array<number>(c.max_completion_length).fill(ctx.tokenizer.eosId);
  const batch = Array.from({ length: rows / c.gradient_accumulation }, () => ({
    promptIds,
    completionIds: completion,
  }));
  // training shapes: forward and backward into the gradient buffers, which every step zeroes first
  const sft = accumulateSftGradient(ctx.model, ctx.model.params, ctx.grads, batch, pad);
  sft.loss.dispose();
  ctx.grads.zero();
  onProgress(0.3);
  // generation shapes: prefill of the prompts and one decode step (through the sampler's forced
  // variant under prefix_sampling, so its pipeline is compiled here rather than in the first step)
  const forced = c.prefix_sampling
    ? Array.from({ length: rows }, (_, r) => (r === 0 ? [ctx.tokenizer.eosId] : []))
    : undefined;
  await sampleWithKvCache(
    ctx.model,
    Array.from({ length: rows }, () => promptIds),
    { ...ctx.rolloutCtx.sampling, maxNewTokens: 2, step: kernelWarmupStream(), forced },
  );
  onProgress(0.5);
  if (tuner.pendingKeys().length > 0) await tuner.tunePending();
  await rt.sync();
  onProgress(1);
  return tuner.choices();
}
