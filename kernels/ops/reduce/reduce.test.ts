// Reduction oracle tests: GPU folds against float64 sums on sizes around the fold chunk (one to three
// passes), column sums with and without accumulation, global norm, the all-finite flag, and no leaks.
import { describe, expect, it } from 'vitest';
import { expectClose } from '../../testing/compare.js';
import { testRuntime } from '../../testing/gpu.js';
import { f32, randn } from '../../testing/random.js';
import { allFinite, columnSums, FOLD_CHUNK, globalNorm, reduceMean, reduceSum } from './reduce.js';
import { allFiniteRef, columnSumsRef, globalNormRef, reduceMeanRef, reduceSumRef } from './reduce.ref.js';

// Sizes around the fold chunk, and one that needs three passes (16385 -> 129 -> 2 -> 1).
const SIZES = [1, 3, 7, 33, FOLD_CHUNK, FOLD_CHUNK + 1, 4097, FOLD_CHUNK * FOLD_CHUNK + 1];

function absSum(x: Float64Array): number {
  let s = 0;
  for (const v of x) s += Math.abs(v);
  return s;
}

describe('reduce on the GPU vs float64 reference', () => {
  it('sum and mean of tensors of many sizes', async () => {
    const rt = await testRuntime();
    for (const [k, n] of SIZES.entries()) {
      const x = f32(randn(100 + k, n));
      const t = rt.upload(x, [n], 'x');
      const s = reduceSum(rt, t);
      const m = reduceMean(rt, t);
      const [gs, gm] = await rt.readMany([s, m]);
      const tol = { atol: 2e-6 * absSum(x), rtol: 1e-5 };
      expectClose(gs, [reduceSumRef(x)], tol, `sum n=${n}`);
      expectClose(gm, [reduceMeanRef(x)], { atol: tol.atol / n, rtol: 1e-5 }, `mean n=${n}`);
      for (const u of [t, s, m]) u.dispose();
    }
  });

  it('sums a 2-D tensor over all elements', async () => {
    const rt = await testRuntime();
    const x = f32(randn(7, 65 * 33));
    const t = rt.upload(x, [65, 33], 'x');
    const s = reduceSum(rt, t);
    expectClose(
      await rt.readF32(s),
      [reduceSumRef(x)],
      { atol: 2e-6 * absSum(x), rtol: 1e-5 },
      'sum [65,33]',
    );
    t.dispose();
    s.dispose();
  });

  it('column sums, overwrite and accumulate', async () => {
    const rt = await testRuntime();
    for (const [rows, cols] of [
      [1, 1],
      [7, 3],
      [65, 33],
      [7, 130],
      [200, 5], // 4 row chunks
      [64 * 64 + 3, 3], // 65 row chunks: the partials are chunked again
    ]) {
      const x = f32(randn(rows * 1000 + cols, rows * cols));
      const base = f32(randn(cols, cols));
      const tx = rt.upload(x, [rows, cols], 'x');
      const fresh = columnSums(rt, tx);
      const into = rt.upload(base, [cols], 'into');
      columnSums(rt, tx, { into, accumulate: true });
      const [gf, ga] = await rt.readMany([fresh, into]);
      const tol = { atol: 1e-5 * rows, rtol: 1e-5 };
      expectClose(gf, columnSumsRef(x, rows, cols), tol, `columnSums [${rows},${cols}]`);
      expectClose(ga, columnSumsRef(x, rows, cols, base), tol, `columnSums accumulate [${rows},${cols}]`);
      for (const u of [tx, fresh, into]) u.dispose();
    }
  });

  it('global norm over a list of tensors of mixed sizes', async () => {
    const rt = await testRuntime();
    const datas = [1, 130, 33 * 7, 4097, 1].map((n, i) => f32(randn(50 + i, n, 0.5)));
    const ts = datas.map((d, i) => rt.upload(d, [d.length], `g${i}`));
    const norm = globalNorm(rt, ts);
    expect(norm.shape).toEqual([1]);
    expectClose(await rt.readF32(norm), [globalNormRef(datas)], { atol: 1e-6, rtol: 2e-6 }, 'globalNorm');
    for (const u of [...ts, norm]) u.dispose();
  });

  it('all-finite flag finds a single NaN, +Inf or -Inf anywhere in the list', async () => {
    const rt = await testRuntime();
    const datas = [5, 129, 1000].map((n, i) => randn(80 + i, n));
    const ts = datas.map((d, i) => rt.upload(d, [d.length], `g${i}`));
    const ok = allFinite(rt, ts);
    expect(Array.from(await rt.readF32(ok))).toEqual([allFiniteRef(datas)]);
    expect(allFiniteRef(datas)).toBe(1);
    ok.dispose();
    for (const [bad, where] of [
      [Number.NaN, [2, 999]],
      [Number.POSITIVE_INFINITY, [1, 128]],
      [Number.NEGATIVE_INFINITY, [0, 0]],
      [Number.NaN, [1, 0]],
    ] as const) {
      const poisoned = datas.map((d) => Float64Array.from(d));
      poisoned[where[0]][where[1]] = bad;
      const pts = poisoned.map((d, i) => rt.upload(d, [d.length], `p${i}`));
      const flag = allFinite(rt, pts);
      expect(Array.from(await rt.readF32(flag)), `${bad} at ${where}`).toEqual([allFiniteRef(poisoned)]);
      expect(allFiniteRef(poisoned)).toBe(0);
      for (const u of [...pts, flag]) u.dispose();
    }
    for (const u of ts) u.dispose();
  });

  it('frees every intermediate buffer', async () => {
    const rt = await testRuntime();
    const t = rt.upload(randn(1, 20000), [20000], 'x');
    reduceSum(rt, t).dispose();
    globalNorm(rt, [t, t]).dispose();
    await rt.sync();
    const before = rt.stats();
    for (let i = 0; i < 5; i++) {
      reduceSum(rt, t).dispose();
      globalNorm(rt, [t, t]).dispose();
      allFinite(rt, [t]).dispose();
    }
    await rt.sync();
    expect(rt.stats().liveBuffers).toBe(before.liveBuffers);
    t.dispose();
  });
});
