/**
 * Causal attention rows at the default model's shapes: our fused online-softmax kernels
 * (`attentionForward`, and `attentionBackward` after it) against tfjs written the way a tfjs user
 * would: matMul(q, k^T) * scale + causal mask, softmax, matMul(p, v), and tf.grads of that for the
 * backward. tfjs gets q, k, v already in its [B,H,T,D] layout (the same values as ours in [B,T,H,D]),
 * so neither side pays for a transpose.
 */
import { attentionBackward, attentionForward } from '../../kernels/ops/attention/attention.js';
import { randn } from '../../kernels/testing/random.js';
import type { BenchCase, BenchContext, PreparedCase } from '../case.js';
import { DEFAULT_MODEL, type ModelSizes } from './model.js';

/** [B,T,H,D] host values as [B,H,T,D]. */
function toHeadsFirst(x: Float64Array, B: number, T: number, H: number, D: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let b = 0; b < B; b++)
    for (let t = 0; t < T; t++)
      for (let h = 0; h < H; h++)
        for (let d = 0; d < D; d++) out[((b * H + h) * T + t) * D + d] = x[((b * T + t) * H + h) * D + d];
  return out;
}

/** Multiply-adds of q@k^T and p@v over the causal half (both sides compute the full square in tfjs). */
function causalFlops(m: ModelSizes): number {
  const pairs = (m.T * (m.T + 1)) / 2;
  return 2 * 2 * m.B * m.H * pairs * m.D;
}

function prepare({ rt, tf }: BenchContext, m: ModelSizes, backward: boolean): PreparedCase {
  const { B, T, H, D } = m;
  const n = B * T * H * D;
  const [qd, kd, vd, dod] = [11, 12, 13, 14].map((seed) => randn(seed, n, 1));
  const shape = [B, T, H, D];
  const q = rt.upload(qd, shape, 'bench.q');
  const k = rt.upload(kd, shape, 'bench.k');
  const v = rt.upload(vd, shape, 'bench.v');
  const dout = rt.upload(dod, shape, 'bench.dout');
  const opts = { scale: 1 / Math.sqrt(D), qOffset: 0 };
  const ours = () => {
    const { out, lse } = attentionForward(rt, q, k, v, opts);
    if (backward) {
      const g = attentionBackward(rt, dout, q, k, v, out, lse, opts);
      for (const t of [g.dq, g.dk, g.dv]) t.dispose();
    }
    out.dispose();
    lse.dispose();
  };
  if (!tf)
    return {
      ours,
      dispose: () =>
        [q, k, v, dout].forEach((t) => {
          t.dispose();
        }),
    };
  const heads = [B, H, T, D];
  const [tq, tk, tv, tdo] = [qd, kd, vd, dod].map((x) => tf.tensor(toHeadsFirst(x, B, T, H, D), heads));
  const maskData = new Float32Array(T * T);
  for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) maskData[i * T + j] = -1e9;
  const mask = tf.tensor(maskData, [T, T]);
  const attend = (a: typeof tq, b: typeof tk, c: typeof tv) =>
    tf.matMul(tf.softmax(tf.add(tf.mul(tf.matMul(a, b, false, true), opts.scale), mask)), c);
  const grads = tf.grads((a, b, c) => attend(a, b, c));
  const peer = backward
    ? () => tf.tidy(() => void grads([tq, tk, tv], tdo))
    : () => tf.tidy(() => void attend(tq, tk, tv));
  return {
    ours,
    peer,
    dispose() {
      for (const t of [q, k, v, dout]) t.dispose();
      for (const t of [tq, tk, tv, tdo, mask]) t.dispose();
    },
  };
}

export function attentionCases(m: ModelSizes = DEFAULT_MODEL): BenchCase[] {
  const shape = `q,k,v [${m.B},${m.T},${m.H},${m.D}] causal`;
  return [
    {
      section: 'kernels',
      name: 'attention fwd',
      shape,
      flops: causalFlops(m),
      setup: (ctx) => prepare(ctx, m, false),
    },
    {
      section: 'kernels',
      name: 'attention fwd+bwd',
      shape,
      flops: 3.5 * causalFlops(m), // backward: recomputed scores, dP, dQ, dK, dV
      setup: (ctx) => prepare(ctx, m, true),
    },
  ];
}
