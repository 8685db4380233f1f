/**
 * What the session needs for guidance at inference and the Try panel's α (docs/ALGORITHMS.md "Guidance
 * at inference", "Weight interpolation"): θ_ref saved with the trainer state when it is held for
 * guidance alone, and the policy θ_α = (1 − α)·θ_ref + α·θ as temporary parameters on the GPU.
 */
import { mix } from '../../kernels/ops/elementwise/elementwise.js';
import type { Checkpoint, TrainerState } from '../model/checkpoint.js';
import { attachLora, GpuLora, loraOf } from '../model/gpu/lora.js';
import { GpuParams } from '../model/gpu/params.js';
import { checkAlpha, firstJsonDifference } from '../model/interpolate.js';

/** Trainer-state tensor prefix of θ_ref held for guidance when beta = 0 (a full fine-tune's copy). */
const PREFIX = 'guidance_ref.';

/** Adds θ_ref (held for guidance only) to a trainer state, so a resumed run evaluates against the same θ_ref. */
export async function saveGuidanceReference(state: TrainerState, ref: GpuParams | null): Promise<void> {
  state.json.has_guidance_reference = Boolean(ref);
  if (!ref) return;
  for (const [name, data] of await ref.download())
    state.tensors.set(`${PREFIX}${name}`, { shape: [data.length], data });
}

/** θ_ref's weights by name when the trainer state holds a guidance reference, else null. */
export function savedGuidanceReference(state: TrainerState | null): Map<string, Float32Array> | null {
  if (!state?.json.has_guidance_reference) return null;
  return new Map(
    [...state.tensors]
      .filter(([k]) => k.startsWith(PREFIX))
      .map(([k, v]) => [k.slice(PREFIX.length), v.data]),
  );
}

/**
 * θ_ref as a checkpoint's trainer state holds it: KL's reference (`ref.*`, beta > 0) or guidance's
 * (`guidance_ref.*`); null when the state holds neither (LoRA runs, runs without a reference).
 */
export function checkpointReference(state: TrainerState | null): Map<string, Float32Array> | null {
  if (!state) return null;
  if (state.json.has_reference && ![...state.tensors.keys()].some((k) => k.startsWith('lora.'))) {
    return new Map(
      [...state.tensors].filter(([k]) => k.startsWith('ref.')).map(([k, v]) => [k.slice(4), v.data]),
    );
  }
  return savedGuidanceReference(state);
}

/**
 * The policy at α between θ_ref (α = 0) and θ (α = 1), α ∈ [0, 1.5]; the caller disposes the result.
 * Full weights: (1 − α)·θ_ref + α·θ per tensor, mixed on the GPU into a fresh copy. LoRA (θ_ref the base
 * with adapters off): the base with the adapters' ΔW scaled by α, a view sharing the base and adapters.
 */
export function interpolatedPolicy(ref: GpuParams, policy: GpuParams, alpha: number): GpuParams {
  checkAlpha(alpha);
  const lora = loraOf(policy);
  if (lora) {
    const view = GpuParams.view(policy);
    const scaled = new GpuLora({ ...lora.options, alpha: lora.options.alpha * alpha }, lora.params);
    attachLora(view, scaled);
    return view;
  }
  const rt = policy.rt;
  const out = policy.clone('.alpha');
  for (const { name } of out.specs) {
    const [a, b, o] = [ref.chunks(name), policy.chunks(name), out.chunks(name)];
    if (a.length !== b.length) throw new Error(`interpolation: θ_ref and θ split ${name} differently`);
    a.forEach((refChunk, i) => {
      const mixed = mix(rt, refChunk, b[i], alpha);
      rt.copy(mixed, o[i]);
      mixed.dispose();
    });
  }
  return out;
}

/**
 * Refuses a reference whose vocabulary or tokenizer.json differs from the policy's, naming the first difference
 * (the CLI's --reference, the lab's guided experiment arms).
 */
export function checkSameTokenizer(policy: Checkpoint, ref: Checkpoint, refName: string): void {
  if (policy.config.vocabSize !== ref.config.vocabSize)
    throw new Error(
      `--reference ${refName}: its vocabulary has ${ref.config.vocabSize} tokens, the policy's ${policy.config.vocabSize}; ` +
        'guidance mixes logits token by token, so pass a reference with the same tokenizer',
    );
  if (policy.tokenizer && ref.tokenizer) {
    const where = firstJsonDifference(policy.tokenizer, ref.tokenizer);
    if (where !== null)
      throw new Error(
        `--reference ${refName}: its tokenizer.json differs from the policy's at ${where || '(root)'}; ` +
          'pass a reference with the same tokenizer',
      );
  }
}
