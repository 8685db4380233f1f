/**
 * SFT losses: a hand-computed case of each, the float64 reference's gradient against central finite
 * differences (for dft and asft with the stop-gradient weight held at its base-point value), and the
 * GPU (real WGSL) against the float64 reference on random rows with ignored targets.
 */
import { describe, expect, it } from 'vitest';
import { compareClose, expectClose } from '../../testing/compare.js';
import { numericalGradient } from '../../testing/finite-diff.js';
import { testRuntime } from '../../testing/gpu.js';
import { f32, randint, randn } from '../../testing/random.js';
import { sftLossPiece } from './sft_loss.js';
import { type SftLoss, sftLossRef } from './sft_loss.ref.js';

const FWD = { atol: 1e-5, rtol: 1e-5 };
const GRAD = { atol: 1e-6, rtol: 1e-4 };
const LOSSES: SftLoss[] = ['ce', 'dft', 'asft'];
const SHAPES: [number, number][] = [
  [1, 7],
  [5, 33],
  [17, 50],
  [67, 7],
];

function targetsFor(seed: number, n: number, v: number): Int32Array {
  const t = randint(seed, n, v);
  for (let r = 3; r < n; r += 4) t[r] = -1;
  return t;
}

describe('SFT losses, hand-computed', () => {
  // row 0: logits [0, 0], target 0: p = (1/2, 1/2), lp = -ln 2; reference logits [ln 3, 0]: q = (3/4, 1/4)
  // KL = 1/2 ln(2/3) + 1/2 ln 2 = 1/2 ln(4/3); row 1 is ignored
  const logits = Float64Array.from([0, 0, 5, -5]);
  const ref = Float64Array.from([Math.log(3), 0, 1, 2]);
  const targets = [0, -1];
  const kl = 0.5 * Math.log(4 / 3);
  it('ce = ln 2, dft = ln 2 / 2, asft = ln 2 / 2 + beta KL', () => {
    const at = (loss: SftLoss) => sftLossRef(logits, ref, targets, 2, 2, { loss, anchorBeta: 0.1 });
    expect(at('ce').loss).toBeCloseTo(Math.LN2, 12);
    expect(at('dft').loss).toBeCloseTo(Math.LN2 / 2, 12);
    expect(at('asft').loss).toBeCloseTo(Math.LN2 / 2 + 0.1 * kl, 12);
    expect(at('asft').anchorKl).toBeCloseTo(kl, 12);
    expect(at('dft').anchorKl).toBe(0);
    expect(at('asft').tokenLoss[1]).toBe(0);
  });
  it('asft gradient: p_y(p - onehot) + beta p (log p - log q - KL)', () => {
    const g = sftLossRef(logits, ref, targets, 2, 2, { loss: 'asft', anchorBeta: 0.1 }).dlogits;
    // dft part 1/2 (1/2 - 1, 1/2); anchor part 1/2 (ln(2/3) - KL, ln 2 - KL) = (-x, x), x = 1/4 ln 3
    const x = 0.25 * Math.log(3);
    expectClose(g, [-0.25 - 0.1 * x, 0.25 + 0.1 * x, 0, 0], { atol: 1e-12, rtol: 0 }, 'dlogits');
  });
});

describe('SFT losses, reference gradient', () => {
  const n = 5;
  const v = 9;
  const x = randn(3, n * v, 2);
  const ref = randn(4, n * v, 2);
  const t = targetsFor(5, n, v);
  for (const loss of LOSSES) {
    it(`${loss}: matches central finite differences (weights held at the base point)`, () => {
      const opts = { loss, anchorBeta: 0.3 };
      const base = sftLossRef(x, ref, t, n, v, opts);
      const num = numericalGradient((z) => sftLossRef(z, ref, t, n, v, opts, base.weights).loss, x);
      expectClose(base.dlogits, num, { atol: 1e-8, rtol: 1e-6 }, `${loss} dlogits`);
    });
  }
  it('dft: without the stop-gradient the surrogate has another gradient', () => {
    const opts = { loss: 'dft' as const, anchorBeta: 0 };
    const num = numericalGradient((z) => sftLossRef(z, null, t, n, v, opts).loss, x);
    const r = compareClose(sftLossRef(x, null, t, n, v, opts).dlogits, num, { atol: 1e-6, rtol: 1e-4 });
    expect(r.ok).toBe(false);
  });
});

describe('SFT losses on the GPU', () => {
  for (const loss of LOSSES) {
    for (const [n, v] of SHAPES) {
      it(`${loss} matches the float64 reference for [${n},${v}]`, async () => {
        const rt = await testRuntime();
        const x = f32(randn(30 + n, n * v, 3));
        const ref = f32(randn(60 + n, n * v, 3));
        const t = targetsFor(40 + v, n, v);
        const opts = { loss, anchorBeta: 0.25 };
        const want = sftLossRef(x, ref, t, n, v, opts);
        const count = t.filter((y) => y >= 0).length;
        const xt = rt.upload(x, [n, v], 'logits');
        const rtT = rt.upload(ref, [n, v], 'refLogits');
        const tt = rt.upload(t, [n], 'targets', 'i32');
        const got = sftLossPiece(rt, xt, loss === 'asft' ? rtT : null, tt, opts, 1 / count);
        const tokenLoss = await rt.readF32(got.tokenLoss);
        const dlogits = await rt.readF32(got.dlogits);
        expectClose(tokenLoss, want.tokenLoss, FWD, `${loss} tokenLoss`);
        expectClose(dlogits, want.dlogits, GRAD, `${loss} dlogits`);
        if (got.kl) expectClose(await rt.readF32(got.kl), want.kl, FWD, 'kl');
        else expect(loss).not.toBe('asft');
        for (const tensor of [xt, rtT, tt, got.tokenLoss, got.kl, got.dlogits]) tensor?.dispose();
      });
    }
  }
});
