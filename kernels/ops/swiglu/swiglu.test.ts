// SwiGLU/SiLU oracle tests: reference values and finite differences, then GPU forward/backward against
// the float64 reference on seeded odd shapes, plus huge gates.
import { describe, expect, it } from 'vitest';
import { expectClose } from '../../testing/compare.js';
import { dot, numericalGradient } from '../../testing/finite-diff.js';
import { testRuntime } from '../../testing/gpu.js';
import { f32, randn } from '../../testing/random.js';
import { siluBackward, siluForward, swigluBackward, swigluForward } from './swiglu.js';
import {
  siluBackwardRef,
  siluForwardRef,
  siluScalar,
  swigluBackwardRef,
  swigluForwardRef,
} from './swiglu.ref.js';

const FWD = { atol: 2e-6, rtol: 1e-5 };
const GRAD = { atol: 5e-6, rtol: 1e-4 };
const FD = { atol: 1e-7, rtol: 1e-6 };
const ROWS = [1, 7, 65];
const COLS = [1, 3, 33, 130];

describe('swiglu reference', () => {
  it('silu matches known values', () => {
    expect(siluScalar(1)).toBeCloseTo(0.7310585786, 9);
    expect(siluScalar(-2)).toBeCloseTo(-0.238405844, 9);
  });

  it('backward vs finite differences', () => {
    const n = 13;
    const gate = randn(1, n, 2);
    const up = randn(2, n);
    const dy = randn(3, n);
    const got = swigluBackwardRef(dy, gate, up);
    expectClose(
      got.dgate,
      numericalGradient((v) => dot(swigluForwardRef(v, up), dy), gate),
      FD,
      'dgate',
    );
    expectClose(
      got.dup,
      numericalGradient((v) => dot(swigluForwardRef(gate, v), dy), up),
      FD,
      'dup',
    );
    expectClose(
      siluBackwardRef(dy, gate),
      numericalGradient((v) => dot(siluForwardRef(v), dy), gate),
      FD,
      'silu dx',
    );
  });
});

describe('swiglu on the GPU vs float64 reference', () => {
  it('forward and backward, every N x F combination', async () => {
    const rt = await testRuntime();
    for (const rows of ROWS) {
      for (const cols of COLS) {
        const tag = `[${rows},${cols}]`;
        const n = rows * cols;
        const gate = f32(randn(rows * 100 + cols, n, 3));
        const up = f32(randn(rows * 100 + cols + 1, n));
        const dy = f32(randn(rows * 100 + cols + 2, n));
        const tg = rt.upload(gate, [rows, cols], 'gate');
        const tu = rt.upload(up, [rows, cols], 'up');
        const tdy = rt.upload(dy, [rows, cols], 'dy');
        const out = swigluForward(rt, tg, tu);
        const { dgate, dup } = swigluBackward(rt, tdy, tg, tu);
        const sy = siluForward(rt, tg);
        const sdx = siluBackward(rt, tdy, tg);
        const got = await rt.readMany([out, dgate, dup, sy, sdx]);
        expectClose(got[0], swigluForwardRef(gate, up), FWD, `out ${tag}`);
        const ref = swigluBackwardRef(dy, gate, up);
        expectClose(got[1], ref.dgate, GRAD, `dgate ${tag}`);
        expectClose(got[2], ref.dup, GRAD, `dup ${tag}`);
        expectClose(got[3], siluForwardRef(gate), FWD, `silu ${tag}`);
        expectClose(got[4], siluBackwardRef(dy, gate), GRAD, `silu dx ${tag}`);
        for (const t of [tg, tu, tdy, out, dgate, dup, sy, sdx]) t.dispose();
      }
    }
  });

  it('stays finite for huge gates', async () => {
    const rt = await testRuntime();
    const x = [1e20, -1e20, 200, -200, -90, 90];
    const tx = rt.upload(x, [x.length], 'x');
    const tdy = rt.upload(
      x.map(() => 1),
      [x.length],
      'dy',
    );
    const y = siluForward(rt, tx);
    const dx = siluBackward(rt, tdy, tx);
    const [gy, gdx] = await rt.readMany([y, dx]);
    expectClose(gy, [1e20, 0, 200, 0, 0, 90], { atol: 1e-6, rtol: 1e-6 }, 'silu y');
    expectClose(gdx, [1, 0, 1, 0, 0, 1], { atol: 1e-6, rtol: 1e-6 }, 'silu dx');
    for (const t of [tx, tdy, y, dx]) t.dispose();
  });
});
