/**
 * The GPU policy loss (kernels/ops/policy_loss through gpu-policy-loss.ts, as update.ts runs it) against
 * engine/rl's float64 `policyLoss` oracle: every loss_type, clipping on and off, clip-higher, beta with
 * k1/k2/k3, kl_in reward, entropy bonus, truncation masking, several micro-batches, PPO's value loss;
 * dL/dlp, dL/dH and dL/dV per token within 1e-5 relative, the loss within 1e-5 of its scale (sum of
 * |per-token terms|, what a float32 sum can promise), clip ratios exactly.
 */
import { describe, expect, it } from 'vitest';
import { policyLossTokensRef } from '../../kernels/ops/policy_loss/policy_loss.ref.js';
import type { Tensor } from '../../kernels/runtime/index.js';
import { expectClose } from '../../kernels/testing/compare.js';
import { testRuntime } from '../../kernels/testing/gpu.js';
import { f32, randint, randn, randu } from '../../kernels/testing/random.js';
import { type PolicyLossInput, type PolicyLossOptions, policyLoss } from '../rl/policy-loss.js';
import { GpuPolicyLoss, type PolicyTokens, packPolicyInfo, policyTokens } from './gpu-policy-loss.js';

const GRAD = { rtol: 1e-5 };
const BASE: PolicyLossOptions = {
  loss_type: 'grpo',
  epsilon: 0.2,
  epsilon_high: 0.2,
  beta: 0,
  kl_estimator: 'k3',
  kl_in: 'loss',
  entropy_coef: 0,
  mask_truncated_completions: false,
  max_completion_length: 6,
};

interface Case {
  rows: number;
  L: number;
  microBatches: number;
  lp: Float64Array;
  old: Float64Array | null;
  ref: Float64Array | null;
  advantages: Float64Array;
  mask: Float64Array;
  truncated: boolean[];
  entropy: Float64Array;
  /** [B*L] 1 on forced prefix tokens (prefix sampling). */
  prefix?: Float64Array;
  values?: { values: Float64Array; oldValues: Float64Array; returns: Float64Array };
}

/** Rows of random lengths 0..L (length L rows are truncated half the time), float32-exact inputs. */
function randomCase(
  seed: number,
  rows: number,
  L: number,
  microBatches: number,
  withOld: boolean,
  withRef: boolean,
): Case {
  const n = rows * L;
  const lengths = randint(seed, rows, L + 1);
  const mask = new Float64Array(n);
  const truncated: boolean[] = [];
  for (let b = 0; b < rows; b++) {
    for (let t = 0; t < lengths[b]; t++) mask[b * L + t] = 1;
    truncated.push(lengths[b] === L && b % 2 === 0);
  }
  const lp = f32(randu(seed + 1, n, -4, -0.05));
  const shift = (s: number, scale: number) => f32(randn(s, n, scale).map((x, k) => lp[k] + x));
  return {
    rows,
    L,
    microBatches,
    lp,
    old: withOld ? shift(seed + 2, 0.3) : null,
    ref: withRef ? shift(seed + 3, 0.4) : null,
    advantages: f32(randn(seed + 4, rows)),
    mask,
    truncated,
    entropy: f32(randu(seed + 5, n, 0, 3)),
  };
}

function oracle(c: Case, options: PolicyLossOptions) {
  const size = c.rows / c.microBatches;
  const input: PolicyLossInput = {
    rows: c.rows,
    lp: c.lp,
    old: c.old,
    ref: c.ref,
    advantages: c.advantages,
    mask: c.mask,
    truncated: c.truncated,
    microBatch: Array.from({ length: c.rows }, (_, b) => Math.floor(b / size)),
    entropies: c.entropy,
    prefix: c.prefix,
    ...(c.values ?? {}),
  };
  return policyLoss(input, options);
}

/** Runs the GPU path micro-batch by micro-batch in a model-like layout (prompt of Tp, garbage around). */
async function gpu(c: Case, options: PolicyLossOptions) {
  const rt = await testRuntime();
  const size = c.rows / c.microBatches;
  const tokens: PolicyTokens = policyTokens(
    {
      rows: c.rows,
      L: c.L,
      advantages: c.advantages,
      mask: c.mask,
      prefix: c.prefix,
      truncated: c.truncated,
      microBatch: Array.from({ length: c.rows }, (_, b) => Math.floor(b / size)),
      old: c.old,
      ref: c.ref,
      value: c.values && { oldValues: c.values.oldValues, returns: c.values.returns },
    },
    options,
  );
  const loss = new GpuPolicyLoss(rt, tokens);
  const Tp = 3;
  const T = Tp + c.L;
  const n = c.rows * c.L;
  const dlp = new Float64Array(n);
  const dh = new Float64Array(n);
  const dv = new Float64Array(n);
  let scale = 0;
  for (let m = 0; m < c.microBatches; m++) {
    const p = { rowOffset: m * size, rows: size, T, Tp };
    const place = (src: ArrayLike<number>) => {
      const out = f32(randn(99 + m, size * T, 5)); // garbage off completion positions
      for (let b = 0; b < size; b++)
        for (let t = 0; t < c.L; t++) out[b * T + Tp - 1 + t] = src[(m * size + b) * c.L + t];
      return out;
    };
    const lpT = rt.upload(place(c.lp), [size * T], 'lp');
    const hT = rt.upload(place(c.entropy), [size * T], 'entropy');
    const vT = c.values ? rt.upload(place(c.values.values), [size * T], 'values') : undefined;
    const g = loss.microBatch(lpT, hT, vT, p);
    const parts = [g.dlogprob, g.dentropy, g.dvalues];
    const present = parts.filter((t): t is Tensor => t !== undefined);
    const data = await rt.readMany(present);
    const read = parts.map((t) => (t ? data[present.indexOf(t)] : undefined));
    for (let b = 0; b < size; b++)
      for (let t = 0; t < c.L; t++) {
        const k = (m * size + b) * c.L + t;
        const pos = b * T + Tp - 1 + t;
        dlp[k] = read[0]?.[pos] ?? 0;
        dh[k] = read[1]?.[pos] ?? 0;
        dv[k] = read[2]?.[pos] ?? 0;
      }
    // the loss's scale: sum over tokens of |w*l| from the kernel's reference on the packed inputs
    const info = Float64Array.from(packPolicyInfo(tokens, p));
    const ref = policyLossTokensRef(place(c.lp), place(c.entropy), info, size * T, tokens.kernel);
    for (let k = 0; k < size * T; k++) scale += Math.abs(ref.stats[k * 5]);
    for (const t of [lpT, hT, vT, g.dlogprob, g.dentropy, g.dvalues]) t?.dispose();
  }
  return { result: await loss.read(), dlp, dh, dv, scale };
}

async function check(c: Case, options: PolicyLossOptions) {
  const want = oracle(c, options);
  const got = await gpu(c, options);
  const maxAbs = (a: Float64Array) => a.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
  expectClose(got.dlp, want.dLossDLp, { atol: 1e-6 * maxAbs(want.dLossDLp), ...GRAD }, 'dL/dlp');
  expectClose(got.dh, want.dLossDEntropy, { atol: 0, ...GRAD }, 'dL/dH');
  expectClose(got.dv, want.dLossDValues, { atol: 1e-6 * maxAbs(want.dLossDValues), ...GRAD }, 'dL/dV');
  const lossScale = got.scale + Math.abs(want.valueLoss);
  expect(Math.abs(got.result.loss - want.loss)).toBeLessThanOrEqual(1e-5 * lossScale + 1e-12);
  expect(Math.abs(got.result.valueLoss - want.valueLoss)).toBeLessThanOrEqual(
    1e-5 * Math.abs(want.valueLoss) + 1e-12,
  );
  for (const key of ['clip_ratio/low_mean', 'clip_ratio/high_mean', 'clip_ratio/region_mean'] as const)
    expect(got.result.metrics[key], key).toBe(want.metrics[key]);
  for (const key of ['kl', 'entropy'] as const)
    expect(Math.abs(got.result.metrics[key] - want.metrics[key]), key).toBeLessThanOrEqual(
      1e-5 * Math.max(Math.abs(want.metrics[key]), 1e-3),
    );
  return { got, want };
}

const LOSS_TYPES = ['grpo', 'dapo', 'bnpo', 'dr_grpo'] as const;
const VARIANTS: [string, Partial<PolicyLossOptions>, { old: boolean; ref: boolean }][] = [
  ['clip 0.2/0.2, num_iterations > 1', {}, { old: true, ref: false }],
  ['clip-higher 0.2/0.28', { epsilon_high: 0.28 }, { old: true, ref: false }],
  ['no clipping', { epsilon: null, epsilon_high: null }, { old: true, ref: false }],
  ['num_iterations 1', {}, { old: false, ref: false }],
  ['beta 0.04 k1', { beta: 0.04, kl_estimator: 'k1' }, { old: true, ref: true }],
  ['beta 0.04 k2', { beta: 0.04, kl_estimator: 'k2' }, { old: true, ref: true }],
  ['beta 0.3 k3, num_iterations 1', { beta: 0.3, kl_estimator: 'k3' }, { old: false, ref: true }],
  [
    'kl_in reward (k1 metric only)',
    { beta: 0.05, kl_in: 'reward', kl_estimator: 'k3' },
    { old: true, ref: true },
  ],
  ['entropy bonus', { entropy_coef: 0.01 }, { old: true, ref: false }],
  ['truncated masked', { mask_truncated_completions: true, epsilon_high: 0.28 }, { old: true, ref: true }],
];

describe('GPU policy loss vs engine/rl policyLoss', () => {
  for (const loss_type of LOSS_TYPES) {
    for (const [name, o, inputs] of VARIANTS) {
      for (const microBatches of [1, 3]) {
        it(`${loss_type}: ${name}, ${microBatches} micro-batch(es)`, async () => {
          const L = 7;
          const c = randomCase(17 * microBatches + name.length, 12, L, microBatches, inputs.old, inputs.ref);
          const { got } = await check(c, { ...BASE, max_completion_length: L, loss_type, ...o });
          if (!inputs.old) {
            expect(got.result.metrics['clip_ratio/region_mean']).toBe(0);
            expect(got.result.metrics['clip_ratio/low_mean']).toBe(0);
            expect(got.result.metrics['clip_ratio/high_mean']).toBe(0);
          }
        });
      }
    }
  }

  // prefix sampling: the first ℓ tokens of some rows forced (A⁺, no KL, no entropy, out of the metrics)
  for (const loss_type of LOSS_TYPES) {
    for (const [name, o, inputs] of [
      [
        'clip-higher, beta 0.04 k3, entropy bonus',
        { epsilon_high: 0.28, beta: 0.04, entropy_coef: 0.01 },
        { old: true, ref: true },
      ],
      ['num_iterations 1, beta 0.1 k1', { beta: 0.1, kl_estimator: 'k1' }, { old: false, ref: true }],
      [
        'kl_in reward, truncated masked',
        { beta: 0.05, kl_in: 'reward', mask_truncated_completions: true },
        { old: true, ref: true },
      ],
    ] as [string, Partial<PolicyLossOptions>, { old: boolean; ref: boolean }][]) {
      it(`${loss_type} with forced prefix tokens: ${name}, 3 micro-batches`, async () => {
        const L = 7;
        const c = randomCase(31 + name.length, 12, L, 3, inputs.old, inputs.ref);
        const lengths = randint(77, c.rows, 5);
        c.prefix = new Float64Array(c.rows * L);
        for (let b = 0; b < c.rows; b++) for (let t = 0; t < lengths[b]; t++) c.prefix[b * L + t] = 1;
        const options = { ...BASE, max_completion_length: L, loss_type, ...o };
        const { want } = await check(c, options);
        // against the run without prefixes: the same aggregation weights, A⁺ and no KL/H on forced tokens
        const plain = oracle({ ...c, prefix: undefined }, options);
        expect(want.loss).not.toBeCloseTo(plain.loss, 6);
      });
    }
  }

  it('hand-made: a forced prefix token takes -w·A⁺ (mu = 1), nothing for A < 0, and stays out of the metrics', async () => {
    // row 0: 2 tokens, the first forced, A = 1; row 1: 2 tokens, the first forced, A = -2; grpo w = 1/4
    // each. beta 1 (k1), ref = lp - 0.5 so k1 = 0.5 per token; entropy bonus 0.1 with H = 2.
    // forced: row 0 L = -1/4, dL/dlp = -1/4; row 1 A⁺ = 0: L = 0, dL/dlp = 0.
    // written: row 0 l = -1 + 0.5 - 0.2 = -0.7, w·l = -0.175, dlp = (-1 + 1)/4 = 0; row 1 l = 2 + 0.5 - 0.2
    // = 2.3, w·l = 0.575, dlp = (2 + 1)/4 = 0.75. loss = -0.25 - 0.175 + 0.575 = 0.15; kl metric over
    // the 2 written tokens = 0.5, entropy 2.
    const lp = f32([-1, -2, -0.5, -1.5]);
    const c: Case = {
      rows: 2,
      L: 2,
      microBatches: 1,
      lp,
      old: null,
      ref: f32(Array.from(lp, (x) => x - 0.5)),
      advantages: Float64Array.from([1, -2]),
      mask: Float64Array.from([1, 1, 1, 1]),
      truncated: [false, false],
      entropy: Float64Array.from([2, 2, 2, 2]),
      prefix: Float64Array.from([1, 0, 1, 0]),
    };
    const { got, want } = await check(c, {
      ...BASE,
      max_completion_length: 2,
      beta: 1,
      kl_estimator: 'k1',
      entropy_coef: 0.1,
    });
    expect(want.loss).toBeCloseTo(0.15, 6);
    expect(Array.from(want.dLossDLp, (x) => x + 0)).toEqual([-0.25, 0, 0, 0.75]);
    expect(Array.from(want.dLossDEntropy)).toEqual([0, -0.025, 0, -0.025]);
    expect(want.metrics.kl).toBeCloseTo(0.5, 6);
    expect(want.metrics.entropy).toBe(2);
    expect(got.result.loss).toBeCloseTo(0.15, 5);
  });

  it('hand-made: two rows, grpo, the numbers written out', async () => {
    // row 0: 2 tokens, A = 1; row 1: 1 token, A = -2; mu = 1: w = 1/(2*2), 1/(2*2), 1/(2*1)
    // loss = (1/4)(-1) + (1/4)(-1) + (1/2)(2) = 0.5; dL/dlp = -1/4, -1/4, +1
    const c: Case = {
      rows: 2,
      L: 2,
      microBatches: 1,
      lp: f32([-1, -2, -0.5, 0]),
      old: null,
      ref: null,
      advantages: Float64Array.from([1, -2]),
      mask: Float64Array.from([1, 1, 1, 0]),
      truncated: [false, false],
      entropy: new Float64Array(4),
    };
    const { got, want } = await check(c, { ...BASE, max_completion_length: 2 });
    expect(want.loss).toBeCloseTo(0.5, 12);
    expect(got.result.loss).toBeCloseTo(0.5, 6);
    expect(Array.from(got.dlp)).toEqual([-0.25, -0.25, 1, 0]);
  });

  it('PPO: per-token advantages, value loss, bnpo over 2 micro-batches', async () => {
    const L = 6;
    const c = randomCase(5, 8, L, 2, true, true);
    const n = c.rows * L;
    c.advantages = f32(randn(41, n));
    const values = f32(randn(42, n));
    c.values = {
      values,
      oldValues: f32(randn(43, n, 0.3).map((x, k) => values[k] + x)),
      returns: f32(randn(44, n)),
    };
    const { want } = await check(c, {
      ...BASE,
      loss_type: 'bnpo',
      max_completion_length: L,
      beta: 0.05,
      kl_in: 'reward',
      vf_coef: 0.5,
      cliprange_value: 0.2,
    });
    expect(want.valueLoss).toBeGreaterThan(0);
  });
});
