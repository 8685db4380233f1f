// AdamW oracle tests: several GPU steps against a textbook float64 loop (weight decay, bias correction,
// an on-GPU grad scale), late-step bias correction, and clipping by global norm on the GPU.
import { describe, expect, it } from 'vitest';
import { expectClose } from '../../testing/compare.js';
import { testRuntime } from '../../testing/gpu.js';
import { f32, randn } from '../../testing/random.js';
import { globalNormRef } from '../reduce/reduce.ref.js';
import { adamwStep, clipGradients, clipScale } from './adamw.js';
import { adamwStepRef, clipScaleRef } from './adamw.ref.js';

const STATE = { atol: 1e-6, rtol: 1e-5 };
const PARAM = { atol: 2e-6, rtol: 1e-5 };

describe('adamw reference', () => {
  it('first step moves each parameter by lr * sign(grad) (plus decay), the textbook property', () => {
    const param = Float64Array.from([1, -2, 3]);
    const grad = Float64Array.from([0.5, -4, 1e-3]);
    const h = { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-12, weightDecay: 0.01, step: 1 };
    const out = adamwStepRef(param, grad, new Float64Array(3), new Float64Array(3), h);
    const want = param.map((p, i) => p * (1 - 0.1 * 0.01) - 0.1 * Math.sign(grad[i]));
    expectClose(out.param, want, { atol: 1e-9, rtol: 1e-9 }, 'param after step 1');
  });
});

describe('adamw on the GPU vs float64 reference loop', () => {
  it('several steps with weight decay, bias correction and an on-GPU grad scale', async () => {
    const rt = await testRuntime();
    for (const n of [1, 3, 33, 7 * 130, 65 * 33]) {
      let param: Float64Array = f32(randn(n, n));
      let m: Float64Array = new Float64Array(n);
      let v: Float64Array = new Float64Array(n);
      const tp = rt.upload(param, [n], 'param');
      const tm = rt.zeros([n], 'm');
      const tv = rt.zeros([n], 'v');
      for (let step = 1; step <= 6; step++) {
        const grad = f32(randn(1000 * n + step, n, 0.5));
        const scale = step % 2 === 0 ? Math.fround(0.37) : undefined;
        const tg = rt.upload(grad, [n], 'grad');
        const ts = scale === undefined ? undefined : rt.upload([scale], [1], 'gradScale');
        const h = { lr: 3e-2, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1, step };
        adamwStep(rt, { param: tp, grad: tg, m: tm, v: tv }, { ...h, gradScale: ts });
        ({ param, m, v } = adamwStepRef(param, grad, m, v, { ...h, gradScale: scale }));
        tg.dispose();
        ts?.dispose();
      }
      const [gp, gm, gv] = await rt.readMany([tp, tm, tv]);
      expectClose(gp, param, PARAM, `param n=${n}`);
      expectClose(gm, m, STATE, `m n=${n}`);
      expectClose(gv, v, STATE, `v n=${n}`);
      for (const t of [tp, tm, tv]) t.dispose();
    }
  });

  it('late steps (bias correction near 1) and no weight decay', async () => {
    const rt = await testRuntime();
    const n = 130;
    const param = f32(randn(1, n));
    const grad = f32(randn(2, n));
    const m = f32(randn(3, n, 0.1));
    const v = f32(randn(4, n, 0.1).map((x) => x * x));
    const tp = rt.upload(param, [n], 'param');
    const tg = rt.upload(grad, [n], 'grad');
    const tm = rt.upload(m, [n], 'm');
    const tv = rt.upload(v, [n], 'v');
    const h = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, step: 5000 };
    adamwStep(rt, { param: tp, grad: tg, m: tm, v: tv }, h);
    const ref = adamwStepRef(param, grad, m, v, h);
    const [gp, gm, gv] = await rt.readMany([tp, tm, tv]);
    expectClose(gp, ref.param, PARAM, 'param');
    expectClose(gm, ref.m, STATE, 'm');
    expectClose(gv, ref.v, STATE, 'v');
    for (const t of [tp, tg, tm, tv]) t.dispose();
  });

  it('clip scale on the GPU: below, at and above the threshold', async () => {
    const rt = await testRuntime();
    for (const [norm, maxNorm] of [
      [0.5, 1],
      [1, 1],
      [12.5, 1],
      [3, 0.25],
      [0, 1],
    ]) {
      const tn = rt.upload([norm], [1], 'norm');
      const s = clipScale(rt, tn, maxNorm);
      expectClose(
        await rt.readF32(s),
        [clipScaleRef(norm, maxNorm)],
        { atol: 1e-7, rtol: 1e-6 },
        `norm=${norm}`,
      );
      tn.dispose();
      s.dispose();
    }
    const wrong = rt.zeros([2], 'wrong');
    expect(() => clipScale(rt, wrong, 1)).toThrow(/norm must have shape \[1\]/);
    wrong.dispose();
  });

  it('clipGradients scales a list of gradients in place and returns the pre-clip norm', async () => {
    const rt = await testRuntime();
    const datas = [33, 1, 7 * 130].map((n, i) => f32(randn(i + 40, n)));
    for (const maxNorm of [1, 1e3]) {
      const ts = datas.map((d, i) => rt.upload(d, [d.length], `g${i}`));
      const norm = clipGradients(rt, ts, maxNorm);
      const got = await rt.readMany([norm, ...ts]);
      const wantNorm = globalNormRef(datas);
      expectClose(got[0], [wantNorm], { atol: 1e-5, rtol: 1e-5 }, 'norm');
      const s = clipScaleRef(wantNorm, maxNorm);
      datas.forEach((d, i) => {
        expectClose(
          got[i + 1],
          d.map((x) => x * s),
          { atol: 1e-6, rtol: 1e-5 },
          `clipped g${i} max=${maxNorm}`,
        );
      });
      const clipped = globalNormRef(got.slice(1).map((g) => Float64Array.from(g)));
      expect(clipped).toBeLessThanOrEqual(maxNorm * (1 + 1e-5));
      for (const t of [norm, ...ts]) t.dispose();
    }
  });
});

describe('adamw refused on the GPU (guard)', () => {
  it('changes nothing when the flag is 0 or the norm is not finite, and steps as unguarded otherwise', async () => {
    const rt = await testRuntime();
    const n = 77;
    const param = f32(randn(41, n));
    const grad = f32(randn(42, n));
    const h = { lr: 1e-2, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.1, step: 1 };
    for (const [flag, normValue, applies] of [
      [0, 1, false],
      [1, Number.NaN, false],
      [1, Number.POSITIVE_INFINITY, false],
      [1, 3, true],
    ] as const) {
      const [tp, tg] = [rt.upload(param, [n], 'param'), rt.upload(grad, [n], 'grad')];
      const [tm, tv] = [rt.zeros([n], 'm'), rt.zeros([n], 'v')];
      const finite = rt.upload([flag], [1], 'finite');
      const norm = rt.upload([normValue], [1], 'norm');
      adamwStep(
        rt,
        { param: tp, grad: tg, m: tm, v: tv },
        { ...h, clip: { norm, maxNorm: 1 }, guard: { finite, norm } },
      );
      const [gp, gm] = await rt.readMany([tp, tm]);
      const scale = applies ? clipScaleRef(normValue, 1) : 0;
      const want = applies
        ? adamwStepRef(param, grad, new Float64Array(n), new Float64Array(n), { ...h, gradScale: scale })
        : null;
      if (want) expectClose(gp, want.param, PARAM, `param flag=${flag} norm=${normValue}`);
      else {
        expect(Array.from(gp)).toEqual(Array.from(Float32Array.from(param)));
        expect(Array.from(gm).every((x) => x === 0)).toBe(true);
      }
      for (const t of [tp, tg, tm, tv, finite, norm]) t.dispose();
    }
  });
});
