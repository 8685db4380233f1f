/**
 * The backward of y = op(a) @ op(b) (+ bias) is matmuls with transposes: dA = dY @ op(B)^T,
 * dB = op(A)^T @ dY, dbias = column sums of dY. Each is written for the operand's stored layout,
 * so no transpose is ever materialised. A 2-D operand broadcast over a batch gets the sum over the
 * batch: one flat matmul when the batch folds into the summed dimension, else a batched product
 * reduced by `reduce.columnSums`. With `accumulate`, gradients add into the given tensors (models sum
 * gradients from several uses of a weight).
 */

import type { Runtime } from '../../runtime/runtime.js';
import { expectShape, type Tensor } from '../../runtime/tensor.js';
import { columnSums } from '../reduce/reduce.js';
import { type MatmulVariant, matmul, matmulDims } from './matmul.js';

export interface MatmulBackwardOptions {
  transA?: boolean;
  transB?: boolean;
  /** Also return dbias [N] (the forward added a bias). */
  bias?: boolean;
  /** Destinations, shaped like a, b and the bias; allocated when absent. */
  da?: Tensor;
  db?: Tensor;
  dbias?: Tensor;
  /** Add into the given da/db/dbias instead of overwriting them (those not given are allocated and set). */
  accumulate?: boolean;
  variant?: MatmulVariant;
}

export interface MatmulGrads {
  da: Tensor;
  db: Tensor;
  dbias?: Tensor;
}

type Plan = { first: Tensor; second: Tensor; transA: boolean; transB: boolean };

/** Sets `dst` (+)= the product of `plan`, summing over the batch when `dst` is unbatched but the product is not. */
function productInto(
  rt: Runtime,
  plan: Plan,
  dst: Tensor,
  accumulate: boolean,
  variant?: MatmulVariant,
): void {
  const d = matmulDims(plan.first.shape, plan.second.shape, plan.transA, plan.transB);
  const opts = { transA: plan.transA, transB: plan.transB, accumulate, variant };
  if (d.outShape.length === dst.shape.length) {
    matmul(rt, plan.first, plan.second, { ...opts, out: dst });
    return;
  }
  const perBatch = matmul(rt, plan.first, plan.second, { ...opts, accumulate: false }); // [Bt, ...dst.shape]
  columnSums(rt, perBatch.reshape([d.batch, dst.size]), { into: dst.reshape([dst.size]), accumulate });
  perBatch.dispose();
}

/** Folds [Bt,R,C] into [Bt*R,C] (a view). */
function flat(t: Tensor): Tensor {
  return t.shape.length === 3 ? t.reshape([t.shape[0] * t.shape[1], t.shape[2]]) : t;
}

export function matmulBackward(
  rt: Runtime,
  a: Tensor,
  b: Tensor,
  dy: Tensor,
  opts: MatmulBackwardOptions = {},
): MatmulGrads {
  const tA = Boolean(opts.transA);
  const tB = Boolean(opts.transB);
  const d = matmulDims(a.shape, b.shape, tA, tB);
  expectShape('matmulBackward', 'dy', dy, d.outShape);
  const accumulate = Boolean(opts.accumulate);
  if (opts.da) expectShape('matmulBackward', 'da', opts.da, a.shape);
  if (opts.db) expectShape('matmulBackward', 'db', opts.db, b.shape);
  if (opts.dbias) expectShape('matmulBackward', 'dbias', opts.dbias, [d.N]);
  const da = opts.da ?? rt.empty(a.shape, 'matmul.da');
  const db = opts.db ?? rt.empty(b.shape, 'matmul.db');

  // dA = dY @ op(B)^T, written as a is stored: a^T = op(B) @ dY^T when transA.
  const planA: Plan = tA
    ? { first: b, second: dy, transA: tB, transB: true }
    : { first: dy, second: b, transA: false, transB: !tB };
  productInto(rt, planA, da, accumulate && Boolean(opts.da), opts.variant);

  // dB = op(A)^T @ dY, written as b is stored: b^T = dY^T @ op(A) when transB. A broadcast b whose
  // batch folds into the rows of a and dY (a not transposed) is one flat matmul.
  const foldB = b.shape.length === 2 && a.shape.length === 3 && !tA;
  const [ax, gy] = foldB ? [flat(a), flat(dy)] : [a, dy];
  const planB: Plan = tB
    ? { first: gy, second: ax, transA: true, transB: tA }
    : { first: ax, second: gy, transA: !tA, transB: false };
  productInto(rt, planB, db, accumulate && Boolean(opts.db), opts.variant);

  if (!opts.bias) return { da, db };
  const dbias = columnSums(rt, flat(dy), { into: opts.dbias, accumulate: accumulate && Boolean(opts.dbias) });
  return { da, db, dbias };
}
