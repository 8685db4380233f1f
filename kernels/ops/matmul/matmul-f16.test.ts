/**
 * matmul with an f16 B operand (frozen LoRA base weights packed two per word): every variant, both B
 * layouts, vec4 and checked shapes, against the float64 reference run on B rounded to f16 on the host;
 * the autotuner keys f16-B shapes apart and times all four variants on them.
 */
import { describe, expect, it } from 'vitest';
import { autotunerFor } from '../../autotune/autotuner.js';
import { roundToF16 } from '../../runtime/f16.js';
import { expectClose } from '../../testing/compare.js';
import { testRuntime } from '../../testing/gpu.js';
import { f32, randn } from '../../testing/random.js';
import { MATMUL_VARIANTS, matmul, matmulDims, matmulShapeClass, matmulTuneJob } from './matmul.js';
import { matmulRef } from './matmul.ref.js';

const FWD = { atol: 1e-4, rtol: 1e-4 };

describe('matmul with an f16 B', () => {
  for (const [M, K, N] of [
    [5, 16, 12], // vec4 loads
    [7, 9, 13], // checked scalar loads, odd element counts (a half-filled last word)
    [33, 32, 68],
  ] as const) {
    for (const transB of [false, true]) {
      it(`[${M},${K}] x [${transB ? `${N},${K}]^T` : `${K},${N}]`} in every variant`, async () => {
        const rt = await testRuntime();
        const a = f32(randn(M + 1, M * K));
        const b = randn(N + 2, K * N);
        const bHalf = Float64Array.from(roundToF16(b));
        const bShape = transB ? [N, K] : [K, N];
        const aT = rt.upload(a, [M, K], 'a');
        const bT = rt.upload(b, bShape, 'b.f16', 'f16');
        expect(bT.byteLength).toBe(K * N * 2);
        const want = matmulRef(a, [M, K], bHalf, bShape, { transB });
        for (const variant of MATMUL_VARIANTS) {
          const y = matmul(rt, aT, bT, { transB, variant });
          expectClose(await rt.readF32(y), want, FWD, `${variant} y`);
          y.dispose();
        }
        // the rounding is what the reference sees: without it the difference is visible
        const wide = matmulRef(a, [M, K], b, bShape, { transB });
        expect(want.some((v, i) => Math.abs(v - wide[i]) > 1e-4)).toBe(true);
        aT.dispose();
        bT.dispose();
      });
    }
  }

  it('keys f16-B shapes apart for the autotuner and tunes all four variants on them', async () => {
    const rt = await testRuntime();
    const d = matmulDims([8, 16], [12, 16], false, true);
    expect(matmulShapeClass(d, true)).toBe(`${matmulShapeClass(d)}.h`);
    const job = matmulTuneJob(rt, d, [8, 16], [12, 16], 'f16');
    expect(job.variants).toEqual(MATMUL_VARIANTS);
    const tuner = autotunerFor(rt);
    tuner.select(job, 'regtile');
    expect(tuner.pendingKeys()).toContain(job.key);
    await tuner.tunePending();
    expect(MATMUL_VARIANTS).toContain(tuner.choices()[job.key]);
    expect(() => matmul(rt, rt.zeros([2, 2], 'h', 'f16'), rt.zeros([2, 2], 'w'))).toThrow(
      /a and out must be f32/,
    );
  });
});
