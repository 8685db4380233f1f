/**
 * The LM-head product over a weight stored as uneven row chunks: forward and backward against the
 * float64 reference and against the same product on the unsplit weight (within 1e-6: the dx sum over
 * N is split at chunk edges, so it may round differently), with accumulation into existing dx and dW.
 */
import { describe, expect, it } from 'vitest';
import { expectClose } from '../../testing/compare.js';
import { testRuntime } from '../../testing/gpu.js';
import { f32, randn } from '../../testing/random.js';
import { matmul } from './matmul.js';
import { matmulBackwardRef, matmulRef } from './matmul.ref.js';
import { matmulRowChunks, matmulRowChunksBackward } from './matmul-row-chunks.js';

const FWD = { atol: 1e-4, rtol: 1e-4 };
const GRAD = { atol: 2e-4, rtol: 2e-4 };
const SAME = { atol: 1e-6, rtol: 1e-6 };

describe('matmul over a row-chunked weight (tied LM head)', () => {
  for (const [M, K, rowsPerChunk] of [
    [7, 12, [8, 8, 5]],
    [5, 9, [4, 3, 6]],
  ] as const) {
    it(`x[${M},${K}] · W[${rowsPerChunk.join('+')},${K}]ᵀ and its backward`, async () => {
      const rt = await testRuntime();
      const N = rowsPerChunk.reduce((a, b) => a + b, 0);
      const x = f32(randn(10 + M, M * K));
      const w = f32(randn(20 + M, N * K));
      const dy = f32(randn(30 + M, M * N));
      const dx0 = f32(randn(40 + M, M * K));
      const dw0 = f32(randn(50 + M, N * K));
      const xT = rt.upload(x, [M, K], 'x');
      const dyT = rt.upload(dy, [M, N], 'dy');
      const wT = rt.upload(w, [N, K], 'w');
      const split = (data: Float64Array, label: string) => {
        let row = 0;
        return rowsPerChunk.map((r, i) => {
          const t = rt.upload(data.subarray(row * K, (row + r) * K), [r, K], `${label}.${i}`);
          row += r;
          return t;
        });
      };
      const wChunks = split(w, 'w');

      const y = matmulRowChunks(rt, xT, wChunks);
      const yWhole = matmul(rt, xT, wT, { transB: true });
      const got = await rt.readF32(y);
      expectClose(got, matmulRef(x, [M, K], w, [N, K], { transB: true }), FWD, 'y');
      expectClose(got, await rt.readF32(yWhole), SAME, 'y vs unsplit');

      const ref = matmulBackwardRef(x, [M, K], w, [N, K], dy, { transB: true });
      const dxInto = rt.upload(dx0, [M, K], 'dx');
      const dwChunks = split(dw0, 'dw');
      matmulRowChunksBackward(rt, xT, wChunks, dyT, { dw: dwChunks, dxInto });
      const dwParts = await rt.readMany(dwChunks);
      const dw = new Float32Array(N * K);
      let at = 0;
      for (const p of dwParts) {
        dw.set(p, at);
        at += p.length;
      }
      expectClose(
        await rt.readF32(dxInto),
        ref.da.map((g, i) => g + dx0[i]),
        GRAD,
        'dx (accumulated)',
      );
      expectClose(
        dw,
        ref.db.map((g, i) => g + dw0[i]),
        GRAD,
        'dW (accumulated)',
      );

      const dxFresh = matmulRowChunksBackward(rt, xT, wChunks, dyT);
      const dxWhole = matmul(rt, dyT, wT);
      expectClose(await rt.readF32(dxFresh), await rt.readF32(dxWhole), SAME, 'dx vs unsplit');
      expect(() => matmulRowChunksBackward(rt, xT, wChunks, xT)).toThrow(/dy must have shape/);
      for (const t of [xT, dyT, wT, ...wChunks, y, yWhole, dxInto, ...dwChunks, dxFresh, dxWhole])
        t.dispose();
    });
  }
});
