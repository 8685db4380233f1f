/**
 * RoPE: the reference's inverse rotation is checked against central finite differences of the forward
 * (it is the backward); the GPU against the reference for q-like and k-like head counts, per-row
 * positions (left-padded rows, KV-cache offsets) and two thetas.
 */
import { describe, expect, it } from 'vitest';
import { expectClose } from '../../testing/compare.js';
import { dot, numericalGradient } from '../../testing/finite-diff.js';
import { testRuntime } from '../../testing/gpu.js';
import { f32, randint, randn } from '../../testing/random.js';
import { ropeBackward, ropeForward, ropeInvFreq } from './rope.js';
import { ropeRef } from './rope.ref.js';

const FWD = { atol: 2e-5, rtol: 1e-5 };
const GRAD = { atol: 2e-5, rtol: 1e-5 };

describe('rope reference', () => {
  it('backward (inverse rotation) matches central finite differences', () => {
    const shape = [2, 3, 2, 6] as const;
    const size = 72;
    const pos = [0, 1, 2, 5, 6, 7];
    const x = randn(1, size);
    const w = randn(2, size);
    const num = numericalGradient((z) => dot(ropeRef(z, shape, pos, 10000), w), x);
    expectClose(ropeRef(w, shape, pos, 10000, true), num, { atol: 1e-8, rtol: 1e-7 }, 'dx');
  });

  it('leaves position 0 unchanged and preserves norms', () => {
    const x = randn(3, 8);
    expectClose(ropeRef(x, [1, 1, 1, 8], [0], 10000), x, { atol: 0, rtol: 0 }, 'pos 0');
    const y = ropeRef(x, [1, 1, 1, 8], [13], 10000);
    expect(dot(y, y)).toBeCloseTo(dot(x, x), 12);
  });

  it('computes inv_freq like transformers', () => {
    const f = ropeInvFreq(8, 10000);
    expect(Array.from(f)).toEqual([1, 0.10000000149011612, 0.009999999776482582, 0.0010000000474974513]);
  });
});

const CASES = [
  { b: 1, t: 1, h: 4, d: 8, theta: 10000 },
  { b: 2, t: 5, h: 2, d: 12, theta: 1e6 },
  { b: 3, t: 17, h: 4, d: 8, theta: 10000 },
  { b: 2, t: 17, h: 1, d: 12, theta: 500000 },
];

describe('rope on the GPU', () => {
  for (const { b, t, h, d, theta } of CASES) {
    it(`matches the reference for [${b},${t},${h},${d}] theta=${theta}`, async () => {
      const rt = await testRuntime();
      const size = b * t * h * d;
      const x = f32(randn(10 + t, size));
      const dy = f32(randn(20 + t, size));
      // per-row positions: row r of batch i starts at a random cache offset (or is left-padded)
      const offsets = randint(30 + t, b, 90);
      const pos = Int32Array.from({ length: b * t }, (_, r) => offsets[Math.floor(r / t)] + (r % t));
      const xt = rt.upload(x, [b, t, h, d], 'x');
      const dyt = rt.upload(dy, [b, t, h, d], 'dy');
      const pt = rt.upload(pos, [b * t], 'pos', 'i32');
      const y = ropeForward(rt, xt, pt, { theta });
      const dx = ropeBackward(rt, dyt, pt, { theta });
      expectClose(await rt.readF32(y), ropeRef(x, [b, t, h, d], pos, theta), FWD, 'y');
      expectClose(await rt.readF32(dx), ropeRef(dy, [b, t, h, d], pos, theta, true), GRAD, 'dx');
      for (const tensor of [xt, dyt, pt, y, dx]) tensor.dispose();
    });
  }

  it('stays accurate at positions in the thousands (own range reduction)', async () => {
    const rt = await testRuntime();
    const pos = Int32Array.from([0, 777, 2047, 4095, 12345, 30000]);
    const shape = [1, pos.length, 1, 12] as const;
    const x = f32(randn(40, pos.length * 12));
    const xt = rt.upload(x, shape, 'x');
    const pt = rt.upload(pos, [pos.length], 'pos', 'i32');
    const y = ropeForward(rt, xt, pt, { theta: 10000 });
    expectClose(await rt.readF32(y), ropeRef(x, shape, pos, 10000), FWD, 'y far');
    for (const tensor of [xt, pt, y]) tensor.dispose();
  });

  it('refuses an odd head dim and the wrong number of positions', async () => {
    const rt = await testRuntime();
    const x = rt.zeros([1, 2, 1, 7], 'x');
    const x8 = rt.zeros([1, 2, 1, 8], 'x8');
    const pos = rt.zeros([3], 'pos', 'i32');
    expect(() => ropeForward(rt, x, pos, { theta: 1e4 })).toThrow(/even/);
    expect(() => ropeForward(rt, x8, pos, { theta: 1e4 })).toThrow(/2 i32 positions/);
    for (const tensor of [x, x8, pos]) tensor.dispose();
  });
});
