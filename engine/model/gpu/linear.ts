/**
 * Linear layers in both of Hugging Face's weight orientations: GPT-2's Conv1D stores W as [in,out]
 * (y = x W + b), nn.Linear stores [out,in] (y = x Wᵀ + b). Keeping the stored orientation means a
 * checkpoint loads and saves without transposes; the matmul kernel's transpose flags absorb it.
 */
import { matmul } from '../../../kernels/ops/matmul/matmul.js';
import { columnSums } from '../../../kernels/ops/reduce/reduce.js';
import type { Runtime, Tensor } from '../../../kernels/runtime/index.js';

export type Orientation = 'in_out' | 'out_in';

export interface LinearWeights {
  weight: Tensor;
  bias?: Tensor;
  orientation: Orientation;
}

export interface LinearGrads {
  dweight: Tensor;
  dbias?: Tensor;
}

/** y [N,out] = x [N,in] · W (+ b). */
export function linearForward(rt: Runtime, x: Tensor, w: LinearWeights): Tensor {
  return matmul(rt, x, w.weight, { transB: w.orientation === 'out_in', bias: w.bias });
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
  if (grads) {
    if (w.orientation === 'in_out') matmul(rt, x, dy, { transA: true, out: grads.dweight, accumulate: true });
    else matmul(rt, dy, x, { transA: true, out: grads.dweight, accumulate: true });
    if (grads.dbias) columnSums(rt, dy, { into: grads.dbias, accumulate: true });
  }
  const transB = w.orientation === 'in_out';
  if (dxInto) {
    matmul(rt, dy, w.weight, { transB, out: dxInto, accumulate: true });
    return dxInto;
  }
  return matmul(rt, dy, w.weight, { transB });
}
