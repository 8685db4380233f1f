// tanh-GELU oracle tests: reference values and finite differences, then GPU forward/backward and the
// fused bias form against the float64 reference on seeded shapes (odd ones and vec4 ones), plus huge inputs.
import { describe, expect, it } from 'vitest';
import { expectClose } from '../../testing/compare.js';
import { dot, numericalGradient } from '../../testing/finite-diff.js';
import { testRuntime } from '../../testing/gpu.js';
import { f32, randn } from '../../testing/random.js';
import { biasGeluBackward, biasGeluForward, geluBackward, geluForward } from './gelu.js';
import {
  biasGeluBackwardRef,
  biasGeluForwardRef,
  geluBackwardRef,
  geluForwardRef,
  geluScalar,
} from './gelu.ref.js';

const FWD = { atol: 2e-6, rtol: 1e-5 };
const GRAD = { atol: 5e-6, rtol: 1e-4 };
const FD = { atol: 1e-7, rtol: 1e-6 };
const ROWS = [1, 7, 65];
// Multiples of 4 (8, 132) take the vec4 kernels, the others the scalar ones.
const COLS = [1, 3, 8, 33, 130, 132];

describe('gelu reference', () => {
  it('matches published values of the tanh approximation', () => {
    // gelu_new(1) = 0.841192, gelu_new(-1) = -0.158808 (HF NewGELUActivation)
    expect(geluScalar(1)).toBeCloseTo(0.841192, 6);
    expect(geluScalar(-1)).toBeCloseTo(-0.158808, 6);
    expect(geluScalar(0)).toBe(0);
  });

  it('backward vs finite differences', () => {
    const x = randn(1, 17, 2);
    const dy = randn(2, 17);
    expectClose(
      geluBackwardRef(dy, x),
      numericalGradient((v) => dot(geluForwardRef(v), dy), x),
      FD,
      'dx',
    );
  });

  it('bias backward vs finite differences', () => {
    const [rows, cols] = [4, 3];
    const x = randn(3, rows * cols, 2);
    const bias = randn(4, cols);
    const dy = randn(5, rows * cols);
    const got = biasGeluBackwardRef(dy, x, bias, cols);
    const loss = (xx: Float64Array, b: Float64Array) => dot(biasGeluForwardRef(xx, b, cols), dy);
    expectClose(
      got.dx,
      numericalGradient((v) => loss(v, bias), x),
      FD,
      'dx',
    );
    expectClose(
      got.dbias,
      numericalGradient((v) => loss(x, v), bias),
      FD,
      'dbias',
    );
  });
});

describe('gelu on the GPU vs float64 reference', () => {
  it('forward/backward and the fused bias form, every N x C combination', async () => {
    const rt = await testRuntime();
    for (const rows of ROWS) {
      for (const cols of COLS) {
        const tag = `[${rows},${cols}]`;
        const n = rows * cols;
        const x = f32(randn(rows * 100 + cols, n, 2.5));
        const dy = f32(randn(rows * 100 + cols + 1, n));
        const bias = f32(randn(cols, cols));
        const dbias0 = f32(randn(cols + 5, cols));
        const tx = rt.upload(x, [rows, cols], 'x');
        const tdy = rt.upload(dy, [rows, cols], 'dy');
        const tbias = rt.upload(bias, [cols], 'bias');
        const dbias = rt.upload(dbias0, [cols], 'dbias');
        const y = geluForward(rt, tx);
        const dx = geluBackward(rt, tdy, tx);
        const by = biasGeluForward(rt, tx, tbias);
        const bdx = biasGeluBackward(rt, tdy, tx, tbias, { dbias });
        const got = await rt.readMany([y, dx, by, bdx, dbias]);
        expectClose(got[0], geluForwardRef(x), FWD, `y ${tag}`);
        expectClose(got[1], geluBackwardRef(dy, x), GRAD, `dx ${tag}`);
        expectClose(got[2], biasGeluForwardRef(x, bias, cols), FWD, `bias y ${tag}`);
        const ref = biasGeluBackwardRef(dy, x, bias, cols);
        expectClose(got[3], ref.dx, GRAD, `bias dx ${tag}`);
        expectClose(
          got[4],
          ref.dbias.map((v, i) => v + dbias0[i]),
          GRAD,
          `dbias (accumulated) ${tag}`,
        );
        for (const t of [tx, tdy, tbias, dbias, y, dx, by, bdx]) t.dispose();
      }
    }
  });

  it('stays finite for huge inputs (x for large x, 0 for very negative x)', async () => {
    const rt = await testRuntime();
    const x = [1e20, -1e20, 1e4, -1e4, 9.5, -9.5, 12, -12];
    const tx = rt.upload(x, [x.length], 'x');
    const tdy = rt.upload(
      x.map(() => 1),
      [x.length],
      'dy',
    );
    const y = geluForward(rt, tx);
    const dx = geluBackward(rt, tdy, tx);
    const [gy, gdx] = await rt.readMany([y, dx]);
    expectClose(gy, [1e20, 0, 1e4, 0, 9.5, 0, 12, 0], { atol: 1e-6, rtol: 1e-6 }, 'y');
    expectClose(gdx, [1, 0, 1, 0, 1, 0, 1, 0], { atol: 1e-6, rtol: 1e-6 }, 'dx');
    for (const t of [tx, tdy, y, dx]) t.dispose();
  });
});
