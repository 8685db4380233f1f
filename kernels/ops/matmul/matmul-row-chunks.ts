/**
 * y = x · Wᵀ when W [N,K] is stored as row chunks W_i [N_i,K] (runtime/row-chunks.ts): an LM head tied
 * to an embedding larger than one storage binding. The columns of y are the chunks' products side by
 * side, so each chunk is one matmul into a scratch [M,N_i] copied into its columns; the backward slices
 * dY's columns the same way (dW_i = dY_iᵀ x, dx = Σ_i dY_i W_i). With one chunk these are exactly the
 * plain `matmul` calls of an unsplit weight.
 */
import { chunkRowStarts, ShapeError, type Tensor } from '../../runtime/index.js';
import type { Runtime } from '../../runtime/runtime.js';
import { sliceColumns, writeColumns } from '../copy/copy.js';
import { type MatmulVariant, matmul } from './matmul.js';

function checkChunks(op: string, x: Tensor, w: readonly Tensor[]): number[] {
  if (w.length === 0) throw new ShapeError(op, 'no weight chunks');
  const K = x.shape[1];
  w.forEach((t, i) => {
    if (t.shape.length !== 2 || t.shape[1] !== K)
      throw new ShapeError(op, `chunk ${i} must have shape [?,${K}], got [${t.shape}]`);
  });
  return chunkRowStarts(w.map((t) => t.shape[0]));
}

/** y [M,N] = x [M,K] · Wᵀ, W given as row chunks. */
export function matmulRowChunks(
  rt: Runtime,
  x: Tensor,
  w: readonly Tensor[],
  opts: { variant?: MatmulVariant } = {},
): Tensor {
  const starts = checkChunks('matmulRowChunks', x, w);
  if (w.length === 1) return matmul(rt, x, w[0], { transB: true, variant: opts.variant });
  const y = rt.empty([x.shape[0], starts[w.length]], 'matmul.out');
  w.forEach((chunk, i) => {
    const part = matmul(rt, x, chunk, { transB: true, variant: opts.variant }); // [M,N_i]
    writeColumns(rt, part, y, starts[i]);
    part.dispose();
  });
  return y;
}

export interface RowChunksBackwardOptions {
  /** Gradient chunks shaped like W's, accumulated into (+= dY_iᵀ x); absent for a frozen W. */
  dw?: readonly Tensor[];
  /** Destination of dx [M,K], added into; allocated and set when absent. */
  dxInto?: Tensor;
  variant?: MatmulVariant;
}

/** Backward of `matmulRowChunks`: accumulates dW chunks and returns dx = dY · W. */
export function matmulRowChunksBackward(
  rt: Runtime,
  x: Tensor,
  w: readonly Tensor[],
  dy: Tensor,
  opts: RowChunksBackwardOptions = {},
): Tensor {
  const op = 'matmulRowChunksBackward';
  const starts = checkChunks(op, x, w);
  const [M, K] = x.shape;
  if (dy.shape.length !== 2 || dy.shape[0] !== M || dy.shape[1] !== starts[w.length])
    throw new ShapeError(op, `dy must have shape [${M},${starts[w.length]}], got [${dy.shape}]`);
  if (opts.dw?.some((g, i) => g.shape[0] !== w[i].shape[0] || g.shape[1] !== K))
    throw new ShapeError(op, 'dw chunks must be shaped like the weight chunks');
  const variant = opts.variant;
  const dx = opts.dxInto ?? rt.empty([M, K], 'matmul.da');
  w.forEach((chunk, i) => {
    const dyi = w.length === 1 ? dy : sliceColumns(rt, dy, starts[i], chunk.shape[0]); // [M,N_i]
    const dwi = opts.dw?.[i];
    if (dwi) matmul(rt, dyi, x, { transA: true, out: dwi, accumulate: true, variant });
    matmul(rt, dyi, chunk, { out: dx, accumulate: i > 0 || Boolean(opts.dxInto), variant });
    if (dyi !== dy) dyi.dispose();
  });
  return dx;
}
