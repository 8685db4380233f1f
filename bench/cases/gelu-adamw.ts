/**
 * Two elementwise rows of every training step: GELU (tanh form, GPT-2's gelu_new) on the MLP's
 * [B*T, 4C] = [3072,512] activations, forward and forward+backward; and one AdamW update over all of
 * the default model's parameters (0.8M in 50 tensors). tfjs-core has no GELU op, so its side is the
 * same formula in tfjs ops (what a tfjs user writes), with tf.grad for the backward. tfjs's
 * AdamOptimizer has no decoupled weight decay, so both sides run with weight decay 0.
 */

import { modelPreset, parameterCount } from '../../engine/model/config.js';
import { paramSpecs } from '../../engine/model/param-names.js';
import { adamwStep } from '../../kernels/ops/adamw/adamw.js';
import { geluBackward, geluForward } from '../../kernels/ops/gelu/gelu.js';
import type { Tensor } from '../../kernels/runtime/index.js';
import { randn } from '../../kernels/testing/random.js';
import type { BenchCase, BenchContext, PreparedCase } from '../case.js';
import { DEFAULT_MODEL, type ModelSizes, rows } from './model.js';

function prepareGelu({ rt, tf }: BenchContext, N: number, F: number, backward: boolean): PreparedCase {
  const xd = randn(41, N * F, 1);
  const dyd = randn(42, N * F, 1);
  const x = rt.upload(xd, [N, F], 'bench.x');
  const dy = rt.upload(dyd, [N, F], 'bench.dy');
  const ours = () => {
    const y = geluForward(rt, x);
    if (backward) geluBackward(rt, dy, x).dispose();
    y.dispose();
  };
  if (!tf)
    return {
      ours,
      dispose: () =>
        [x, dy].forEach((t) => {
          t.dispose();
        }),
    };
  const [tx, tdy] = [xd, dyd].map((d) => tf.tensor(Float32Array.from(d), [N, F]));
  const c = Math.sqrt(2 / Math.PI);
  const gelu = (a: typeof tx) =>
    tf.mul(tf.mul(a, 0.5), tf.add(1, tf.tanh(tf.mul(c, tf.add(a, tf.mul(0.044715, tf.pow(a, 3)))))));
  const grad = tf.grad((a) => gelu(a));
  return {
    ours,
    peer: backward ? () => tf.tidy(() => void grad(tx, tdy)) : () => tf.tidy(() => void gelu(tx)),
    dispose() {
      for (const t of [x, dy]) t.dispose();
      for (const t of [tx, tdy]) t.dispose();
    },
  };
}

const HYPER = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 };

function prepareAdamw({ rt, tf }: BenchContext): PreparedCase {
  const specs = paramSpecs(modelPreset('default'));
  const mine: Tensor[] = [];
  const sets = specs.map((s, i) => {
    const n = s.shape.reduce((a, b) => a * b, 1);
    const set = {
      param: rt.upload(randn(100 + i, n, 0.02), s.shape, `bench.${s.name}`),
      grad: rt.upload(randn(200 + i, n, 0.01), s.shape, `bench.${s.name}.grad`),
      m: rt.zeros(s.shape, `bench.${s.name}.m`),
      v: rt.zeros(s.shape, `bench.${s.name}.v`),
    };
    mine.push(set.param, set.grad, set.m, set.v);
    return set;
  });
  let step = 0;
  const ours = () => {
    step++;
    for (const set of sets) adamwStep(rt, set, { ...HYPER, step });
  };
  if (!tf)
    return {
      ours,
      dispose: () =>
        mine.forEach((t) => {
          t.dispose();
        }),
    };
  const vars = specs.map((s, i) => {
    const n = s.shape.reduce((a, b) => a * b, 1);
    return tf.variable(tf.tensor(Float32Array.from(randn(100 + i, n, 0.02)), s.shape), true, `bench/${i}`);
  });
  const grads = specs.map((s, i) => {
    const n = s.shape.reduce((a, b) => a * b, 1);
    return { name: `bench/${i}`, tensor: tf.tensor(Float32Array.from(randn(200 + i, n, 0.01)), s.shape) };
  });
  const opt = tf.train.adam(HYPER.lr, HYPER.beta1, HYPER.beta2, HYPER.eps);
  return {
    ours,
    peer: () => opt.applyGradients(grads),
    dispose() {
      for (const t of mine) t.dispose();
      for (const t of vars) t.dispose();
      for (const g of grads) g.tensor.dispose();
      opt.dispose();
    },
  };
}

export function geluAdamwCases(m: ModelSizes = DEFAULT_MODEL): BenchCase[] {
  const N = rows(m);
  const bytes = N * m.F * 4;
  const params = parameterCount(modelPreset('default'));
  return [
    {
      section: 'kernels',
      name: 'gelu fwd',
      shape: `[${N},${m.F}]`,
      bytes: 2 * bytes,
      setup: (ctx) => prepareGelu(ctx, N, m.F, false),
    },
    {
      section: 'kernels',
      name: 'gelu fwd+bwd',
      shape: `[${N},${m.F}]`,
      bytes: 5 * bytes,
      setup: (ctx) => prepareGelu(ctx, N, m.F, true),
    },
    {
      section: 'kernels',
      name: 'adamw step',
      shape: `${(params / 1e6).toFixed(2)}M params, ${paramSpecs(modelPreset('default')).length} tensors`,
      bytes: 7 * params * 4, // read param, grad, m, v; write param, m, v
      setup: prepareAdamw,
    },
  ];
}
