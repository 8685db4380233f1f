/**
 * float64 references for matmul and its backward: plain loops over the stored
 * layouts, the oracle the GPU kernels are tested against. Same argument order as the GPU wrappers,
 * shapes as numbers and data as Float64Array.
 */
import { columnSumsRef } from '../reduce/reduce.ref.js';
import { matmulDims } from './matmul.js';

export interface MatmulRefOptions {
  transA?: boolean;
  transB?: boolean;
  bias?: Float64Array;
  /** Accumulate into this (a copy is returned). */
  out?: Float64Array;
}

/** op(a) @ op(b) (+ bias) (+ out), shaped like `matmul`'s output. */
export function matmulRef(
  a: Float64Array,
  aShape: number[],
  b: Float64Array,
  bShape: number[],
  opts: MatmulRefOptions = {},
): Float64Array {
  const d = matmulDims(aShape, bShape, opts.transA, opts.transB);
  const { M, N, K } = d;
  const c = opts.out ? Float64Array.from(opts.out) : new Float64Array(d.batch * M * N);
  for (let t = 0; t < d.batch; t++) {
    const oa = t * d.strideA;
    const ob = t * d.strideB;
    const oc = t * d.strideC;
    for (let m = 0; m < M; m++) {
      for (let n = 0; n < N; n++) {
        let s = opts.bias ? opts.bias[n] : 0;
        for (let k = 0; k < K; k++) {
          const av = d.transA ? a[oa + k * M + m] : a[oa + m * K + k];
          const bv = d.transB ? b[ob + n * K + k] : b[ob + k * N + n];
          s += av * bv;
        }
        c[oc + m * N + n] += s;
      }
    }
  }
  return c;
}

/** Gradients of sum(dy * (op(a) @ op(b) + bias)) with respect to a, b (as stored) and bias. */
export function matmulBackwardRef(
  a: Float64Array,
  aShape: number[],
  b: Float64Array,
  bShape: number[],
  dy: Float64Array,
  opts: { transA?: boolean; transB?: boolean } = {},
): { da: Float64Array; db: Float64Array; dbias: Float64Array } {
  const d = matmulDims(aShape, bShape, opts.transA, opts.transB);
  const { M, N, K } = d;
  const da = new Float64Array(a.length);
  const db = new Float64Array(b.length);
  for (let t = 0; t < d.batch; t++) {
    const oa = t * d.strideA;
    const ob = t * d.strideB;
    const oc = t * d.strideC;
    for (let m = 0; m < M; m++) {
      for (let k = 0; k < K; k++) {
        const ia = oa + (d.transA ? k * M + m : m * K + k);
        for (let n = 0; n < N; n++) {
          const ib = ob + (d.transB ? n * K + k : k * N + n);
          const g = dy[oc + m * N + n];
          da[ia] += g * b[ib];
          db[ib] += g * a[ia];
        }
      }
    }
  }
  return { da, db, dbias: columnSumsRef(dy, d.batch * M, N) };
}
