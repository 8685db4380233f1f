import { describe, expect, it } from 'vitest';
import { klEstimate as kernelKlEstimate } from '../../kernels/ops/policy_loss/kl';
import { policyLossTokensRef } from '../../kernels/ops/policy_loss/policy_loss.ref';
import { expectClose } from '../../kernels/testing/compare';
import { numericalGradient } from '../../kernels/testing/finite-diff';
import { randn } from '../../kernels/testing/random';
import { aggregationWeights, type LossType } from './aggregation';
import { type KlEstimator, klEstimate, klEstimateGrad, klPenalizedRewards } from './kl';
import { type PolicyLossInput, type PolicyLossOptions, policyLoss, sftLoss, valueLoss } from './policy-loss';
import { clippedSurrogate } from './surrogate';

const base: PolicyLossOptions = {
  loss_type: 'grpo',
  epsilon: 0.2,
  epsilon_high: 0.28,
  beta: 0.04,
  kl_estimator: 'k3',
  kl_in: 'loss',
  entropy_coef: 0,
  mask_truncated_completions: false,
  max_completion_length: 4,
};

// 5 rows x L 4, ragged lengths [4,2,1,3,4]; row 4 truncated (hit L without EOS).
const rows = 5;
const L = 4;
const lengths = [4, 2, 1, 3, 4];
const mask = new Float64Array(rows * L);
lengths.forEach((n, b) => {
  for (let t = 0; t < n; t++) mask[b * L + t] = 1;
});
const truncated = [0, 0, 0, 0, 1];
const microBatch = [0, 0, 1, 1, 1];

function batch(seed: number, oldSpread: number): PolicyLossInput {
  const lp = randn(seed, rows * L, 0.5).map((x) => x - 1.5);
  // old a little away from lp so that some ratios clip; keep rho off the clip boundaries
  const old = lp.map((x, i) => x + randn(seed + 1, rows * L, oldSpread)[i]);
  for (let i = 0; i < old.length; i++) {
    const rho = Math.exp(lp[i] - old[i]);
    for (const edge of [0.8, 1.2, 1.28]) if (Math.abs(rho - edge) < 1e-3) old[i] += 0.01;
  }
  return {
    rows,
    lp,
    old,
    ref: lp.map((x, i) => x + randn(seed + 2, rows * L, 0.3)[i]),
    advantages: randn(seed + 3, rows),
    mask,
    truncated,
    microBatch,
    entropies: randn(seed + 4, rows * L).map(Math.abs),
  };
}

describe('per-token pieces', () => {
  it('KL estimators at lp=-1, ref=-1.5 (d=-0.5): k1 0.5, k2 0.125, k3 expm1(-0.5)+0.5 = 0.1065307', () => {
    expect(klEstimate('k1', -1, -1.5)).toBeCloseTo(0.5, 12);
    expect(klEstimate('k2', -1, -1.5)).toBeCloseTo(0.125, 12);
    expect(klEstimate('k3', -1, -1.5)).toBeCloseTo(0.10653065971263342, 12);
    for (const k of ['k1', 'k2', 'k3'] as const) {
      const h = 1e-6;
      const fd = (klEstimate(k, -1 + h, -1.5) - klEstimate(k, -1 - h, -1.5)) / (2 * h);
      expect(klEstimateGrad(k, -1, -1.5)).toBeCloseTo(fd, 7);
      expect(klEstimate(k, -0.7, -0.7)).toBe(0);
    }
  });

  it('k3 is expm1(d) - d: one definition, shared bit for bit with the kernel oracle, exact near d = 0', () => {
    expect(klEstimate).toBe(kernelKlEstimate);
    const n = 2000;
    const lp = randn(91, n).map((x) => 3 * x);
    // spread of d from 1e-12 to 10 in magnitude, both signs
    const ref = lp.map((x, k) => x + (k % 2 ? 1 : -1) * 10 ** (-12 + (13 * k) / n));
    const info = new Float64Array(n * 5);
    for (let k = 0; k < n; k++) info.set([0, ref[k], 0, 1, 1], k * 5);
    for (const e of ['k1', 'k2', 'k3'] as const) {
      const opts = { hasOld: false, epsilon: null, epsilonHigh: 0.2, klInLoss: false, beta: 0 };
      const stats = policyLossTokensRef(lp, new Float64Array(n), info, n, {
        ...opts,
        klEstimator: e,
        hasRef: true,
        klMetric: e,
        entropyCoef: 0,
      }).stats;
      for (let k = 0; k < n; k++) {
        const d = ref[k] - lp[k];
        if (e === 'k3') expect(klEstimate(e, lp[k], ref[k])).toBe(Math.expm1(d) - d);
        expect(stats[k * 5 + 3]).toBe(klEstimate(e, lp[k], ref[k]));
      }
    }
    // near d = 0 k3 ~ d^2/2, while the form exp(d) - d - 1 cancels to exactly 0 there
    const d = 1e-9;
    expect(klEstimate('k3', 0, d) / ((d * d) / 2)).toBeCloseTo(1, 6);
    expect(Math.exp(d) - d - 1).toBe(0);
  });

  it('k1 in reward: r - beta*sum(lp-ref) = 1 - 0.1*(0.5 + 1) = 0.85 for row 0; masked tokens ignored', () => {
    const out = klPenalizedRewards([1, 2], [-1, -1, -2, -9], [-1.5, -2, -2, 0], [1, 1, 1, 0], 0.1);
    expectClose(out, [0.85, 2], { atol: 1e-12, rtol: 0 }, 'penalised');
  });

  it('clipped surrogate: rho = e^0.5 = 1.6487, A=2 -> clipped at 1.2: L=-2.4, grad 0, high; A=-2 -> L=+3.297, grad = 3.297', () => {
    const c = { epsilon: 0.2, epsilon_high: 0.2 };
    const hi = clippedSurrogate(-1, -1.5, 2, c);
    expect(hi.loss).toBeCloseTo(-2.4, 12);
    expect(hi.grad).toBe(0);
    expect(hi.clippedHigh).toBe(true);
    const neg = clippedSurrogate(-1, -1.5, -2, c);
    // -min(1.6487*-2, 1.2*-2) = -(-3.2974) ; gradient -rho*A = 3.2974
    expect(neg.loss).toBeCloseTo(2 * Math.exp(0.5), 12);
    expect(neg.grad).toBeCloseTo(2 * Math.exp(0.5), 12);
    expect(neg.clippedLow || neg.clippedHigh).toBe(false);
    const low = clippedSurrogate(-1.5, -1, -2, c); // rho = e^-0.5 = 0.6065 < 0.8, A<0 -> clipped low
    expect(low.loss).toBeCloseTo(1.6, 12);
    expect(low.grad).toBe(0);
    expect(low.clippedLow).toBe(true);
    const off = clippedSurrogate(-1, -1.5, 2, { epsilon: null, epsilon_high: null });
    expect(off.loss).toBeCloseTo(-2 * Math.exp(0.5), 12);
  });

  it('aggregation weights for |o| = [2, 1], L_max 4: grpo 1/4,1/2; dapo 1/3; dr_grpo 1/8', () => {
    const input = {
      mask: [1, 1, 0, 0, 1, 0, 0, 0],
      rows: 2,
      mask_truncated_completions: false,
      max_completion_length: 4,
    };
    const w = (t: LossType) => Array.from(aggregationWeights(t, input));
    expect(w('grpo')).toEqual([0.25, 0.25, 0, 0, 0.5, 0, 0, 0]);
    expect(w('dapo')).toEqual([1 / 3, 1 / 3, 0, 0, 1 / 3, 0, 0, 0]);
    expect(w('bnpo')).toEqual(w('dapo'));
    expect(w('sft')).toEqual(w('dapo'));
    expect(w('dr_grpo')).toEqual([0.125, 0.125, 0, 0, 0.125, 0, 0, 0]);
    // bnpo with rows in separate micro-batches: mean of per-batch ratios -> 1/(2*2), 1/(2*1)
    expect(Array.from(aggregationWeights('bnpo', { ...input, microBatch: [0, 1] }))).toEqual(w('grpo'));
    // truncated row 1 masked: grpo has N=1 -> 1/2 each on row 0, row 1 nothing
    const masked = { ...input, truncated: [0, 1], mask_truncated_completions: true };
    expect(Array.from(aggregationWeights('grpo', masked))).toEqual([0.5, 0.5, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(aggregationWeights('dr_grpo', masked))).toEqual([0.25, 0.25, 0, 0, 0, 0, 0, 0]);
  });
});

describe('policyLoss', () => {
  it('num_iterations = 1 (old = null): rho = 1, no clipping, loss = -mean A under grpo; KL 0 when ref = lp', () => {
    const b = batch(11, 0.3);
    const r = policyLoss({ ...b, old: null, ref: b.lp }, base);
    expect(r.metrics['clip_ratio/region_mean']).toBe(0);
    expect(r.metrics['clip_ratio/low_mean']).toBe(0);
    expect(r.metrics['clip_ratio/high_mean']).toBe(0);
    expect(r.metrics.kl).toBe(0);
    // grpo: (1/N) sum_i (1/|o_i|) sum_t -A_i = -mean_i A_i
    const A = b.advantages as Float64Array;
    expect(r.loss).toBeCloseTo(-A.reduce((s, a) => s + a, 0) / rows, 12);
    // gradient -A_i * w_{i,t}: row 0 has 4 tokens -> -A_0/(5*4)
    expect(r.dLossDLp[0]).toBeCloseTo(-A[0] / 20, 12);
    // old given equal to lp gives the same numbers
    const same = policyLoss({ ...b, old: b.lp, ref: b.lp }, base);
    expect(same.loss).toBeCloseTo(r.loss, 12);
    expect(same.metrics['clip_ratio/region_mean']).toBe(0);
  });

  it('hand-computed dapo step: 2 rows, tokens 2+1, A=[1,-1], beta 0.1 k1, entropy_coef 0.01', () => {
    // rho = 1 everywhere; per-token l = -A + 0.1*(lp-ref) - 0.01*H
    // row0: t0: -1 + 0.1*0.5 - 0.01*2 = -0.97; t1: -1 + 0 - 0.01*1 = -1.01; row1: t0: 1 + 0.1*(-1) - 0 = 0.9
    // dapo: (-0.97 - 1.01 + 0.9)/3 = -0.36
    const r = policyLoss(
      {
        rows: 2,
        lp: [-1, -2, 0, -1, 0, 0],
        old: null,
        ref: [-1.5, -2, 0, 0, 0, 0],
        advantages: [1, -1],
        mask: [1, 1, 0, 1, 0, 0],
        entropies: [2, 1, 0, 0, 0, 0],
      },
      {
        ...base,
        loss_type: 'dapo',
        beta: 0.1,
        kl_estimator: 'k1',
        entropy_coef: 0.01,
        max_completion_length: 3,
      },
    );
    expect(r.loss).toBeCloseTo(-0.36, 12);
    // dL/dlp = w*(-A + beta*1): row0 (-1+0.1)/3 = -0.3, row1 (1+0.1)/3
    expectClose(r.dLossDLp, [-0.3, -0.3, 0, 1.1 / 3, 0, 0], { atol: 1e-12, rtol: 0 }, 'grad');
    expectClose(r.dLossDEntropy, [-0.01 / 3, -0.01 / 3, 0, -0.01 / 3, 0, 0], { atol: 1e-12, rtol: 0 }, 'dH');
    expect(r.metrics.kl).toBeCloseTo((0.5 + 0 - 1) / 3, 12);
    expect(r.metrics.entropy).toBeCloseTo(1, 12);
  });

  for (const lossType of ['grpo', 'dapo', 'bnpo', 'dr_grpo'] as const) {
    for (const kl of ['k1', 'k2', 'k3'] as KlEstimator[]) {
      it(`dL/dlp matches central differences: loss_type ${lossType}, ${kl}, truncated masked, entropy bonus`, () => {
        const b = batch(100 + kl.length, 0.4);
        const opts = {
          ...base,
          loss_type: lossType,
          kl_estimator: kl,
          entropy_coef: 0.02,
          mask_truncated_completions: true,
        };
        const analytic = policyLoss(b, opts);
        expect(analytic.metrics['clip_ratio/region_mean']).toBeGreaterThan(0);
        const lp = Float64Array.from(b.lp);
        const numeric = numericalGradient((x) => policyLoss({ ...b, lp: x }, opts).loss, lp);
        expectClose(analytic.dLossDLp, numeric, { atol: 1e-7, rtol: 1e-5 }, `${lossType}/${kl} dL/dlp`);
        // masked truncated row 4 gets no gradient
        for (let t = 0; t < L; t++) expect(analytic.dLossDLp[4 * L + t]).toBe(0);
        const H = Float64Array.from(b.entropies!);
        const numericH = numericalGradient((x) => policyLoss({ ...b, entropies: x }, opts).loss, H);
        expectClose(analytic.dLossDEntropy, numericH, { atol: 1e-8, rtol: 1e-5 }, `${lossType} dL/dH`);
      });
    }
  }

  it('kl_in = reward keeps KL out of the loss and reports k1 whatever kl_estimator says', () => {
    const b = batch(7, 0.2);
    const inReward = policyLoss(b, { ...base, kl_in: 'reward', kl_estimator: 'k3' });
    const noKl = policyLoss(b, { ...base, beta: 0 });
    expect(inReward.loss).toBeCloseTo(noKl.loss, 12);
    let k1 = 0;
    let n = 0;
    for (let i = 0; i < mask.length; i++) {
      if (mask[i]) {
        k1 += b.lp[i] - b.ref![i];
        n++;
      }
    }
    expect(inReward.metrics.kl).toBeCloseTo(k1 / n, 12);
  });

  it('PPO value loss: V=1, V_old=0.5, R=0, clip 0.2 -> 0.5*max(1, 0.49) = 0.5, grad V-R = 1 (times vf_coef)', () => {
    const r = valueLoss({ values: [1], oldValues: [0.5], returns: [0] }, [1], {
      vf_coef: 0.5,
      cliprange_value: 0.2,
    });
    expect(r.loss).toBeCloseTo(0.25, 12);
    expect(r.grad[0]).toBeCloseTo(0.5, 12);
    // V=0.5, V_old=1, R=2: plain (1.5)^2 = 2.25 vs clip(0.5 -> 0.8): 1.2^2 = 1.44 -> plain wins
    // V=1.5, V_old=1, R=0: plain 2.25 vs clipped 1.2^2=1.44 -> plain; V=0.5,V_old=1,R=0: plain .25 vs .64 -> clipped, grad 0
    const c = valueLoss({ values: [0.5], oldValues: [1], returns: [0] }, [1], {
      vf_coef: 1,
      cliprange_value: 0.2,
    });
    expect(c.loss).toBeCloseTo(0.32, 12);
    expect(c.grad[0]).toBe(0);
  });

  it('dL/dV of policyLoss with a value head matches central differences', () => {
    const b = batch(21, 0.3);
    const n = rows * L;
    const input = {
      ...b,
      advantages: randn(5, n),
      values: randn(6, n),
      oldValues: randn(7, n, 0.3),
      returns: randn(8, n),
    };
    const opts = { ...base, loss_type: 'bnpo' as const, beta: 0, vf_coef: 0.5, cliprange_value: 0.2 };
    const r = policyLoss(input, opts);
    expect(r.valueLoss).toBeGreaterThan(0);
    const numeric = numericalGradient(
      (v) => policyLoss({ ...input, values: v }, opts).loss,
      Float64Array.from(input.values),
    );
    expectClose(r.dLossDValues, numeric, { atol: 1e-7, rtol: 1e-5 }, 'dL/dV');
  });

  it('sftLoss: -mean lp over kept tokens: lp [-1,-2,-3] kept [1,1,0] -> 1.5, grad -1/2', () => {
    const r = sftLoss([-1, -2, -3], [1, 1, 0]);
    expect(r.loss).toBe(1.5);
    expect(Array.from(r.dLossDLp)).toEqual([-0.5, -0.5, 0]);
  });

  it('refuses advantages of the wrong length and beta without ref', () => {
    const b = batch(1, 0.1);
    expect(() => policyLoss({ ...b, advantages: [1, 2] }, base)).toThrow(/neither B=5/);
    expect(() => policyLoss({ ...b, ref: null }, base)).toThrow(/needs ref/);
  });
});
