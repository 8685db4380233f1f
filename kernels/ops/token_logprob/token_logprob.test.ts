/**
 * Token log-prob and entropy at temperature T: reference backward vs central finite differences of
 * a*lp + b*H; GPU forward and backward vs the float64 reference, with either upstream gradient absent.
 */
import { describe, expect, it } from 'vitest';
import { expectClose } from '../../testing/compare.js';
import { dot, numericalGradient } from '../../testing/finite-diff.js';
import { testRuntime } from '../../testing/gpu.js';
import { f32, randint, randn } from '../../testing/random.js';
import { tokenLogprobEntropy, tokenLogprobEntropyBackward } from './token_logprob.js';
import { tokenLogprobEntropyBackwardRef, tokenLogprobEntropyRef } from './token_logprob.ref.js';

const FWD = { atol: 2e-5, rtol: 1e-5 };
const GRAD = { atol: 2e-6, rtol: 1e-4 };
const CASES: { n: number; v: number; temperature: number }[] = [
  { n: 1, v: 7, temperature: 1 },
  { n: 5, v: 33, temperature: 0.6 },
  { n: 17, v: 50, temperature: 1.7 },
  { n: 66, v: 7, temperature: 1 },
];

function tokensFor(seed: number, n: number, v: number): Int32Array {
  const t = randint(seed, n, v);
  for (let r = 2; r < n; r += 5) t[r] = -1;
  return t;
}

describe('token log-prob / entropy reference', () => {
  it('backward matches central finite differences of a*lp + b*H', () => {
    const n = 4;
    const v = 6;
    const temperature = 0.7;
    const x = randn(7, n * v, 2);
    const t = tokensFor(8, n, v);
    const a = randn(9, n);
    const b = randn(10, n);
    const f = (z: Float64Array) => {
      const o = tokenLogprobEntropyRef(z, t, n, v, temperature);
      return dot(o.logprob, a) + dot(o.entropy, b);
    };
    const analytic = tokenLogprobEntropyBackwardRef(x, t, a, b, n, v, temperature);
    expectClose(analytic, numericalGradient(f, x), { atol: 1e-7, rtol: 1e-6 }, 'dlogits');
  });

  it('gives log V entropy for flat logits', () => {
    const { entropy } = tokenLogprobEntropyRef(new Float64Array(5), [0], 1, 5, 2);
    expect(entropy[0]).toBeCloseTo(Math.log(5), 12);
  });
});

describe('token log-prob / entropy on the GPU', () => {
  for (const { n, v, temperature } of CASES) {
    it(`matches the reference for [${n},${v}] at T=${temperature}`, async () => {
      const rt = await testRuntime();
      const x = f32(randn(60 + n, n * v, 3));
      const t = tokensFor(70 + v, n, v);
      const a = f32(randn(80 + n, n));
      const b = f32(randn(90 + n, n));
      const xt = rt.upload(x, [n, v], 'logits');
      const tt = rt.upload(t, [n], 'tokens', 'i32');
      const at = rt.upload(a, [n], 'dlogprob');
      const bt = rt.upload(b, [n], 'dentropy');
      const out = tokenLogprobEntropy(rt, xt, tt, { temperature });
      const ref = tokenLogprobEntropyRef(x, t, n, v, temperature);
      expectClose(await rt.readF32(out.logprob), ref.logprob, FWD, 'logprob');
      expectClose(await rt.readF32(out.entropy), ref.entropy, FWD, 'entropy');
      expectClose(await rt.readF32(out.lse), ref.lse, FWD, 'lse');
      const variants: [string, Float64Array | undefined, Float64Array | undefined][] = [
        ['both', a, b],
        ['logprob only', a, undefined],
        ['entropy only', undefined, b],
      ];
      for (const [name, da, db] of variants) {
        const g = tokenLogprobEntropyBackward(rt, xt, tt, out.lse, da && at, db && bt, { temperature });
        const want = tokenLogprobEntropyBackwardRef(x, t, da, db, n, v, temperature);
        expectClose(await rt.readF32(g), want, GRAD, `dlogits (${name})`);
        g.dispose();
      }
      for (const tensor of [xt, tt, at, bt, out.logprob, out.entropy, out.lse]) tensor.dispose();
    });
  }

  it('refuses a non-positive temperature', async () => {
    const rt = await testRuntime();
    const xt = rt.zeros([2, 3], 'logits');
    const tt = rt.zeros([2], 'tokens', 'i32');
    expect(() => tokenLogprobEntropy(rt, xt, tt, { temperature: 0 })).toThrow(/temperature/);
    xt.dispose();
    tt.dispose();
  });
});
