/**
 * Every reference op's backward against central finite differences: the scalar checked is
 * Σ out·r for a fixed random r, so each input's full gradient is compared, not a hand-picked entry.
 */

import { describe, expect, it } from 'vitest';
import { expectClose } from '../../../kernels/testing/compare.js';
import { dot, numericalGradient } from '../../../kernels/testing/finite-diff.js';
import { randint, randn } from '../../../kernels/testing/random.js';
import { Tape, Var } from './autodiff.js';
import {
  add,
  addBias,
  causalAttention,
  crossEntropy,
  embedding,
  geluNew,
  layernorm,
  linear,
  matmul,
  mul,
  rmsnorm,
  rope,
  silu,
  sliceColumns,
} from './ops.js';

const GRAD_TOL = { atol: 1e-7, rtol: 1e-6 };

/**
 * Checks d(Σ op(inputs)·r)/d input against finite differences for every input.
 * `op` builds the output from fresh Vars over the given arrays.
 */
function checkGradients(
  label: string,
  inputs: { data: Float64Array; shape: number[] }[],
  op: (tape: Tape, xs: Var[]) => Var,
) {
  const forward = (arrays: Float64Array[]) => {
    const tape = new Tape();
    const xs = arrays.map((a, i) => new Var(a, inputs[i].shape, `in${i}`));
    return { tape, xs, out: op(tape, xs) };
  };
  const first = forward(inputs.map((i) => i.data.slice()));
  const r = randn(99, first.out.data.length);
  // Analytic: backprop r through the op by seeding a scalar node Σ out·r.
  const tape = new Tape();
  const xs = inputs.map((inp, i) => new Var(inp.data.slice(), inp.shape, `in${i}`));
  const out = op(tape, xs);
  const scalar = new Var(new Float64Array([dot(out.data, r)]), [1], 'sum');
  tape.record(() => {
    const g = out.gradBuffer();
    for (let i = 0; i < r.length; i++) g[i] += r[i] * scalar.grad![0];
  });
  tape.backward(scalar);
  inputs.forEach((inp, i) => {
    const numeric = numericalGradient((x) => {
      const arrays = inputs.map((j, k) => (k === i ? x : j.data.slice()));
      return dot(forward(arrays).out.data, r);
    }, inp.data.slice());
    expectClose(
      xs[i].grad ?? new Float64Array(inp.data.length),
      numeric,
      GRAD_TOL,
      `${label} d/d input ${i}`,
    );
  });
}

describe('reference ops: backward vs central finite differences', () => {
  const M = 5;
  const K = 7;
  const N = 3;
  it('matmul and linear', () => {
    checkGradients(
      'matmul',
      [
        { data: randn(1, M * K), shape: [M, K] },
        { data: randn(2, K * N), shape: [K, N] },
      ],
      (t, [x, w]) => matmul(t, x, w),
    );
    checkGradients(
      'linear',
      [
        { data: randn(3, M * K), shape: [M, K] },
        { data: randn(4, N * K), shape: [N, K] },
      ],
      (t, [x, w]) => linear(t, x, w),
    );
  });

  it('add, mul, addBias, sliceColumns', () => {
    const a = { data: randn(5, M * K), shape: [M, K] };
    const b = { data: randn(6, M * K), shape: [M, K] };
    checkGradients('add', [a, b], (t, [x, y]) => add(t, x, y));
    checkGradients('mul', [a, b], (t, [x, y]) => mul(t, x, y));
    checkGradients('addBias', [a, { data: randn(7, K), shape: [K] }], (t, [x, y]) => addBias(t, x, y));
    checkGradients('slice', [a], (t, [x]) => sliceColumns(t, x, 2, 3));
  });

  it('layernorm and rmsnorm', () => {
    const x = { data: randn(8, M * K, 2), shape: [M, K] };
    const w = { data: randn(9, K), shape: [K] };
    const b = { data: randn(10, K), shape: [K] };
    checkGradients('layernorm', [x, w, b], (t, [xv, wv, bv]) => layernorm(t, xv, wv, bv, 1e-5));
    checkGradients('rmsnorm', [x, w], (t, [xv, wv]) => rmsnorm(t, xv, wv, 1e-6));
  });

  it('gelu_new and silu', () => {
    const x = { data: randn(11, 17, 2), shape: [17] };
    checkGradients('gelu_new', [x], (t, [v]) => geluNew(t, v));
    checkGradients('silu', [x], (t, [v]) => silu(t, v));
    // gelu_new at hand-computed points: 0 -> 0, 1 -> 0.5·(1 + tanh(√(2/π)·1.044715)).
    const tape = new Tape();
    const y = geluNew(tape, new Var(new Float64Array([0, 1]), [2]));
    expect(y.data[0]).toBe(0);
    expect(y.data[1]).toBeCloseTo(0.8411919906082768, 14);
  });

  it('embedding (with a repeated id)', () => {
    const ids = [2, 0, 2, 4];
    checkGradients('embedding', [{ data: randn(12, 5 * 3), shape: [5, 3] }], (t, [table]) =>
      embedding(t, table, ids),
    );
  });

  it('rope (rotate_half) and its hand-computed rotation', () => {
    const heads = 2;
    const D = 6;
    const positions = [0, 1, 5, 3];
    checkGradients(
      'rope',
      [{ data: randn(13, positions.length * heads * D), shape: [positions.length, heads * D] }],
      (t, [x]) => rope(t, x, heads, D, positions, 10000),
    );
    // D = 2, position 1, theta anything: a pure rotation by 1 radian of (x0, x1) = (1, 0).
    const y = rope(new Tape(), new Var(new Float64Array([1, 0]), [1, 2]), 1, 2, [1], 500);
    expectClose(y.data, [Math.cos(1), Math.sin(1)], { atol: 1e-15, rtol: 0 }, 'rope D=2');
  });

  it('causal attention with GQA and a key padding mask', () => {
    const shape = { B: 2, T: 5, H: 4, Hkv: 2, D: 3 };
    const rows = shape.B * shape.T;
    const mask = [0, 0, 1, 1, 1, 1, 1, 1, 1, 1]; // row 0 left-padded by two
    checkGradients(
      'attention',
      [
        { data: randn(14, rows * shape.H * shape.D), shape: [rows, shape.H * shape.D] },
        { data: randn(15, rows * shape.Hkv * shape.D), shape: [rows, shape.Hkv * shape.D] },
        { data: randn(16, rows * shape.Hkv * shape.D), shape: [rows, shape.Hkv * shape.D] },
      ],
      (t, [q, k, v]) => causalAttention(t, q, k, v, shape, mask),
    );
  });

  it('attention at t = 0 returns v_0; one query over two keys matches a hand computation', () => {
    const v = new Var(new Float64Array([3, -1, 5, 7]), [2, 2]);
    const q = new Var(new Float64Array([1, 0, 1, 1]), [2, 2]);
    const k = new Var(new Float64Array([2, 0, 0, 2]), [2, 2]);
    const y = causalAttention(new Tape(), q, k, v, { B: 1, T: 2, H: 1, Hkv: 1, D: 2 });
    // t=1: scores (1·2 + 1·0)/√2 and (0 + 1·2)/√2 are equal -> the mean of v_0 and v_1.
    expectClose(y.data, [3, -1, 4, 3], { atol: 1e-14, rtol: 0 }, 'attention hand case');
  });

  it('cross-entropy with weights', () => {
    const V = 6;
    const rows = 4;
    const targets = Array.from(randint(17, rows, V));
    const weights = [1, 0, 0.5, 1];
    checkGradients('crossEntropy', [{ data: randn(18, rows * V, 3), shape: [rows, V] }], (t, [z]) =>
      crossEntropy(t, z, targets, weights),
    );
    // Uniform logits: the loss is log V whatever the target.
    const y = crossEntropy(new Tape(), new Var(new Float64Array(2 * V), [2, V]), [0, 5], [1, 1]);
    expect(y.data[0]).toBeCloseTo(Math.log(V), 14);
  });
});
