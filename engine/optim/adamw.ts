/**
 * AdamW (Loshchilov & Hutter, https://arxiv.org/abs/1711.05101) as a pure init/update pair in the
 * manner of optax, for every parameter set that trains (the policy, LoRA adapters, PPO's value head):
 * `adamwInit(params)` gives the state and `adamwUpdate(state, params, grads, config)` the next one.
 * The moments live in GPU buffers that are the state's storage: an update writes them in place and
 * hands them on to the state it returns (as JAX donates buffers), so the old state must not be used
 * again; nothing else is kept anywhere. Global-norm clipping as torch's clip_grad_norm_, and a guard
 * that refuses an update whose gradients hold NaN or Inf before it touches the weights. The refusal is
 * made on the GPU (the step kernel reads the norm and the finite flag), so the update is queued before
 * anything is read back and one submission carries it with the readback of the norm and the flag, the
 * only way to say "this step was refused". Packed sets (params.ts) update in one dispatch per buffer.
 * `frozen` (half fine-tuning, engine/train/freeze.ts) names parameters the update skips: no step on
 * them (bytes and moments unchanged), and the norm, clipping and finite check cover the others only.
 */
import { adamwStep } from '../../kernels/ops/adamw/adamw.js';
import { allFinite, globalNorm } from '../../kernels/ops/reduce/reduce.js';
import { sameLayout } from '../../kernels/runtime/arena.js';
import type { Tensor } from '../../kernels/runtime/index.js';
import { GpuParams } from '../model/gpu/params.js';

/** The hyper-parameters of one update (the learning rate already scheduled). */
export interface AdamwConfig {
  learningRate: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** 0 = no clipping. */
  maxGradNorm: number;
}

export interface AdamwState {
  /** First moments, shaped (and row-chunked) like the parameters. */
  readonly m: GpuParams;
  /** Second moments. */
  readonly v: GpuParams;
  /** Updates applied so far (Adam's bias-correction step of the next one is this + 1). */
  readonly steps: number;
}

export interface AdamwResult {
  state: AdamwState;
  /** Global gradient norm before clipping (NaN/Inf when refused). */
  gradNorm: number;
  applied: boolean;
  /** The `extra` scalars (each tensor's first value), read in the same readback. */
  extra: number[];
  /** The `extra` tensors whole, from the same readback. */
  extraValues: (Float32Array | Int32Array | Uint32Array)[];
}

export interface AdamwUpdateOptions {
  /**
   * Tensors that must be finite too (a loss, its stats): their values join the gradients' all-finite
   * flag, not the norm, so a non-finite loss refuses the update on the GPU before anything is read.
   */
  guard?: readonly Tensor[];
  /** Parameters the update skips (half fine-tuning): see the module comment. */
  frozen?: ReadonlySet<string>;
}

/** Zero moments shaped like `params`; refuses f16-stored parameters (training keeps f32 master weights). */
export function adamwInit(params: GpuParams): AdamwState {
  if (params.hasHalfWeights)
    throw new Error('AdamW: these parameters are stored as f16; full fine-tuning keeps f32 master weights');
  return {
    m: GpuParams.zerosLike(params, '.exp_avg'),
    v: GpuParams.zerosLike(params, '.exp_avg_sq'),
    steps: 0,
  };
}

/**
 * Applies one update to `params` from `grads` unless they are non-finite (then params and moments
 * are untouched and the state comes back as it was). Example: steps 0 -> 1 with bias correction
 * 1 - beta^1; a refused update leaves steps at 0.
 */
export async function adamwUpdate(
  state: AdamwState,
  params: GpuParams,
  grads: GpuParams,
  config: AdamwConfig,
  extra: Tensor[] = [],
  options: AdamwUpdateOptions = {},
): Promise<AdamwResult> {
  const rt = params.rt;
  const frozen = options.frozen ?? new Set<string>();
  const training = params.specs.filter((s) => !frozen.has(s.name));
  const list = frozen.size === 0 ? grads.list() : training.flatMap((s) => grads.chunks(s.name));
  const norm = globalNorm(rt, list);
  const finite = allFinite(rt, [...list, ...(options.guard ?? [])]);
  const steps = state.steps + 1;
  const hyper = {
    lr: config.learningRate,
    beta1: config.beta1,
    beta2: config.beta2,
    eps: config.eps,
    weightDecay: config.weightDecay,
    step: steps,
    // the clip factor min(1, max / (norm + 1e-6)) is evaluated inside the step kernel
    clip: config.maxGradNorm > 0 ? { norm, maxNorm: config.maxGradNorm } : undefined,
    // and the refusal too: queued before the flag is read, the step does nothing if it is not finite
    guard: { finite, norm },
  };
  const sets = [params, grads, state.m, state.v].map((set) => set.packed);
  const packable = sets.every((p) => sameLayout(sets[0], p) && p.views.every((t) => t.dtype === 'f32'));
  if (packable && frozen.size === 0) {
    // packed alike (params.ts): one dispatch per buffer, padding included (zero grads keep it zero)
    sets[0].arenas.forEach((_, i) => {
      const [p, g, m, v] = sets.map((set) => set.arenas[i].storage);
      adamwStep(rt, { param: p, grad: g, m, v }, hyper);
    });
  } else {
    for (const spec of training) {
      // a parameter split into row chunks has gradients and moments chunked alike: chunk i with chunk i
      const [p, g, m, v] = [params, grads, state.m, state.v].map((set) => set.chunks(spec.name));
      for (let i = 0; i < p.length; i++) adamwStep(rt, { param: p[i], grad: g[i], m: m[i], v: v[i] }, hyper);
    }
  }
  // one submission: the update and the readback of its norm, flag and the caller's scalars
  const read = await rt.readMany([norm, finite, ...extra]);
  norm.dispose();
  finite.dispose();
  const gradNorm = read[0][0];
  const ok = read[1][0] === 1 && Number.isFinite(gradNorm);
  const extraValues = read.slice(2);
  const firsts = extraValues.map((a) => a[0]);
  if (!ok) return { state, gradNorm, applied: false, extra: firsts, extraValues };
  return { state: { m: state.m, v: state.v, steps }, gradNorm, applied: true, extra: firsts, extraValues };
}

/** Frees the moments' buffers. */
export function adamwDispose(state: AdamwState): void {
  state.m.dispose();
  state.v.dispose();
}
