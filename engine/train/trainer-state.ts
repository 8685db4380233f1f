/**
 * Everything a run carries from one step to the next that model.safetensors does not hold, saved to
 * and restored from the checkpoint's trainer_state.json + trainer_state.safetensors here and nowhere
 * else, so a resumed run (`tabrl train --resume`, the lab after a lost device) continues exactly as an
 * uninterrupted one. Random streams and the learning-rate schedule are pure functions of (seed, step),
 * so `global_step` carries them; the SFT-to-RL phase follows from `global_step` and `sft_steps`, and
 * a staged run's stage from `global_step` and `stages` (the session adds `stage` to the JSON to check
 * it; a stage's reset state is saved as it is, engine/train/stages.ts).
 */
import { autotunerFor } from '../../kernels/autotune/autotuner.js';
import { parseRunConfig } from '../config/resolve.js';
import type { RunConfig } from '../config/schema.js';
import type { TrainerState } from '../model/checkpoint.js';
import { frozenAdapterView, type GpuLora, loraOf } from '../model/gpu/lora.js';
import { GpuParams } from '../model/gpu/params.js';
import type { AdamwState } from '../optim/adamw.js';
import { reliftFromJson, reliftToJson } from './relift.js';
import { restoreSelfTargets, saveSelfTargets } from './self-targets.js';
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
 * every parameter that trains: the policy's or its adapters', and PPO's `value_head.*`), `lora.<adapter>`
 * (LoRA runs: the base reloads from model.name), `ref.<param>` (the frozen reference of a full
 * fine-tune), `ref_lora.<adapter>` (LoRA: θ_ref's frozen copy of the adapters, when taken after step 0),
 * `value_head.weight` / `value_head.bias` (PPO). JSON: the counters, each optimizer's
 * step count, REINFORCE's baseline, TRL's num_tokens, half fine-tuning's frozen units (`freeze`: the
 * stage and its unit names, restored, never redrawn), the reference's cached greedy answers of
 * `sft_targets: self_when_correct` (`self_targets`, read back, never re-decoded) and the run's config.
 */
export async function saveTrainerState(
  config: RunConfig,
  run: RunCounters,
  ctx: TrainerContext,
  lora: GpuLora | null,
): Promise<TrainerState> {
  const tensors: TrainerState['tensors'] = new Map();
  const add = async (prefix: string, params: GpuParams) => {
    for (const [name, data] of await params.download())
      tensors.set(`${prefix}${name}`, { shape: [data.length], data });
  };
  const addOptimizer = async (state: AdamwState) => {
    await add('exp_avg.', state.m);
    await add('exp_avg_sq.', state.v);
  };
  await addOptimizer(ctx.optimizer);
  if (lora) {
    await add('lora.', lora.params);
    // θ_ref taken after the adapters trained: the base plus a frozen copy of them (else the base alone)
    const frozen = ctx.ref ? loraOf(ctx.ref) : undefined;
    if (frozen && frozen !== lora) await add('ref_lora.', frozen.params);
  } else if (ctx.ref) await add('ref.', ctx.ref);
  if (ctx.valueHead) {
    await add('', ctx.valueHead.params);
    await addOptimizer(ctx.valueHead.optimizer);
  }
  return {
    json: {
      format: TRAINER_FORMAT,
      run_config: config,
      global_step: run.stepsDone,
      optimizer_steps: ctx.optimizer.steps,
      reinforce_baseline: ctx.reinforce.baseline,
      num_tokens: ctx.numTokens,
      num_completions: ctx.numCompletions,
      ...(config.relift ? { relift: reliftToJson(ctx.relift) } : {}),
      has_reference: Boolean(ctx.ref),
      ...(ctx.freeze ? { freeze: { stage: ctx.freeze.stage, units: ctx.freeze.units } } : {}),
      ...(ctx.selfTargets.size > 0 ? { self_targets: saveSelfTargets(ctx.selfTargets) } : {}),
      ...(ctx.valueHead ? { value_head_optimizer_steps: ctx.valueHead.optimizer.steps } : {}),
      // with the variants of shapes first met after the warm-up (resampling rounds, the value head),
      // which fell back untuned: a resume pins what this run dispatched, not what a tuner picks next
      kernel_variants: { ...autotunerFor(ctx.model.rt).choices(), ...run.kernelVariants },
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
  // each set takes the names it holds (GpuParams.write), so the policy's and the head's moments share prefixes
  const restoreOptimizer = (state: AdamwState, steps: unknown): AdamwState => {
    state.m.write(pick('exp_avg.'));
    state.v.write(pick('exp_avg_sq.'));
    return { m: state.m, v: state.v, steps: Number(steps) };
  };
  const rt = ctx.model.rt;
  if (lora) lora.params.write(pick('lora.'));
  ctx.optimizer = restoreOptimizer(ctx.optimizer, st.json.optimizer_steps);
  ctx.reinforce = { baseline: (st.json.reinforce_baseline as number | null) ?? null };
  ctx.numTokens = Number(st.json.num_tokens ?? 0);
  ctx.numCompletions = Number(st.json.num_completions ?? 0);
  ctx.relift = reliftFromJson(st.json.relift);
  ctx.selfTargets = restoreSelfTargets(st.json.self_targets);
  if (st.json.has_reference && !lora) ctx.ref = GpuParams.upload(rt, ctx.model.config, pick('ref.'));
  if (st.json.has_reference && lora && [...st.tensors.keys()].some((k) => k.startsWith('ref_lora.')))
    ctx.ref = frozenAdapterView(ctx.model.params, lora, pick('ref_lora.'));
  if (st.json.value_head_optimizer_steps !== undefined) {
    ctx.valueHead?.dispose();
    const head = new ValueHead(rt, ctx.model.config);
    head.params.write(pick(''));
    head.optimizer = restoreOptimizer(head.optimizer, st.json.value_head_optimizer_steps);
    ctx.valueHead = head;
  }
  return {
    stepsDone: Number(st.json.global_step),
    kernelVariants: (st.json.kernel_variants as Record<string, string> | undefined) ?? {},
  };
}
