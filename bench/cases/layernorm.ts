/**
 * LayerNorm rows on the default model's activations [B*T, C] = [3072,128]: our row kernels
 * (`layernormForward`, then `layernormBackward` with dgamma/dbeta accumulated in place, as the
 * trainer does) against tfjs's moments-based layernorm and tf.grads of it with the same dy. Rows are
 * memory-bound, so the throughput column is GB/s of the minimum traffic (x, y, dy, dx), not GFLOP/s.
 */
import { layernormBackward, layernormForward } from '../../kernels/ops/layernorm/layernorm.js';
import { randn } from '../../kernels/testing/random.js';
import type { BenchCase, BenchContext, PreparedCase } from '../case.js';
import { DEFAULT_MODEL, type ModelSizes, rows } from './model.js';

const EPS = 1e-5;

function prepare({ rt, tf }: BenchContext, N: number, C: number, backward: boolean): PreparedCase {
  const xd = randn(21, N * C, 1);
  const dyd = randn(22, N * C, 1);
  const gd = randn(23, C, 0.1).map((g) => 1 + g);
  const bd = randn(24, C, 0.1);
  const x = rt.upload(xd, [N, C], 'bench.x');
  const dy = rt.upload(dyd, [N, C], 'bench.dy');
  const gamma = rt.upload(gd, [C], 'bench.gamma');
  const beta = rt.upload(bd, [C], 'bench.beta');
  const dgamma = rt.zeros([C], 'bench.dgamma');
  const dbeta = rt.zeros([C], 'bench.dbeta');
  const ours = () => {
    const { y, mean, rstd } = layernormForward(rt, x, gamma, beta, { eps: EPS });
    if (backward) layernormBackward(rt, dy, x, gamma, mean, rstd, { dgamma, dbeta }).dispose();
    for (const t of [y, mean, rstd]) t.dispose();
  };
  const mine = [x, dy, gamma, beta, dgamma, dbeta];
  if (!tf)
    return {
      ours,
      dispose: () =>
        mine.forEach((t) => {
          t.dispose();
        }),
    };
  const [tx, tdy] = [xd, dyd].map((d) => tf.tensor(Float32Array.from(d), [N, C]));
  const [tg, tb] = [gd, bd].map((d) => tf.tensor(Float32Array.from(d), [C]));
  const layernorm = (a: typeof tx, g: typeof tg, b: typeof tb) => {
    const { mean, variance } = tf.moments(a, -1, true);
    return tf.add(tf.mul(tf.mul(tf.sub(a, mean), tf.rsqrt(tf.add(variance, EPS))), g), b);
  };
  const grads = tf.grads((a, g, b) => layernorm(a, g, b));
  return {
    ours,
    peer: backward
      ? () => tf.tidy(() => void grads([tx, tg, tb], tdy))
      : () => tf.tidy(() => void layernorm(tx, tg, tb)),
    dispose() {
      for (const t of mine) t.dispose();
      for (const t of [tx, tdy, tg, tb]) t.dispose();
    },
  };
}

export function layernormCases(m: ModelSizes = DEFAULT_MODEL): BenchCase[] {
  const N = rows(m);
  const shape = `[${N},${m.C}]`;
  const tensorBytes = N * m.C * 4;
  return [
    {
      section: 'kernels',
      name: 'layernorm fwd',
      shape,
      bytes: 2 * tensorBytes, // read x, write y
      setup: (ctx) => prepare(ctx, N, m.C, false),
    },
    {
      section: 'kernels',
      name: 'layernorm fwd+bwd',
      shape,
      bytes: 5 * tensorBytes, // forward, then read dy and x, write dx
      setup: (ctx) => prepare(ctx, N, m.C, true),
    },
  ];
}
