// Packed tensors (arena.ts): the layout (aligned, split at the byte limit, equal for equal members),
// and the ops that take a whole buffer at once giving bit for bit what they give tensor by tensor:
// the global norm and all-finite flag (fold_segments), and AdamW over a buffer with the clip factor
// evaluated in the step kernel against per-tensor steps with clipScale.
import { describe, expect, it } from 'vitest';
import { adamwStep, clipScale } from '../ops/adamw/adamw.js';
import { allFinite, globalNorm, MAX_SEGMENTS } from '../ops/reduce/reduce.js';
import { globalNormRef } from '../ops/reduce/reduce.ref.js';
import { expectClose } from '../testing/compare.js';
import { testRuntime } from '../testing/gpu.js';
import { f32, randn } from '../testing/random.js';
import { type ArenaMember, packTensors, planArenas, sameLayout } from './arena.js';

// sizes that are not multiples of the fold chunk (128) nor of a workgroup (64), one of three passes
const SIZES = [1, 3, 130, 7 * 33, 4097, 129, 128 * 128 + 5, 65];

function members(sizes: readonly number[], label: string): ArenaMember[] {
  return sizes.map((n, i) => ({ shape: [n], dtype: 'f32', label: `${label}.${i}` }));
}

describe('arena layout', () => {
  it('aligns every member, splits where the next would pass the limit, and is equal for equal members', () => {
    // 40, 400, 256 and 4 bytes into buffers of at most 512 at 256-byte offsets
    const plan = planArenas(members([10, 100, 64, 1, 20], 'x'), 256, 512);
    expect(plan.place).toEqual([
      { arena: 0, offset: 0 },
      { arena: 1, offset: 0 },
      { arena: 2, offset: 0 },
      { arena: 2, offset: 256 },
      { arena: 3, offset: 0 },
    ]);
    expect(plan.sizes).toEqual([40, 400, 260, 80]);
    expect(() => planArenas(members([200], 'x'), 256, 512)).toThrow(/exceeds 512/);
  });

  it('views land at their offsets and keep their data; two packings of one member list match', async () => {
    const rt = await testRuntime();
    const a = packTensors(rt, members(SIZES, 'a'), 'a', 70 * 1024);
    const b = packTensors(rt, members(SIZES, 'b'), 'b', 70 * 1024);
    const c = packTensors(rt, members([...SIZES].reverse(), 'c'), 'c', 70 * 1024);
    expect(a.arenas.length).toBeGreaterThan(1);
    expect(sameLayout(a, b)).toBe(true);
    expect(sameLayout(a, c)).toBe(false);
    const datas = SIZES.map((n, i) => f32(randn(10 + i, n)));
    a.views.forEach((t, i) => {
      rt.write(t, datas[i]);
    });
    const back = await rt.readMany(a.views);
    back.forEach((x, i) => {
      expect(Array.from(x), `view ${i}`).toEqual(Array.from(datas[i]));
    });
    for (const p of [a, b, c]) for (const x of p.arenas) x.storage.dispose();
  });
});

describe('whole-buffer ops equal their per-tensor forms bit for bit', () => {
  it('global norm and all-finite over packed views (more views than one segment table holds)', async () => {
    const rt = await testRuntime();
    const sizes = [...SIZES, ...Array.from({ length: MAX_SEGMENTS + 3 }, (_, i) => 1 + ((i * 37) % 300))];
    const datas = sizes.map((n, i) => f32(randn(50 + i, n)));
    const packed = packTensors(rt, members(sizes, 'g'), 'g');
    const loose = datas.map((d, i) => rt.upload(d, [d.length], `loose.${i}`));
    packed.views.forEach((t, i) => {
      rt.write(t, datas[i]);
    });
    const before = rt.stats().dispatches;
    const nPacked = globalNorm(rt, packed.views);
    const packedDispatches = rt.stats().dispatches - before;
    const nLoose = globalNorm(rt, loose);
    const fPacked = allFinite(rt, packed.views);
    const [gp, gl, gf] = await rt.readMany([nPacked, nLoose, fPacked]);
    expect(gp[0]).toBe(gl[0]);
    expect(gf[0]).toBe(1);
    expectClose(gp, [globalNormRef(datas)], { atol: 1e-6, rtol: 2e-6 }, 'packed globalNorm');
    // two segment dispatches for the first pass, then the scratch folds (2 passes)
    expect(packedDispatches).toBe(Math.ceil(sizes.length / MAX_SEGMENTS) + 2);
    // a NaN in one view (not the first) is found
    const bad = datas.map((d) => Float64Array.from(d));
    bad[5][17] = Number.NaN;
    rt.write(packed.views[5], bad[5]);
    const f = allFinite(rt, packed.views);
    expect(Array.from(await rt.readF32(f))).toEqual([0]);
    for (const t of [nPacked, nLoose, fPacked, f, ...loose]) t.dispose();
    for (const x of packed.arenas) x.storage.dispose();
  });

  it('AdamW over whole buffers with the in-kernel clip equals per-tensor steps with clipScale', async () => {
    const rt = await testRuntime();
    const n = SIZES.length;
    const pack = (label: string) => packTensors(rt, members(SIZES, label), label, 70 * 1024);
    const [pp, gp, mp, vp] = ['p', 'g', 'm', 'v'].map(pack);
    const loose = (label: string) => SIZES.map((s, i) => rt.zeros([s], `${label}.${i}`));
    const [pl, gl, ml, vl] = ['pl', 'gl', 'ml', 'vl'].map(loose);
    for (let i = 0; i < n; i++) {
      const p = f32(randn(200 + i, SIZES[i]));
      rt.write(pp.views[i], p);
      rt.write(pl[i], p);
    }
    for (const [step, maxNorm] of [
      [1, 0.5],
      [2, 1e3],
      [3, 2],
    ] as const) {
      for (let i = 0; i < n; i++) {
        const g = f32(randn(300 + 10 * step + i, SIZES[i]));
        rt.write(gp.views[i], g);
        rt.write(gl[i], g);
      }
      const h = { lr: 1e-2, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.1, step };
      const normP = globalNorm(rt, gp.views);
      pp.arenas.forEach((a, i) => {
        adamwStep(
          rt,
          { param: a.storage, grad: gp.arenas[i].storage, m: mp.arenas[i].storage, v: vp.arenas[i].storage },
          { ...h, clip: { norm: normP, maxNorm } },
        );
      });
      const normL = globalNorm(rt, gl);
      const scale = clipScale(rt, normL, maxNorm);
      for (let i = 0; i < n; i++)
        adamwStep(rt, { param: pl[i], grad: gl[i], m: ml[i], v: vl[i] }, { ...h, gradScale: scale });
      for (const t of [normP, normL, scale]) t.dispose();
    }
    const got = await rt.readMany([...pp.views, ...mp.views, ...vp.views]);
    const want = await rt.readMany([...pl, ...ml, ...vl]);
    got.forEach((x, i) => {
      expect(Array.from(x), `tensor ${i}`).toEqual(Array.from(want[i]));
    });
    for (const p of [pp, gp, mp, vp]) for (const x of p.arenas) x.storage.dispose();
    for (const t of [...pl, ...gl, ...ml, ...vl]) t.dispose();
  });
});
