/**
 * The optimizer's GPU half: one in-place AdamW step per parameter tensor, and gradient clipping by
 * global norm that never leaves the GPU (the clip factor is a [1] tensor AdamW reads as `gradScale`).
 * Bias-correction terms are computed here on the CPU from the 1-based step, so a resumed run must
 * pass the same step count. The pure init/update bookkeeping lives in engine/optim.
 */
import type { Runtime } from '../../runtime/runtime.js';
import { makeShader } from '../../runtime/shader.js';
import { expectShape, ShapeError, type Tensor } from '../../runtime/tensor.js';
import { uniforms } from '../../runtime/uniforms.js';
import { scaleInPlaceBy } from '../elementwise/elementwise.js';
import { globalNorm } from '../reduce/reduce.js';
import src from './adamw.wgsl?raw';

const CODE = makeShader(src);
const WORKGROUP = 64;
/** Added to the norm before dividing, as torch.nn.utils.clip_grad_norm_ does. */
export const CLIP_EPS = 1e-6;

export interface AdamwTensors {
  param: Tensor;
  grad: Tensor;
  /** First moment, same shape as param; zeros before step 1. */
  m: Tensor;
  /** Second moment, same shape as param; zeros before step 1. */
  v: Tensor;
}

export interface AdamwHyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** Decoupled: param -= lr * weightDecay * param, before the Adam update (PyTorch AdamW). */
  weightDecay: number;
  /** 1-based step number, for bias correction. */
  step: number;
  /** Optional [1] multiplier applied to grad on the GPU (the clip factor from `clipScale`). */
  gradScale?: Tensor;
  /**
   * Clipping by global norm without a `clipScale` dispatch: grad *= min(1, maxNorm / (norm + 1e-6)),
   * the same float32 expression `clip_scale` evaluates, from the [1] norm. Excludes `gradScale`.
   */
  clip?: { norm: Tensor; maxNorm: number };
  /**
   * Refuse on the GPU: the step changes nothing unless `finite` ([1], allFinite's flag) is 1 and
   * `norm` ([1], the same as `clip.norm` when clipping) is finite, so the update can be queued before
   * the flag is read back. Excludes `gradScale`.
   */
  guard?: { finite: Tensor; norm: Tensor };
}

/** One AdamW step, in place on param, m and v. */
export function adamwStep(rt: Runtime, tensors: AdamwTensors, hyper: AdamwHyper): void {
  const { param, grad, m, v } = tensors;
  expectShape('adamw.step', 'grad', grad, param.shape);
  expectShape('adamw.step', 'm', m, param.shape);
  expectShape('adamw.step', 'v', v, param.shape);
  if (!Number.isInteger(hyper.step) || hyper.step < 1) {
    throw new ShapeError('adamw.step', `step must be a 1-based integer, got ${hyper.step}`);
  }
  if (hyper.gradScale) expectShape('adamw.step', 'gradScale', hyper.gradScale, [1]);
  if (hyper.clip) {
    expectShape('adamw.step', 'clip.norm', hyper.clip.norm, [1]);
    if (hyper.gradScale) throw new ShapeError('adamw.step', 'gradScale and clip exclude each other');
    if (!(hyper.clip.maxNorm > 0))
      throw new ShapeError('adamw.step', `clip.maxNorm must be positive, got ${hyper.clip.maxNorm}`);
  }
  if (hyper.guard) {
    expectShape('adamw.step', 'guard.finite', hyper.guard.finite, [1]);
    expectShape('adamw.step', 'guard.norm', hyper.guard.norm, [1]);
    if (hyper.gradScale) throw new ShapeError('adamw.step', 'gradScale and guard exclude each other');
    if (hyper.clip && hyper.clip.norm !== hyper.guard.norm)
      throw new ShapeError('adamw.step', 'guard.norm must be clip.norm');
  }
  const scaleBy = hyper.gradScale ?? hyper.clip?.norm ?? hyper.guard?.norm;
  const bc1 = 1 - hyper.beta1 ** hyper.step;
  const bc2 = 1 - hyper.beta2 ** hyper.step;
  rt.dispatch({
    kernel: 'adamw.step',
    code: CODE,
    entry: 'step',
    // Without a scale or guard, grad is bound in their place (read-only aliasing is allowed): one pipeline.
    read: [grad, scaleBy ?? grad, hyper.guard?.finite ?? grad],
    write: [param, m, v],
    uniforms: uniforms()
      .u32(param.size, hyper.gradScale ? 1 : hyper.clip ? 2 : 0)
      .f32(
        hyper.lr / bc1,
        Math.sqrt(bc2),
        1 - hyper.lr * hyper.weightDecay,
        hyper.beta1,
        hyper.beta2,
        hyper.eps,
        hyper.clip?.maxNorm ?? 0,
      )
      .u32(hyper.guard ? 1 : 0),
    workgroups: { linear: Math.ceil(param.size / WORKGROUP) },
    shapes: `param${JSON.stringify(param.shape)} step ${hyper.step}`,
  });
}

/** min(1, maxNorm / (norm + 1e-6)) as a new [1] tensor, computed on the GPU. */
export function clipScale(rt: Runtime, norm: Tensor, maxNorm: number): Tensor {
  expectShape('adamw.clipScale', 'norm', norm, [1]);
  if (!(maxNorm > 0)) throw new ShapeError('adamw.clipScale', `maxNorm must be positive, got ${maxNorm}`);
  const scale = rt.empty([1], 'adamw.clipScale');
  rt.dispatch({
    kernel: 'adamw.clipScale',
    code: CODE,
    entry: 'clip_scale',
    read: [norm],
    write: [scale],
    uniforms: uniforms().f32(maxNorm),
    workgroups: [1],
  });
  return scale;
}

/**
 * Scales every gradient in place so their global norm is at most maxNorm (torch's
 * clip_grad_norm_), and returns the norm before clipping as a [1] tensor (log it as grad_norm).
 */
export function clipGradients(rt: Runtime, grads: readonly Tensor[], maxNorm: number): Tensor {
  const norm = globalNorm(rt, grads);
  const scale = clipScale(rt, norm, maxNorm);
  for (const g of grads) scaleInPlaceBy(rt, g, scale);
  scale.dispose();
  return norm;
}
