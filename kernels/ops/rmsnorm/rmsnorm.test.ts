// RMSNorm oracle tests: the float64 reference backward against central finite differences, then the
// GPU (both row-kernel variants) against the reference on seeded odd shapes, including the fused
// residual add and accumulation into dgamma/dx.
import { describe, it } from 'vitest';
import { expectClose } from '../../testing/compare.js';
import { dot, numericalGradient } from '../../testing/finite-diff.js';
import { testRuntime } from '../../testing/gpu.js';
import { f32, randn } from '../../testing/random.js';
import { NORM_VARIANTS } from '../layernorm/layernorm.js';
import { addRmsnormForward, rmsnormBackward, rmsnormForward } from './rmsnorm.js';
import { addRmsnormForwardRef, rmsnormBackwardRef, rmsnormForwardRef } from './rmsnorm.ref.js';

const FWD = { atol: 1e-5, rtol: 1e-4 };
const GRAD = { atol: 5e-5, rtol: 2e-4 };
const FD = { atol: 1e-6, rtol: 1e-5 };
// 65 and 130 rows: the parameter gradients are summed over several 64-row chunks.
const ROWS = [1, 7, 65, 130];
const COLS = [1, 3, 33, 130];
// 200 > 3 * 64: the workgroup variant's column loop wraps more than once.
const WIDE = 200;

function inputs(seed: number, rows: number, cols: number) {
  return {
    x: f32(randn(seed, rows * cols, 2).map((v) => v + 0.5)),
    gamma: f32(randn(seed + 1, cols)),
    dy: f32(randn(seed + 3, rows * cols)),
  };
}

describe('rmsnorm reference backward vs finite differences', () => {
  for (const [rows, cols] of [
    [3, 5],
    [2, 1],
    [1, 7],
  ]) {
    it(`[${rows},${cols}]`, () => {
      const { x, gamma, dy } = inputs(rows * 10 + cols, rows, cols);
      const loss = (xx: Float64Array, g: Float64Array) => dot(rmsnormForwardRef(xx, g, rows, cols).y, dy);
      const { rstd } = rmsnormForwardRef(x, gamma, rows, cols);
      const got = rmsnormBackwardRef(dy, x, gamma, rstd, rows, cols);
      expectClose(
        got.dx,
        numericalGradient((v) => loss(v, gamma), x),
        FD,
        'dx',
      );
      expectClose(
        got.dgamma,
        numericalGradient((v) => loss(x, v), gamma),
        FD,
        'dgamma',
      );
    });
  }

  it('fused add: da = db = dsum + dx(rmsnorm)', () => {
    const [rows, cols] = [3, 4];
    const a = randn(1, rows * cols);
    const b = randn(2, rows * cols);
    const { gamma, dy } = inputs(3, rows, cols);
    const dsum = randn(9, rows * cols);
    const loss = (aa: Float64Array, bb: Float64Array) => {
      const out = addRmsnormForwardRef(aa, bb, gamma, rows, cols);
      return dot(out.y, dy) + dot(out.sum, dsum);
    };
    const fwd = addRmsnormForwardRef(a, b, gamma, rows, cols);
    const { dx } = rmsnormBackwardRef(dy, fwd.sum, gamma, fwd.rstd, rows, cols);
    const want = dx.map((v, i) => v + dsum[i]);
    expectClose(
      want,
      numericalGradient((v) => loss(v, b), a),
      FD,
      'da',
    );
    expectClose(
      want,
      numericalGradient((v) => loss(a, v), b),
      FD,
      'db',
    );
  });
});

describe.each(NORM_VARIANTS)('rmsnorm on the GPU vs float64 reference, %s', (variant) => {
  it('forward and backward, every N x C combination', async () => {
    const rt = await testRuntime();
    for (const rows of ROWS) {
      for (const cols of [...COLS, WIDE]) {
        const tag = `[${rows},${cols}]`;
        const { x, gamma, dy } = inputs(rows * 1000 + cols, rows, cols);
        const dgamma0 = f32(randn(7, cols));
        const tx = rt.upload(x, [rows, cols], 'x');
        const tg = rt.upload(gamma, [cols], 'gamma');
        const tdy = rt.upload(dy, [rows, cols], 'dy');
        const dgamma = rt.upload(dgamma0, [cols], 'dgamma');
        const out = rmsnormForward(rt, tx, tg, { variant });
        const dx = rmsnormBackward(rt, tdy, tx, tg, out.rstd, { dgamma }, { variant });
        const [y, rstd, gdx, gdg] = await rt.readMany([out.y, out.rstd, dx, dgamma]);
        const ref = rmsnormForwardRef(x, gamma, rows, cols);
        expectClose(y, ref.y, FWD, `y ${tag}`);
        expectClose(rstd, ref.rstd, FWD, `rstd ${tag}`);
        const grads = rmsnormBackwardRef(dy, x, gamma, ref.rstd, rows, cols);
        expectClose(gdx, grads.dx, GRAD, `dx ${tag}`);
        expectClose(
          gdg,
          grads.dgamma.map((v, i) => v + dgamma0[i]),
          GRAD,
          `dgamma (accumulated) ${tag}`,
        );
        for (const t of [tx, tg, tdy, dgamma, out.y, out.rstd, dx]) t.dispose();
      }
    }
  });

  it('honours eps', async () => {
    const rt = await testRuntime();
    const [rows, cols] = [7, 33];
    const { x, gamma } = inputs(5, rows, cols);
    const small = x.map((v) => v * 1e-3);
    const tx = rt.upload(small, [rows, cols], 'x');
    const tg = rt.upload(gamma, [cols], 'gamma');
    const out = rmsnormForward(rt, tx, tg, { eps: 1e-5, variant });
    expectClose(
      await rt.readF32(out.y),
      rmsnormForwardRef(small, gamma, rows, cols, 1e-5).y,
      FWD,
      'y eps=1e-5',
    );
    for (const t of [tx, tg, out.y, out.rstd]) t.dispose();
  });

  it('fused residual add, and dx accumulated into the residual gradient', async () => {
    const rt = await testRuntime();
    for (const [rows, cols] of [
      [7, 33],
      [65, 130],
      [1, 3],
      [3, WIDE],
    ]) {
      const tag = `[${rows},${cols}]`;
      const { gamma, dy } = inputs(rows + cols, rows, cols);
      const a = f32(randn(1, rows * cols));
      const b = f32(randn(2, rows * cols));
      const dsum = f32(randn(3, rows * cols));
      const ta = rt.upload(a, [rows, cols], 'a');
      const tb = rt.upload(b, [rows, cols], 'b');
      const tg = rt.upload(gamma, [cols], 'gamma');
      const tdy = rt.upload(dy, [rows, cols], 'dy');
      const residualGrad = rt.upload(dsum, [rows, cols], 'dsum');
      const dgamma = rt.zeros([cols], 'dgamma');
      const out = addRmsnormForward(rt, ta, tb, tg, { variant });
      const dres = rmsnormBackward(
        rt,
        tdy,
        out.sum,
        tg,
        out.rstd,
        { dgamma, dxAccumulate: residualGrad },
        { variant },
      );
      const [sum, y, gdres, gdg] = await rt.readMany([out.sum, out.y, dres, dgamma]);
      const ref = addRmsnormForwardRef(a, b, gamma, rows, cols);
      expectClose(sum, ref.sum, FWD, `sum ${tag}`);
      expectClose(y, ref.y, FWD, `y ${tag}`);
      const grads = rmsnormBackwardRef(dy, ref.sum, gamma, ref.rstd, rows, cols);
      expectClose(
        gdres,
        grads.dx.map((v, i) => v + dsum[i]),
        GRAD,
        `dsum + dx ${tag}`,
      );
      expectClose(gdg, grads.dgamma, GRAD, `dgamma ${tag}`);
      for (const t of [ta, tb, tg, tdy, residualGrad, dgamma, out.sum, out.y, out.rstd]) t.dispose();
    }
  });
});
