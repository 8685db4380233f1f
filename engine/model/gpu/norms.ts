/**
 * The two normalisations behind one interface: GPT-2's LayerNorm (weight and bias) and Llama/Qwen2's
 * RMSNorm (weight only), each with the fused residual-add form the blocks use, so the transformer code
 * does not branch on the family at every call.
 */
import {
  addLayernormForward,
  layernormBackward,
  layernormForward,
} from '../../../kernels/ops/layernorm/layernorm.js';
import { addRmsnormForward, rmsnormBackward, rmsnormForward } from '../../../kernels/ops/rmsnorm/rmsnorm.js';
import type { Runtime, Tensor } from '../../../kernels/runtime/index.js';
import type { GpuParams } from './params.js';

export interface NormSpec {
  kind: 'layernorm' | 'rmsnorm';
  weight: string;
  bias?: string;
  eps: number;
}

/** What a norm keeps for its backward: its input (the residual sum when fused) and statistics. */
export interface NormSaved {
  x: Tensor;
  y: Tensor;
  mean?: Tensor;
  rstd: Tensor;
  /** Whether `x` was produced by this norm (fused add) and so belongs to it. */
  ownsX: boolean;
}

/** y = norm(x), or (when `delta` is given) x' = x + delta and y = norm(x'). */
export function normForward(
  rt: Runtime,
  p: GpuParams,
  spec: NormSpec,
  x: Tensor,
  delta: Tensor | null,
): NormSaved {
  const gamma = p.get(spec.weight);
  const options = { eps: spec.eps };
  if (spec.kind === 'layernorm') {
    const beta = p.get(spec.bias as string);
    if (delta) {
      const r = addLayernormForward(rt, x, delta, gamma, beta, options);
      return { x: r.sum, y: r.y, mean: r.mean, rstd: r.rstd, ownsX: true };
    }
    const r = layernormForward(rt, x, gamma, beta, options);
    return { x, y: r.y, mean: r.mean, rstd: r.rstd, ownsX: false };
  }
  if (delta) {
    const r = addRmsnormForward(rt, x, delta, gamma, options);
    return { x: r.sum, y: r.y, rstd: r.rstd, ownsX: true };
  }
  const r = rmsnormForward(rt, x, gamma, options);
  return { x, y: r.y, rstd: r.rstd, ownsX: false };
}

/** Adds the norm's input gradient into `dx` and accumulates its parameter gradients. */
export function normBackward(
  rt: Runtime,
  p: GpuParams,
  grads: GpuParams | null,
  spec: NormSpec,
  saved: NormSaved,
  dy: Tensor,
  dx: Tensor,
): void {
  const gamma = p.get(spec.weight);
  if (spec.kind === 'layernorm') {
    const dgamma = grads?.get(spec.weight) ?? rt.zeros(gamma.shape, 'scratch.dgamma');
    const dbeta = grads?.get(spec.bias as string) ?? rt.zeros(gamma.shape, 'scratch.dbeta');
    layernormBackward(rt, dy, saved.x, gamma, saved.mean as Tensor, saved.rstd, {
      dgamma,
      dbeta,
      dxAccumulate: dx,
    });
    if (!grads) {
      dgamma.dispose();
      dbeta.dispose();
    }
    return;
  }
  const dgamma = grads?.get(spec.weight) ?? rt.zeros(gamma.shape, 'scratch.dgamma');
  rmsnormBackward(rt, dy, saved.x, gamma, saved.rstd, { dgamma, dxAccumulate: dx });
  if (!grads) dgamma.dispose();
}

export function disposeNorm(saved: NormSaved, keepX = false): void {
  saved.y.dispose();
  saved.mean?.dispose();
  saved.rstd.dispose();
  if (saved.ownsX && !keepX) saved.x.dispose();
}
