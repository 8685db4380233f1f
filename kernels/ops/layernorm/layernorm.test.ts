// LayerNorm oracle tests: the float64 reference backward against central finite differences, then the
// GPU (both row-kernel variants) against the reference on seeded odd shapes, including the fused
// residual add and accumulation into dgamma/dbeta/dx.
import { describe, it } from 'vitest';
import { expectClose } from '../../testing/compare.js';
import { dot, numericalGradient } from '../../testing/finite-diff.js';
import { testRuntime } from '../../testing/gpu.js';
import { f32, randn } from '../../testing/random.js';
import { addLayernormForward, layernormBackward, layernormForward, NORM_VARIANTS } from './layernorm.js';
import { addLayernormForwardRef, layernormBackwardRef, layernormForwardRef } from './layernorm.ref.js';

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
    beta: f32(randn(seed + 2, cols)),
    dy: f32(randn(seed + 3, rows * cols)),
  };
}

describe('layernorm reference backward vs finite differences', () => {
  for (const [rows, cols] of [
    [3, 5],
    [2, 1],
    [1, 7],
  ]) {
    it(`[${rows},${cols}]`, () => {
      const { x, gamma, beta, dy } = inputs(rows * 10 + cols, rows, cols);
      const loss = (xx: Float64Array, g: Float64Array, b: Float64Array) =>
        dot(layernormForwardRef(xx, g, b, rows, cols).y, dy);
      const { mean, rstd } = layernormForwardRef(x, gamma, beta, rows, cols);
      const got = layernormBackwardRef(dy, x, gamma, mean, rstd, rows, cols);
      expectClose(
        got.dx,
        numericalGradient((v) => loss(v, gamma, beta), x),
        FD,
        'dx',
      );
      expectClose(
        got.dgamma,
        numericalGradient((v) => loss(x, v, beta), gamma),
        FD,
        'dgamma',
      );
      expectClose(
        got.dbeta,
        numericalGradient((v) => loss(x, gamma, v), beta),
        FD,
        'dbeta',
      );
    });
  }

  it('fused add: da = db = dsum + dx(layernorm)', () => {
    const [rows, cols] = [3, 4];
    const a = randn(1, rows * cols);
    const b = randn(2, rows * cols);
    const { gamma, beta, dy } = inputs(3, rows, cols);
    const dsum = randn(9, rows * cols);
    const loss = (aa: Float64Array, bb: Float64Array) => {
      const out = addLayernormForwardRef(aa, bb, gamma, beta, rows, cols);
      return dot(out.y, dy) + dot(out.sum, dsum);
    };
    const fwd = addLayernormForwardRef(a, b, gamma, beta, rows, cols);
    const { dx } = layernormBackwardRef(dy, fwd.sum, gamma, fwd.mean, fwd.rstd, rows, cols);
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

describe.each(NORM_VARIANTS)('layernorm on the GPU vs float64 reference, %s', (variant) => {
  it('forward and backward, every N x C combination', async () => {
    const rt = await testRuntime();
    for (const rows of ROWS) {
      for (const cols of [...COLS, WIDE]) {
        const tag = `[${rows},${cols}]`;
        const { x, gamma, beta, dy } = inputs(rows * 1000 + cols, rows, cols);
        const dgamma0 = f32(randn(7, cols));
        const dbeta0 = f32(randn(8, cols));
        const tx = rt.upload(x, [rows, cols], 'x');
        const tg = rt.upload(gamma, [cols], 'gamma');
        const tb = rt.upload(beta, [cols], 'beta');
        const tdy = rt.upload(dy, [rows, cols], 'dy');
        const dgamma = rt.upload(dgamma0, [cols], 'dgamma');
        const dbeta = rt.upload(dbeta0, [cols], 'dbeta');
        const out = layernormForward(rt, tx, tg, tb, { variant });
        const dx = layernormBackward(rt, tdy, tx, tg, out.mean, out.rstd, { dgamma, dbeta }, { variant });
        const [y, mean, rstd, gdx, gdg, gdb] = await rt.readMany([
          out.y,
          out.mean,
          out.rstd,
          dx,
          dgamma,
          dbeta,
        ]);
        const ref = layernormForwardRef(x, gamma, beta, rows, cols);
        expectClose(y, ref.y, FWD, `y ${tag}`);
        expectClose(mean, ref.mean, FWD, `mean ${tag}`);
        expectClose(rstd, ref.rstd, { atol: 1e-5, rtol: 1e-4 }, `rstd ${tag}`);
        const grads = layernormBackwardRef(dy, x, gamma, ref.mean, ref.rstd, rows, cols);
        expectClose(gdx, grads.dx, GRAD, `dx ${tag}`);
        expectClose(
          gdg,
          grads.dgamma.map((v, i) => v + dgamma0[i]),
          GRAD,
          `dgamma (accumulated) ${tag}`,
        );
        expectClose(
          gdb,
          grads.dbeta.map((v, i) => v + dbeta0[i]),
          GRAD,
          `dbeta (accumulated) ${tag}`,
        );
        for (const t of [tx, tg, tb, tdy, dgamma, dbeta, out.y, out.mean, out.rstd, dx]) t.dispose();
      }
    }
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
      const { gamma, beta, dy } = inputs(rows + cols, rows, cols);
      const a = f32(randn(1, rows * cols));
      const b = f32(randn(2, rows * cols));
      const dsum = f32(randn(3, rows * cols));
      const ta = rt.upload(a, [rows, cols], 'a');
      const tb = rt.upload(b, [rows, cols], 'b');
      const tg = rt.upload(gamma, [cols], 'gamma');
      const tbeta = rt.upload(beta, [cols], 'beta');
      const tdy = rt.upload(dy, [rows, cols], 'dy');
      const residualGrad = rt.upload(dsum, [rows, cols], 'dsum');
      const dgamma = rt.zeros([cols], 'dgamma');
      const dbeta = rt.zeros([cols], 'dbeta');
      const out = addLayernormForward(rt, ta, tb, tg, tbeta, { variant });
      const dres = layernormBackward(
        rt,
        tdy,
        out.sum,
        tg,
        out.mean,
        out.rstd,
        {
          dgamma,
          dbeta,
          dxAccumulate: residualGrad,
        },
        { variant },
      );
      const [sum, y, gdres, gdg] = await rt.readMany([out.sum, out.y, dres, dgamma]);
      const ref = addLayernormForwardRef(a, b, gamma, beta, rows, cols);
      expectClose(sum, ref.sum, FWD, `sum ${tag}`);
      expectClose(y, ref.y, FWD, `y ${tag}`);
      const grads = layernormBackwardRef(dy, ref.sum, gamma, ref.mean, ref.rstd, rows, cols);
      expectClose(
        gdres,
        grads.dx.map((v, i) => v + dsum[i]),
        GRAD,
        `dsum + dx ${tag}`,
      );
      expectClose(gdg, grads.dgamma, GRAD, `dgamma ${tag}`);
      for (const t of [
        ta,
        tb,
        tg,
        tbeta,
        tdy,
        residualGrad,
        dgamma,
        dbeta,
        out.sum,
        out.y,
        out.mean,
        out.rstd,
      ]) {
        t.dispose();
      }
    }
  });
});
