/**
 * Everything a run carries from one step to the next that model.safetensors does not hold, saved to
 * and restored from the checkpoint's trainer_state.json + trainer_state.safetensors here and nowhere
 * else, so a resumed run (`tabrl train --resume`, the lab after a lost device) continues exactly as an
 * uninterrupted one. Random streams and the learning-rate schedule are pure functions of (seed, step),
 * so `global_step` carries them; the SFT-to-RL stage follows from `global_step` and `sft_steps`.
 */
import { parseRunConfig } from '../config/resolve.js';
import type { RunConfig } from '../config/schema.js';
import type { TrainerState } from '../model/checkpoint.js';
import type { GpuLora } from '../model/gpu/lora.js';
import { GpuParams } from '../model/gpu/params.js';
import type { TrainerContext } from './steps.js';
import { ValueHead } from './value-head.js';

export const TRAINER_FORMAT = 'tabrl-trainer-state/1';

/** The session's own counters, beside what the trainer context holds. */
export interface RunCounters {
  /** Steps completed (`global_step`). */
  stepsDone: number;
  /** The kernel variants the run dispatched; a resume pins them. */
  kernelVariants: Record<string, string>;
}

/**
 * The state as checkpoint data. Tensors: `exp_avg.<param>` / `exp_avg_sq.<param>` (AdamW moments of
 * what trains), `lora.<adapter>` (LoRA runs: the base reloads from model.name), `ref.<param>` (the
 * frozen reference of a full fine-tune), `value_head.<param>` with `value_head.exp_avg.<param>` /
 * `value_head.exp_avg_sq.<param>` (PPO). JSON: the counters, Adam's step counts, REINFORCE's baseline,
 * TRL's num_tokens and the run's config.
 */
export async function saveTrainerState(
  config: RunConfig,
  run: RunCounters,
  ctx: TrainerContext,
  lora: GpuLora | null,
): Promise<TrainerState> {
  const tensors: TrainerState['tensors'] = new Map();
  const add = async (prefix: string, values: Promise<Map<string, Float32Array>>) => {
    for (const [name, data] of await values) tensors.set(`${prefix}${name}`, { shape: [data.length], data });
  };
  await add('exp_avg.', ctx.optimizer.m.download());
  await add('exp_avg_sq.', ctx.optimizer.v.download());
  if (lora) await add('lora.', lora.params.download());
  else if (ctx.ref) await add('ref.', ctx.ref.download());
  if (ctx.valueHead) await add('value_head.', ctx.valueHead.download());
  return {
    json: {
      format: TRAINER_FORMAT,
      run_config: config,
      global_step: run.stepsDone,
      optimizer_steps: ctx.optimizer.steps,
      reinforce_baseline: ctx.reinforce.baseline,
      num_tokens: ctx.numTokens,
      has_reference: Boolean(ctx.ref),
      ...(ctx.valueHead ? { value_head_optimizer_steps: ctx.valueHead.optimizerSteps } : {}),
      kernel_variants: run.kernelVariants,
    },
    tensors,
  };
}

/**
 * Puts saved state back into a freshly created run of the same config (weights aside: the caller
 * writes model.safetensors) and returns its counters. A reference is uploaded when one was saved;
 * the caller takes one from the restored weights when RL has started without it (LoRA's is a view).
 */
export function restoreTrainerState(
  st: TrainerState | null,
  config: RunConfig,
  ctx: TrainerContext,
  lora: GpuLora | null,
): RunCounters {
  if (!st || st.json.format !== TRAINER_FORMAT) {
    throw new Error(
      'resume: the folder has no TabRL trainer state (trainer_state.json); start a new run from it instead',
    );
  }
  // Compared after parsing, so options added to the schema since the save (with their defaults) match.
  const saved = parseRunConfig(st.json.run_config);
  if (!saved.ok || JSON.stringify(saved.config) !== JSON.stringify(config)) {
    throw new Error(
      'resume: the checkpoint was saved by a run with a different config; resume with the config in its trainer_state.json',
    );
  }
  const pick = (prefix: string) =>
    new Map(
      [...st.tensors].filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v.data]),
    );
  const rt = ctx.model.rt;
  if (lora) lora.params.write(pick('lora.'));
  ctx.optimizer.m.write(pick('exp_avg.'));
  ctx.optimizer.v.write(pick('exp_avg_sq.'));
  ctx.optimizer.steps = Number(st.json.optimizer_steps);
  ctx.reinforce = { baseline: (st.json.reinforce_baseline as number | null) ?? null };
  ctx.numTokens = Number(st.json.num_tokens ?? 0);
  if (st.json.has_reference && !lora) ctx.ref = GpuParams.upload(rt, ctx.model.config, pick('ref.'));
  if (st.json.value_head_optimizer_steps !== undefined) {
    ctx.valueHead?.dispose();
    ctx.valueHead = new ValueHead(rt, ctx.model.config.hiddenSize);
    ctx.valueHead.write(pick('value_head.'), Number(st.json.value_head_optimizer_steps));
  }
  return {
    stepsDone: Number(st.json.global_step),
    kernelVariants: (st.json.kernel_variants as Record<string, string> | undefined) ?? {},
  };
}
