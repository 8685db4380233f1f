/**
 * Fused cross-entropy: reference backward vs central finite differences; GPU forward and backward vs
 * the unfused float64 reference (and vs the GPU's own log-softmax + gather), ignored targets included.
 */
import { describe, expect, it } from 'vitest';
import { expectClose } from '../../testing/compare.js';
import { dot, numericalGradient } from '../../testing/finite-diff.js';
import { testRuntime } from '../../testing/gpu.js';
import { f32, randint, randn } from '../../testing/random.js';
import { logSoftmaxForward } from '../softmax/softmax.js';
import { crossEntropyBackward, crossEntropyForward } from './cross_entropy.js';
import { crossEntropyBackwardRef, crossEntropyForwardRef } from './cross_entropy.ref.js';

const FWD = { atol: 1e-5, rtol: 1e-5 };
const GRAD = { atol: 1e-6, rtol: 1e-4 };
const SHAPES: [number, number][] = [
  [1, 7],
  [5, 33],
  [17, 50],
  [67, 7],
];

/** Targets in [0,V) with every fourth row ignored (-1). */
function targetsFor(seed: number, n: number, v: number): Int32Array {
  const t = randint(seed, n, v);
  for (let r = 3; r < n; r += 4) t[r] = -1;
  return t;
}

describe('cross-entropy reference', () => {
  it('backward matches central finite differences', () => {
    const n = 4;
    const v = 7;
    const x = randn(3, n * v, 2);
    const t = targetsFor(4, n, v);
    const dloss = randn(5, n);
    const num = numericalGradient((z) => dot(crossEntropyForwardRef(z, t, n, v).loss, dloss), x);
    expectClose(crossEntropyBackwardRef(x, t, dloss, n, v), num, { atol: 1e-7, rtol: 1e-6 }, 'dlogits');
    expect(crossEntropyForwardRef(x, t, n, v).loss[3]).toBe(0);
  });
});

describe('cross-entropy on the GPU', () => {
  for (const [n, v] of SHAPES) {
    it(`matches the unfused reference for [${n},${v}]`, async () => {
      const rt = await testRuntime();
      const x = f32(randn(30 + n, n * v, 3));
      const t = targetsFor(40 + v, n, v);
      const dloss = f32(randn(50 + n, n));
      const xt = rt.upload(x, [n, v], 'logits');
      const tt = rt.upload(t, [n], 'targets', 'i32');
      const dt = rt.upload(dloss, [n], 'dloss');
      const { loss, lse } = crossEntropyForward(rt, xt, tt);
      const ref = crossEntropyForwardRef(x, t, n, v);
      expectClose(await rt.readF32(loss), ref.loss, FWD, 'loss');
      expectClose(await rt.readF32(lse), ref.lse, FWD, 'lse');
      const dlogits = crossEntropyBackward(rt, xt, tt, lse, dt);
      expectClose(await rt.readF32(dlogits), crossEntropyBackwardRef(x, t, dloss, n, v), GRAD, 'dlogits');

      // the GPU's own unfused path: -log_softmax(x)[target]
      const logpTensor = logSoftmaxForward(rt, xt);
      const logp = await rt.readF32(logpTensor);
      const gathered = Array.from(t, (target, r) => (target >= 0 ? -logp[r * v + target] : 0));
      expectClose(await rt.readF32(loss), gathered, FWD, 'loss vs GPU log-softmax');
      for (const tensor of [xt, tt, dt, loss, lse, dlogits, logpTensor]) tensor.dispose();
    });
  }

  it('keeps precision for logits near 1e4', async () => {
    const rt = await testRuntime();
    const x = Float64Array.from([1e4, 1e4 - 2, 1e4 - 0.5, -5]);
    const xt = rt.upload(x, [1, 4], 'logits');
    const tt = rt.upload([2], [1], 'targets', 'i32');
    const { loss, lse } = crossEntropyForward(rt, xt, tt);
    expectClose(await rt.readF32(loss), crossEntropyForwardRef(x, [2], 1, 4).loss, FWD, 'loss big');
    for (const tensor of [xt, tt, loss, lse]) tensor.dispose();
  });
});
