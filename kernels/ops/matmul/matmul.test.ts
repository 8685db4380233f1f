import { describe, expect, it } from 'vitest';
import { ShapeError } from '../../runtime/tensor.js';
import { expectClose } from '../../testing/compare.js';
import { dot, numericalGradient } from '../../testing/finite-diff.js';
import { testRuntime } from '../../testing/gpu.js';
import { f32, randn, rng } from '../../testing/random.js';
import { MATMUL_VARIANTS, matmul, matmulDims } from './matmul.js';
import { matmulBackwardRef, matmulRef } from './matmul.ref.js';
import { matmulBackward } from './matmul-backward.js';

const FWD = { atol: 1e-4, rtol: 1e-4 };
const GRAD = { atol: 2e-4, rtol: 2e-4 };
const SIZES = [1, 3, 4, 8, 17, 33, 64, 65];

type Batching = 'none' | 'both' | 'a' | 'b'; // which operands carry the batch dimension

interface Case {
  M: number;
  K: number;
  N: number;
  batch: number;
  batching: Batching;
  transA: boolean;
  transB: boolean;
  bias: boolean;
  accumulate: boolean;
}

function shapes(c: Case): { a: number[]; b: number[] } {
  const a2 = c.transA ? [c.K, c.M] : [c.M, c.K];
  const b2 = c.transB ? [c.N, c.K] : [c.K, c.N];
  const batched = (s: number[], on: boolean) => (on ? [c.batch, ...s] : s);
  return {
    a: batched(a2, c.batching === 'both' || c.batching === 'a'),
    b: batched(b2, c.batching === 'both' || c.batching === 'b'),
  };
}

function describeCase(c: Case): string {
  const { a, b } = shapes(c);
  return `a[${a}]${c.transA ? '^T' : ''} b[${b}]${c.transB ? '^T' : ''}${c.bias ? ' +bias' : ''}${c.accumulate ? ' +=' : ''}`;
}

/** Seeded random cases; sizes mix multiples of 4 (vec4 path) with odd ones (checked scalar path). */
function randomCases(seed: number, n: number): Case[] {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)];
  return Array.from({ length: n }, () => ({
    M: pick(SIZES),
    K: pick(SIZES),
    N: pick(SIZES),
    batch: pick([2, 3]),
    batching: pick(['none', 'none', 'both', 'a', 'b'] as const),
    transA: r() < 0.5,
    transB: r() < 0.5,
    bias: r() < 0.3,
    accumulate: r() < 0.3,
  }));
}

/** Hand-picked shapes for the vec4 kernel's edges: M past a tile, a K tail, tiny N. */
const EDGE_CASES: Case[] = [
  {
    M: 17,
    K: 32,
    N: 36,
    batch: 1,
    batching: 'none',
    transA: false,
    transB: false,
    bias: true,
    accumulate: false,
  },
  {
    M: 68,
    K: 17,
    N: 8,
    batch: 1,
    batching: 'none',
    transA: true,
    transB: false,
    bias: false,
    accumulate: true,
  },
  {
    M: 1,
    K: 4,
    N: 4,
    batch: 1,
    batching: 'none',
    transA: false,
    transB: true,
    bias: false,
    accumulate: false,
  },
  {
    M: 65,
    K: 132,
    N: 68,
    batch: 1,
    batching: 'none',
    transA: false,
    transB: false,
    bias: false,
    accumulate: false,
  },
  { M: 4, K: 3, N: 4, batch: 3, batching: 'both', transA: true, transB: false, bias: true, accumulate: true },
  {
    M: 130,
    K: 64,
    N: 72,
    batch: 2,
    batching: 'a',
    transA: true,
    transB: true,
    bias: false,
    accumulate: false,
  },
];

describe('matmul reference', () => {
  it('backward matches central finite differences', () => {
    for (const [i, c] of randomCases(7, 24).entries()) {
      const small = { ...c, M: Math.min(c.M, 4), K: Math.min(c.K, 3), N: Math.min(c.N, 5) };
      const { a: aShape, b: bShape } = shapes(small);
      const d = matmulDims(aShape, bShape, small.transA, small.transB);
      const size = (s: number[]) => s.reduce((x, y) => x * y, 1);
      const a = randn(100 + i, size(aShape));
      const b = randn(200 + i, size(bShape));
      const bias = randn(300 + i, d.N);
      const w = randn(400 + i, size(d.outShape)); // loss = sum(w * y)
      const loss = (aa: Float64Array, bb: Float64Array, bi: Float64Array) =>
        dot(w, matmulRef(aa, aShape, bb, bShape, { transA: small.transA, transB: small.transB, bias: bi }));
      const g = matmulBackwardRef(a, aShape, b, bShape, w, small);
      const label = describeCase(small);
      expectClose(
        g.da,
        numericalGradient((x) => loss(x, b, bias), a),
        { atol: 1e-6, rtol: 1e-6 },
        `${label} da`,
      );
      expectClose(
        g.db,
        numericalGradient((x) => loss(a, x, bias), b),
        { atol: 1e-6, rtol: 1e-6 },
        `${label} db`,
      );
      expectClose(
        g.dbias,
        numericalGradient((x) => loss(a, b, x), bias),
        { atol: 1e-6, rtol: 1e-6 },
        `${label} dbias`,
      );
    }
  });
});

describe('matmul on the GPU vs the float64 reference', () => {
  const cases = [...EDGE_CASES, ...randomCases(11, 40)];

  for (const variant of MATMUL_VARIANTS) {
    it(`forward, variant ${variant}: transposes, bias, accumulate, batches, odd sizes`, async () => {
      const rt = await testRuntime();
      for (const [i, c] of cases.entries()) {
        const { a: aShape, b: bShape } = shapes(c);
        const d = matmulDims(aShape, bShape, c.transA, c.transB);
        const aData = f32(
          randn(
            10 + i,
            aShape.reduce((x, y) => x * y, 1),
          ),
        );
        const bData = f32(
          randn(
            20 + i,
            bShape.reduce((x, y) => x * y, 1),
          ),
        );
        const biasData = f32(randn(30 + i, d.N));
        const init = f32(
          randn(
            40 + i,
            d.outShape.reduce((x, y) => x * y, 1),
          ),
        );
        const a = rt.upload(aData, aShape, 'a');
        const b = rt.upload(bData, bShape, 'b');
        const bias = c.bias ? rt.upload(biasData, [d.N], 'bias') : undefined;
        const out = c.accumulate ? rt.upload(init, d.outShape, 'out') : undefined;
        const flops0 = rt.stats().flops;
        const y = matmul(rt, a, b, {
          transA: c.transA,
          transB: c.transB,
          bias,
          out,
          accumulate: c.accumulate,
          variant,
        });
        expect(y.shape).toEqual(d.outShape);
        // the runtime's FLOP counter: 2 per multiply-add, whatever chunks the product was split into
        expect(rt.stats().flops - flops0).toBe(2 * d.batch * d.M * d.N * d.K);
        const want = matmulRef(aData, aShape, bData, bShape, {
          transA: c.transA,
          transB: c.transB,
          bias: c.bias ? biasData : undefined,
          out: c.accumulate ? init : undefined,
        });
        expectClose(await rt.readF32(y), want, FWD, `${variant} ${describeCase(c)}`);
        for (const t of [a, b, bias, y]) t?.dispose();
      }
    });
  }

  it('backward: dA, dB, dbias for transposes and broadcast batches, fresh and accumulated', async () => {
    const rt = await testRuntime();
    for (const [i, c] of [...EDGE_CASES, ...randomCases(13, 30)].entries()) {
      const { a: aShape, b: bShape } = shapes(c);
      const d = matmulDims(aShape, bShape, c.transA, c.transB);
      const size = (s: number[]) => s.reduce((x, y) => x * y, 1);
      const aData = f32(randn(50 + i, size(aShape)));
      const bData = f32(randn(60 + i, size(bShape)));
      const dyData = f32(randn(70 + i, size(d.outShape)));
      const old = {
        da: f32(randn(80 + i, size(aShape))),
        db: f32(randn(90 + i, size(bShape))),
        dbias: f32(randn(95 + i, d.N)),
      };
      const a = rt.upload(aData, aShape, 'a');
      const b = rt.upload(bData, bShape, 'b');
      const dy = rt.upload(dyData, d.outShape, 'dy');
      const into = c.accumulate
        ? {
            da: rt.upload(old.da, aShape, 'da'),
            db: rt.upload(old.db, bShape, 'db'),
            dbias: rt.upload(old.dbias, [d.N], 'dbias'),
          }
        : {};
      const g = matmulBackward(rt, a, b, dy, {
        transA: c.transA,
        transB: c.transB,
        bias: true,
        accumulate: c.accumulate,
        ...into,
      });
      const want = matmulBackwardRef(aData, aShape, bData, bShape, dyData, c);
      const plus = (x: Float64Array, y: Float64Array) => (c.accumulate ? x.map((v, j) => v + y[j]) : x);
      const label = describeCase(c);
      expectClose(await rt.readF32(g.da), plus(want.da, old.da), GRAD, `${label} da`);
      expectClose(await rt.readF32(g.db), plus(want.db, old.db), GRAD, `${label} db`);
      expectClose(await rt.readF32(g.dbias!), plus(want.dbias, old.dbias), GRAD, `${label} dbias`);
      for (const t of [a, b, dy, g.da, g.db, g.dbias]) t?.dispose();
    }
  });

  it('refuses mismatched shapes with a message naming them', async () => {
    const rt = await testRuntime();
    const a = rt.zeros([3, 4], 'a');
    const b = rt.zeros([5, 6], 'b');
    expect(() => matmul(rt, a, b)).toThrow(ShapeError);
    expect(() => matmul(rt, a, b)).toThrow(/inner dimensions differ \(4 vs 5\)/);
    expect(() => matmul(rt, a, a, { transB: true, accumulate: true })).toThrow(/accumulate needs an `out`/);
    const sq = rt.zeros([4, 4], 'sq');
    expect(() => matmul(rt, sq, sq, { out: sq })).toThrow(/share a buffer/);
    const a3 = rt.zeros([2, 3, 4], 'a3');
    const b3 = rt.zeros([3, 4, 2], 'b3');
    expect(() => matmul(rt, a3, b3)).toThrow(/batch sizes differ/);
    for (const t of [a, b, sq, a3, b3]) t.dispose();
  });
});
