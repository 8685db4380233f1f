// Element-wise oracle tests: reference backward against finite differences, GPU against the float64
// reference on odd shapes, and a linear grid split across several dispatches.
import { describe, expect, it } from 'vitest';
import { expectClose } from '../../testing/compare.js';
import { dot, numericalGradient } from '../../testing/finite-diff.js';
import { testRuntime } from '../../testing/gpu.js';
import { f32, randn } from '../../testing/random.js';
import { add, addScaled, mix, mul, mulBackward, scale, scaleInPlaceBy } from './elementwise.js';
import {
  addRef,
  addScaledRef,
  mixRef,
  mulBackwardRef,
  mulRef,
  scaleInPlaceByRef,
  scaleRef,
} from './elementwise.ref.js';

const SHAPES: [number, number][] = [
  [1, 1],
  [1, 3],
  [7, 33],
  [65, 130],
  [1, 64 * 5 + 1],
];
const FWD = { atol: 1e-6, rtol: 1e-6 };
const GRAD = { atol: 1e-6, rtol: 1e-6 };
const FD = { atol: 1e-6, rtol: 1e-5 };

describe('elementwise reference backward vs finite differences', () => {
  it('mul', () => {
    const n = 11;
    const a = randn(1, n);
    const b = randn(2, n);
    const w = randn(3, n);
    const { da, db } = mulBackwardRef(w, a, b);
    expectClose(
      da,
      numericalGradient((x) => dot(mulRef(x, b), w), a),
      FD,
      'da',
    );
    expectClose(
      db,
      numericalGradient((x) => dot(mulRef(a, x), w), b),
      FD,
      'db',
    );
  });

  it('scale and addScaled', () => {
    const x = randn(4, 9);
    const y = randn(5, 9);
    const w = randn(6, 9);
    expectClose(
      scaleRef(w, -1.5),
      numericalGradient((v) => dot(scaleRef(v, -1.5), w), x),
      FD,
      'scale dx',
    );
    expectClose(
      scaleRef(w, 0.3),
      numericalGradient((v) => dot(addScaledRef(y, v, 0.3), w), x),
      FD,
      'addScaled dx',
    );
    expectClose(
      w,
      numericalGradient((v) => dot(addScaledRef(v, x, 0.3), w), y),
      FD,
      'addScaled dy',
    );
  });
});

describe('elementwise on the GPU vs float64 reference', () => {
  it('forward and backward on odd shapes', async () => {
    const rt = await testRuntime();
    for (const [k, [n, c]] of SHAPES.entries()) {
      const size = n * c;
      const a = f32(randn(10 + k, size));
      const b = f32(randn(20 + k, size));
      const dy = f32(randn(30 + k, size));
      const ta = rt.upload(a, [n, c], 'a');
      const tb = rt.upload(b, [n, c], 'b');
      const tdy = rt.upload(dy, [n, c], 'dy');
      const sum = add(rt, ta, tb);
      const prod = mul(rt, ta, tb);
      const scaled = scale(rt, ta, -0.75);
      const { da, db } = mulBackward(rt, tdy, ta, tb);
      const acc = rt.upload(b, [n, c], 'acc');
      addScaled(rt, acc, ta, 0.5);
      const factor = rt.upload([1.25], [1], 'factor');
      const inPlace = rt.upload(a, [n, c], 'inPlace');
      scaleInPlaceBy(rt, inPlace, factor);
      const got = await rt.readMany([sum, prod, scaled, da, db, acc, inPlace]);
      const tag = `[${n},${c}]`;
      expect(sum.shape).toEqual([n, c]);
      expectClose(got[0], addRef(a, b), FWD, `add ${tag}`);
      expectClose(got[1], mulRef(a, b), FWD, `mul ${tag}`);
      expectClose(got[2], scaleRef(a, -0.75), FWD, `scale ${tag}`);
      const want = mulBackwardRef(dy, a, b);
      expectClose(got[3], want.da, GRAD, `mul da ${tag}`);
      expectClose(got[4], want.db, GRAD, `mul db ${tag}`);
      expectClose(got[5], addScaledRef(b, a, 0.5), FWD, `addScaled ${tag}`);
      expectClose(got[6], scaleInPlaceByRef(a, 1.25), FWD, `scaleInPlaceBy ${tag}`);
      for (const t of [ta, tb, tdy, sum, prod, scaled, da, db, acc, factor, inPlace]) t.dispose();
    }
  });

  it('mix: (1 - w)·a + w·b against float64, a bit for bit at w = 0, on odd shapes', async () => {
    const rt = await testRuntime();
    for (const [k, [n, c]] of SHAPES.entries()) {
      const a = f32(randn(40 + k, n * c, 3));
      const b = f32(randn(50 + k, n * c, 3));
      const ta = rt.upload(a, [n, c], 'a');
      const tb = rt.upload(b, [n, c], 'b');
      for (const w of [0, 0.5, 1.7]) {
        const out = mix(rt, ta, tb, w);
        const got = await rt.readF32(out);
        expect(out.shape).toEqual([n, c]);
        expectClose(got, mixRef(a, b, w), FWD, `mix w=${w} [${n},${c}]`);
        if (w === 0) expect(Array.from(got)).toEqual(Array.from(Float32Array.from(a)));
        out.dispose();
      }
      ta.dispose();
      tb.dispose();
    }
  });

  it('gives the same answer when the linear grid is split across dispatches', async () => {
    const rt = await testRuntime();
    const n = 64 * 9 + 5;
    const a = f32(randn(1, n));
    const b = f32(randn(2, n));
    const ta = rt.upload(a, [n], 'a');
    const tb = rt.upload(b, [n], 'b');
    const before = rt.stats().dispatches;
    rt.maxWorkgroupsPerDispatch = 4;
    let sum: ReturnType<typeof add>;
    try {
      sum = add(rt, ta, tb);
      addScaled(rt, sum, ta, 2);
    } finally {
      rt.maxWorkgroupsPerDispatch = 1 << 18;
    }
    expect(rt.stats().dispatches - before).toBe(2 * Math.ceil(Math.ceil(n / 64) / 4));
    expectClose(await rt.readF32(sum), addScaledRef(addRef(a, b), a, 2), FWD, 'split add');
    for (const t of [ta, tb, sum]) t.dispose();
  });

  it('refuses mismatched sizes', async () => {
    const rt = await testRuntime();
    const a = rt.zeros([3], 'a');
    const b = rt.zeros([4], 'b');
    expect(() => add(rt, a, b)).toThrow(/elementwise.add/);
    expect(() => addScaled(rt, a, b, 1)).toThrow(/addScaled/);
    a.dispose();
    b.dispose();
  });
});
