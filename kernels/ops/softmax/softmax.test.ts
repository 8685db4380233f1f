/**
 * Softmax / log-softmax: the float64 reference backward against central finite differences, then the
 * GPU against the reference on seeded shapes that are not multiples of the 64-wide workgroup.
 */
import { describe, expect, it } from 'vitest';
import { expectClose } from '../../testing/compare.js';
import { dot, numericalGradient } from '../../testing/finite-diff.js';
import { testRuntime } from '../../testing/gpu.js';
import { f32, randn } from '../../testing/random.js';
import { logSoftmaxBackward, logSoftmaxForward, softmaxBackward, softmaxForward } from './softmax.js';
import { logSoftmaxBackwardRef, logSoftmaxRef, softmaxBackwardRef, softmaxRef } from './softmax.ref.js';

const FWD = { atol: 1e-6, rtol: 1e-5 };
const GRAD = { atol: 1e-5, rtol: 1e-4 };
const SHAPES: [number, number][] = [
  [1, 7],
  [5, 33],
  [17, 50],
  [70, 7],
];

describe('softmax reference', () => {
  it('backward matches central finite differences', () => {
    const n = 3;
    const v = 7;
    const x = randn(1, n * v, 2);
    const w = randn(2, n * v);
    const num = numericalGradient((z) => dot(softmaxRef(z, n, v), w), x);
    expectClose(
      softmaxBackwardRef(softmaxRef(x, n, v), w, n, v),
      num,
      { atol: 1e-7, rtol: 1e-6 },
      'softmax dx',
    );
    const numLog = numericalGradient((z) => dot(logSoftmaxRef(z, n, v), w), x);
    expectClose(
      logSoftmaxBackwardRef(logSoftmaxRef(x, n, v), w, n, v),
      numLog,
      { atol: 1e-7, rtol: 1e-6 },
      'logsm dx',
    );
  });

  it('rows sum to one and survive large logits', () => {
    const y = softmaxRef(Float64Array.from([1000, 999, -1000, 0]), 1, 4);
    expect(y[0] + y[1] + y[2] + y[3]).toBeCloseTo(1, 12);
  });
});

describe('softmax on the GPU', () => {
  for (const [n, v] of SHAPES) {
    it(`forward and backward match the reference for [${n},${v}]`, async () => {
      const rt = await testRuntime();
      const x = f32(randn(10 + n, n * v, 4));
      const dy = f32(randn(20 + v, n * v));
      const xt = rt.upload(x, [n, v], 'x');
      const dyt = rt.upload(dy, [n, v], 'dy');
      const y = softmaxForward(rt, xt);
      const ly = logSoftmaxForward(rt, xt);
      const yHost = f32(await rt.readF32(y));
      const lyHost = f32(await rt.readF32(ly));
      expectClose(yHost, softmaxRef(x, n, v), FWD, 'softmax y');
      expectClose(lyHost, logSoftmaxRef(x, n, v), FWD, 'log-softmax y');
      const dx = softmaxBackward(rt, y, dyt);
      const ldx = logSoftmaxBackward(rt, ly, dyt);
      expectClose(await rt.readF32(dx), softmaxBackwardRef(yHost, dy, n, v), GRAD, 'softmax dx');
      expectClose(await rt.readF32(ldx), logSoftmaxBackwardRef(lyHost, dy, n, v), GRAD, 'log-softmax dx');
      for (const t of [xt, dyt, y, ly, dx, ldx]) t.dispose();
    });
  }

  it('is stable for logits near 1e4', async () => {
    const rt = await testRuntime();
    const x = Float64Array.from([1e4, 1e4 - 1, -1e4, 0, 1e4 - 3]);
    const xt = rt.upload(x, [1, 5], 'x');
    const y = softmaxForward(rt, xt);
    expectClose(await rt.readF32(y), softmaxRef(x, 1, 5), FWD, 'softmax big');
    xt.dispose();
    y.dispose();
  });
});
