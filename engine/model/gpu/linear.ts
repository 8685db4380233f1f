/**
 * Linear layers in both of Hugging Face's weight orientations: GPT-2's Conv1D stores W as [in,out]
 * (y = x W + b), nn.Linear stores [out,in] (y = x Wᵀ + b). Keeping the stored orientation means a
 * checkpoint loads and saves without transposes; the matmul kernel's transpose flags absorb it.
 * An optional LoRA adapter adds (alpha/r)·(x Aᵀ) Bᵀ (A [r,in], B [out,r], PEFT's convention, the same
 * for both orientations); its low-rank path is recomputed in the backward rather than saved.
 */
import { addScaled, scale } from '../../../kernels/ops/elementwise/elementwise.js';
import { matmul } from '../../../kernels/ops/matmul/matmul.js';
import { columnSums } from '../../../kernels/ops/reduce/reduce.js';
import type { Runtime, Tensor } from '../../../kernels/runtime/index.js';

export type Orientation = 'in_out' | 'out_in';

export interface LinearWeights {
  weight: Tensor;
  bias?: Tensor;
  orientation: Orientation;
  /** A LoRA adapter on this layer (absent, or switched off, for the base model). */
  lora?: LoraWeights;
}

export interface LoraWeights {
  a: Tensor; // [r,in]
  b: Tensor; // [out,r]
  scale: number; // alpha / r
}

export interface LinearGrads {
  /** Absent for a frozen weight (LoRA training): no dW is computed. */
  dweight?: Tensor;
  dbias?: Tensor;
  lora?: { da: Tensor; db: Tensor };
}

/** y [N,out] = x [N,in] · W (+ b) (+ scale · (x Aᵀ) Bᵀ). */
export function linearForward(rt: Runtime, x: Tensor, w: LinearWeights): Tensor {
  const y = matmul(rt, x, w.weight, { transB: w.orientation === 'out_in', bias: w.bias });
  if (w.lora) addLoraForward(rt, x, w.lora, y);
  return y;
}

/** y += scale · (x Aᵀ) Bᵀ. */
export function addLoraForward(rt: Runtime, x: Tensor, lora: LoraWeights, y: Tensor): void {
  const u = loraDown(rt, x, lora); // [N,r], already scaled
  matmul(rt, u, lora.b, { transB: true, out: y, accumulate: true });
  u.dispose();
}

/** u = scale · x Aᵀ [N,r]. */
function loraDown(rt: Runtime, x: Tensor, lora: LoraWeights): Tensor {
  const u = matmul(rt, x, lora.a, { transB: true });
  if (lora.scale === 1) return u;
  const scaled = scale(rt, u, lora.scale);
  u.dispose();
  return scaled;
}

/**
 * The adapter's share of the backward: dB += dyᵀ u, dA += scale · (dy B)ᵀ x, and dx += scale · (dy B) A,
 * with u = scale · x Aᵀ recomputed.
 */
function loraBackward(
  rt: Runtime,
  dy: Tensor,
  x: Tensor,
  lora: LoraWeights,
  grads: { da: Tensor; db: Tensor } | undefined,
  dx: Tensor,
): void {
  const du = matmul(rt, dy, lora.b); // [N,r] = d(loss)/d(u)
  const dxr = scale(rt, du, lora.scale); // d(loss)/d(x Aᵀ)
  du.dispose();
  if (grads) {
    const u = loraDown(rt, x, lora);
    matmul(rt, dy, u, { transA: true, out: grads.db, accumulate: true });
    u.dispose();
    matmul(rt, dxr, x, { transA: true, out: grads.da, accumulate: true });
  }
  const dxLora = matmul(rt, dxr, lora.a);
  addScaled(rt, dx, dxLora, 1);
  dxLora.dispose();
  dxr.dispose();
}

/**
 * Accumulates dW (+= xᵀ·dy or dyᵀ·x) and db (+= column sums of dy) and returns dx = dy·Wᵀ (or dy·W),
 * added into `dxInto` when given (several projections read the same input).
 */
export function linearBackward(
  rt: Runtime,
  dy: Tensor,
  x: Tensor,
  w: LinearWeights,
  grads: LinearGrads | null,
  dxInto?: Tensor,
): Tensor {
  if (grads?.dweight) {
    if (w.orientation === 'in_out') matmul(rt, x, dy, { transA: true, out: grads.dweight, accumulate: true });
    else matmul(rt, dy, x, { transA: true, out: grads.dweight, accumulate: true });
  }
  if (grads?.dbias) columnSums(rt, dy, { into: grads.dbias, accumulate: true });
  const transB = w.orientation === 'in_out';
  let dx: Tensor;
  if (dxInto) {
    matmul(rt, dy, w.weight, { transB, out: dxInto, accumulate: true });
    dx = dxInto;
  } else dx = matmul(rt, dy, w.weight, { transB });
  if (w.lora) loraBackward(rt, dy, x, w.lora, grads?.lora, dx);
  return dx;
}
