/**
 * Policy-loss tokens: hand-computed cases (signs and clip branches written out), the reference's
 * dlp against central finite differences of the weighted loss, and the GPU against the float64
 * reference on random tokens (the engine's policy-loss-gpu.test.ts checks it against engine/rl).
 */
import { describe, expect, it } from 'vitest';
import { compareClose, expectClose } from '../../testing/compare.js';
import { numericalGradient } from '../../testing/finite-diff.js';
import { testRuntime } from '../../testing/gpu.js';
import { f32, randn, randu } from '../../testing/random.js';
import {
  POLICY_INFO,
  type PolicyLossKernelOptions,
  policyLossTokens,
  valueLossTokens,
} from './policy_loss.js';
import { policyLossTokensRef, valueLossTokensRef } from './policy_loss.ref.js';

const OUT = { atol: 1e-6, rtol: 1e-5 };
const GRAD = { atol: 1e-7, rtol: 1e-5 };
const BASE: PolicyLossKernelOptions = {
  hasOld: true,
  epsilon: 0.2,
  epsilonHigh: 0.2,
  klInLoss: false,
  beta: 0,
  klEstimator: 'k3',
  hasRef: false,
  klMetric: 'k3',
  entropyCoef: 0,
};

/**
 * Random tokens: info [N,5] = (old, ref, A, weight, counted), about 1 in 7 not counted and some of the
 * rest forced prefix tokens (counted 2: surrogate only).
 */
function randomTokens(seed: number, n: number) {
  const lp = f32(randu(seed, n, -4, -0.05));
  const old = randn(seed + 1, n, 0.3);
  const ref = randn(seed + 2, n, 0.4);
  const a = randn(seed + 3, n);
  const w = randu(seed + 4, n, 0.01, 0.2);
  const info = new Float64Array(n * 5);
  for (let k = 0; k < n; k++) {
    const counted = k % 7 === 3 ? 0 : k % 5 === 1 ? 2 : 1;
    info.set([lp[k] + old[k], lp[k] + ref[k], a[k], counted ? w[k] : 0, counted], k * 5);
  }
  return { lp, entropy: f32(randu(seed + 5, n, 0, 3)), info: f32(info) };
}

async function runGpu(
  lp: Float64Array,
  entropy: Float64Array,
  info: Float64Array,
  opts: PolicyLossKernelOptions,
) {
  const rt = await testRuntime();
  const n = lp.length;
  const lt = rt.upload(lp, [n], 'lp');
  const ht = rt.upload(entropy, [n], 'entropy');
  const it = rt.upload(info, [n, POLICY_INFO.length], 'info');
  const out = policyLossTokens(rt, lt, ht, it, opts);
  const [dlogprob, dentropy, stats] = await rt.readMany([out.dlogprob, out.dentropy, out.stats]);
  for (const t of [lt, ht, it, out.dlogprob, out.dentropy, out.stats]) t.dispose();
  return { dlogprob, dentropy, stats };
}

describe('policy-loss tokens, hand-computed', () => {
  // rows: (lp, old, A); weight 0.5; epsilon 0.2 both sides
  const lp = [-1, -1.5, -1, -1, -2];
  const old = [-1.5, -1, -1.5, -0.5, -2];
  const a = [2, 2, -1, -1, 3];
  const info = new Float64Array(lp.length * 5);
  lp.forEach((_, k) => {
    info.set([old[k], 0, a[k], 0.5, 1], k * 5);
  });
  const rho = lp.map((x, k) => Math.exp(x - old[k]));
  // token 0: rho 1.6487 > 1.2, A > 0: clipped, L = -1.2*2, no gradient, counted high
  // token 1: rho 0.6065, A > 0: unclipped wins, L = -rho*2, gradient -rho*2, not counted low (A > 0)
  // token 2: rho 1.6487, A < 0: unclipped wins, L = +rho, gradient +rho (raising lp raises the loss)
  // token 3: rho 0.6065 < 0.8, A < 0: clipped, L = 0.8, no gradient, counted low
  // token 4: rho 1: L = -3, gradient -3
  const wantLoss = [-2.4, -2 * rho[1], rho[2], 0.8, -3].map((x) => 0.5 * x);
  const wantGrad = [0, -2 * rho[1], rho[2], 0, -3].map((x) => 0.5 * x);
  const wantLow = [0, 0, 0, 1, 0];
  const wantHigh = [1, 0, 0, 0, 0];

  it('reference', () => {
    const r = policyLossTokensRef(lp, new Float64Array(5), info, 5, BASE);
    expectClose(r.dlogprob, wantGrad, { atol: 1e-12, rtol: 0 }, 'dlp');
    expectClose(
      [0, 1, 2, 3, 4].map((k) => r.stats[k * 5]),
      wantLoss,
      { atol: 1e-12, rtol: 0 },
      'loss',
    );
    expect([0, 1, 2, 3, 4].map((k) => r.stats[k * 5 + 1])).toEqual(wantLow);
    expect([0, 1, 2, 3, 4].map((k) => r.stats[k * 5 + 2])).toEqual(wantHigh);
  });

  it('GPU', async () => {
    const g = await runGpu(f32(Float64Array.from(lp)), new Float64Array(5), f32(info), BASE);
    expectClose(g.dlogprob, wantGrad, GRAD, 'dlp');
    expectClose(
      [0, 1, 2, 3, 4].map((k) => g.stats[k * 5]),
      wantLoss,
      OUT,
      'loss',
    );
    expect(Array.from([0, 1, 2, 3, 4], (k) => g.stats[k * 5 + 1])).toEqual(wantLow);
    expect(Array.from([0, 1, 2, 3, 4], (k) => g.stats[k * 5 + 2])).toEqual(wantHigh);
    // a comparison that would pass a sign error is no test: the negated gradient must be refused
    expect(
      compareClose(
        g.dlogprob,
        wantGrad.map((x) => -x),
        GRAD,
      ).ok,
    ).toBe(false);
  });

  it('a forced prefix token (counted 2): the surrogate alone, no KL or entropy term, zero stats but its loss', async () => {
    // lp -1, old -1.5, A⁺ 2 (packed by the caller), weight 0.5, beta 1 k3, entropy bonus 0.1, H 2:
    // rho 1.6487 > 1.2 clipped: L = -1.2*2 = -2.4, weighted -1.2, gradient 0; with old = lp, rho 1:
    // L = -2, gradient -2*0.5 = -1. A counted-1 token would add KL and -0.1*2 and count high.
    const opts = { ...BASE, klInLoss: true, beta: 1, hasRef: true, entropyCoef: 0.1 };
    const info = [-1.5, -0.5, 2, 0.5, 2];
    for (const [o, loss, grad] of [
      [opts, -1.2, 0],
      [{ ...opts, hasOld: false }, -1, -1],
    ] as const) {
      const r = policyLossTokensRef([-1], [2], info, 1, o);
      expect(Array.from(r.stats)).toEqual([loss, 0, 0, 0, 0]);
      expect(r.dlogprob[0]).toBeCloseTo(grad, 12);
      expect(r.dentropy[0]).toBe(0);
      const g = await runGpu(
        f32(Float64Array.of(-1)),
        f32(Float64Array.of(2)),
        f32(Float64Array.from(info)),
        o,
      );
      expectClose(g.stats, [loss, 0, 0, 0, 0], OUT, 'stats');
      expectClose(g.dlogprob, [grad], GRAD, 'dlp');
      expect(g.dentropy[0]).toBe(0);
    }
  });

  it('k3 at d = ref - lp = -0.5 is expm1(-0.5) + 0.5 = 0.106531, gradient -expm1(-0.5)', () => {
    const opts = { ...BASE, epsilon: null, klInLoss: true, beta: 1, hasRef: true };
    const r = policyLossTokensRef([-1], [0], [0, -1.5, 0, 1, 1], 1, { ...opts, hasOld: false });
    expect(r.stats[0]).toBeCloseTo(0.106531, 6);
    expect(r.stats[3]).toBeCloseTo(0.106531, 6);
    expect(r.dlogprob[0]).toBeCloseTo(1 - Math.exp(-0.5), 12);
  });
});

describe('policy-loss tokens reference', () => {
  it('dlp is the derivative of the weighted loss (finite differences, every estimator)', () => {
    const n = 40;
    const { lp, entropy, info } = randomTokens(11, n);
    for (const klEstimator of ['k1', 'k2', 'k3'] as const) {
      const opts = { ...BASE, epsilonHigh: 0.28, klInLoss: true, beta: 0.3, klEstimator, hasRef: true };
      const loss = (x: Float64Array) => {
        const s = policyLossTokensRef(x, entropy, info, n, opts).stats;
        let sum = 0;
        for (let k = 0; k < n; k++) sum += s[k * 5];
        return sum;
      };
      const analytic = policyLossTokensRef(lp, entropy, info, n, opts).dlogprob;
      expectClose(
        analytic,
        numericalGradient(loss, Float64Array.from(lp)),
        { atol: 1e-7, rtol: 1e-5 },
        klEstimator,
      );
    }
  });
});

describe('policy-loss tokens on the GPU', () => {
  const variants: [string, Partial<PolicyLossKernelOptions>][] = [
    ['clip 0.2/0.2', {}],
    ['clip-higher 0.2/0.28, entropy bonus', { epsilonHigh: 0.28, entropyCoef: 0.01 }],
    ['no clipping', { epsilon: null }],
    ['num_iterations 1 (rho = 1)', { hasOld: false }],
    ['beta 0.04 k1', { klInLoss: true, beta: 0.04, klEstimator: 'k1', hasRef: true, klMetric: 'k1' }],
    ['beta 0.04 k2', { klInLoss: true, beta: 0.04, klEstimator: 'k2', hasRef: true, klMetric: 'k2' }],
    ['beta 0.5 k3', { klInLoss: true, beta: 0.5, klEstimator: 'k3', hasRef: true }],
    ['kl metric only (k1)', { hasRef: true, klMetric: 'k1' }],
  ];
  for (const n of [1, 67, 333]) {
    for (const [name, o] of variants) {
      it(`matches the reference: ${name}, N=${n}`, async () => {
        const opts = { ...BASE, ...o };
        const { lp, entropy, info } = randomTokens(100 + n, n);
        const g = await runGpu(lp, entropy, info, opts);
        const r = policyLossTokensRef(lp, entropy, info, n, opts);
        expectClose(g.dlogprob, r.dlogprob, GRAD, 'dlp');
        expectClose(g.dentropy, r.dentropy, GRAD, 'dH');
        expectClose(g.stats, r.stats, OUT, 'stats');
        if (!opts.hasOld) {
          // rho exactly 1: the gradient is exactly -w*A in float32 and nothing is clipped
          for (let k = 0; k < n; k++) {
            expect(g.dlogprob[k]).toBe(Math.fround(info[k * 5 + 3] * -info[k * 5 + 2]) + 0);
            expect(g.stats[k * 5 + 1] + g.stats[k * 5 + 2]).toBe(0);
          }
        }
      });
    }
  }
});

describe('value-loss tokens', () => {
  it('reference: V = 1, V_old = 0.5, R = 0, c = 0.2 gives 0.5*scale and gradient scale', () => {
    const r = valueLossTokensRef([1, 0.6], [0.5, 0, 2, 0.5, 0, 2], 2, { clipRange: 0.2 });
    expect(r.stats[0]).toBeCloseTo(1, 12); // 2 * 0.5 * max(1, 0.49)
    expect(r.dvalues[0]).toBeCloseTo(2, 12);
    expect(r.dvalues[1]).toBeCloseTo(1.2, 12); // inside the clip range: (V - R) * scale
  });

  for (const n of [5, 130]) {
    it(`GPU matches the reference, N=${n}`, async () => {
      const rt = await testRuntime();
      const v = f32(randn(7 + n, n));
      const info = new Float64Array(n * 3);
      const vOld = randn(8 + n, n, 0.3);
      const ret = randn(9 + n, n);
      for (let k = 0; k < n; k++) info.set([v[k] + vOld[k], ret[k], k % 5 === 2 ? 0 : 0.25], k * 3);
      const info32 = f32(info);
      const vt = rt.upload(v, [n], 'values');
      const it = rt.upload(info32, [n, 3], 'info');
      const out = valueLossTokens(rt, vt, it, { clipRange: 0.2 });
      const [dv, stats] = await rt.readMany([out.dvalues, out.stats]);
      const r = valueLossTokensRef(v, info32, n, { clipRange: 0.2 });
      expectClose(dv, r.dvalues, GRAD, 'dV');
      expectClose(stats, r.stats, OUT, 'value loss');
      for (const t of [vt, it, out.dvalues, out.stats]) t.dispose();
    });
  }
});
