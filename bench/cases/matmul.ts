/**
 * Matmul rows: every linear layer of the default model forward and backward (dX = dY @ W^T,
 * dW = X^T @ dY) and the batched attention products, ours against tfjs's `matMul` with the same
 * transposes. Inputs are random; outputs of ours go to a preallocated tensor (tfjs cannot write
 * into one, so it allocates from its pool each run).
 */
import { matmul, matmulDims } from '../../kernels/ops/matmul/matmul.js';
import { randn } from '../../kernels/testing/random.js';
import type { BenchCase } from '../case.js';
import { DEFAULT_MODEL, type ModelSizes, rows } from './model.js';

export interface MatmulCaseSpec {
  name: string;
  a: number[];
  b: number[];
  transA?: boolean;
  transB?: boolean;
}

const fmt = (shape: number[], t?: boolean) => `[${shape.join(',')}]${t ? '^T' : ''}`;

/** One benchmark row for `matmul(a, b)` with the given stored shapes and transposes. */
export function matmulCase(spec: MatmulCaseSpec): BenchCase {
  const { transA = false, transB = false } = spec;
  const d = matmulDims(spec.a, spec.b, transA, transB);
  return {
    section: 'matmul',
    name: spec.name,
    shape: `${fmt(spec.a, transA)}x${fmt(spec.b, transB)}`,
    flops: 2 * d.batch * d.M * d.N * d.K,
    setup({ rt, tf }) {
      const size = (s: number[]) => s.reduce((x, y) => x * y, 1);
      const aData = randn(1, size(spec.a), 0.5);
      const bData = randn(2, size(spec.b), 0.5);
      const a = rt.upload(aData, spec.a, 'bench.a');
      const b = rt.upload(bData, spec.b, 'bench.b');
      const out = rt.empty(d.outShape, 'bench.out');
      const ta = tf?.tensor(Float32Array.from(aData), spec.a);
      const tb = tf?.tensor(Float32Array.from(bData), spec.b);
      return {
        ours: () => void matmul(rt, a, b, { transA, transB, out }),
        peer: tf && ta && tb ? () => tf.matMul(ta, tb, transA, transB).dispose() : undefined,
        dispose() {
          for (const t of [a, b, out]) t.dispose();
          ta?.dispose();
          tb?.dispose();
        },
      };
    },
  };
}

/** Forward, dX and dW of `y[R,N] = x[R,K] @ w[K,N]` (or `x @ w^T` with w stored [N,K], `tied`). */
function linearCases(name: string, R: number, K: number, N: number, tied = false): MatmulCaseSpec[] {
  const w = tied ? [N, K] : [K, N];
  return [
    { name: `${name} fwd`, a: [R, K], b: w, transB: tied },
    { name: `${name} dX`, a: [R, N], b: w, transB: !tied }, // dY @ W^T
    tied
      ? { name: `${name} dW`, a: [R, N], b: [R, K], transA: true } // dY^T @ X, stored like w [N,K]
      : { name: `${name} dW`, a: [R, K], b: [R, N], transA: true }, // X^T @ dY
  ];
}

/** The matmuls of one training step of a model with these sizes. */
export function modelMatmulSpecs(m: ModelSizes = DEFAULT_MODEL): MatmulCaseSpec[] {
  const R = rows(m);
  const BH = m.B * m.H;
  return [
    ...linearCases('attn.qkv', R, m.C, 3 * m.C),
    ...linearCases('attn.proj', R, m.C, m.C),
    ...linearCases('mlp.fc', R, m.C, m.F),
    ...linearCases('mlp.proj', R, m.F, m.C),
    ...linearCases('lm_head', R, m.C, m.V, true), // logits = x @ wte^T (tied embedding)
    { name: 'attn q@k^T', a: [BH, m.T, m.D], b: [BH, m.T, m.D], transB: true },
    { name: 'attn att@v', a: [BH, m.T, m.T], b: [BH, m.T, m.D] },
    { name: 'attn dV = att^T@dO', a: [BH, m.T, m.T], b: [BH, m.T, m.D], transA: true },
  ];
}

export function matmulCases(m: ModelSizes = DEFAULT_MODEL): BenchCase[] {
  return modelMatmulSpecs(m).map(matmulCase);
}
