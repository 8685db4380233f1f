/**
 * Embedding gather and scatter-add: reference backward vs central finite differences; GPU vs the
 * float64 reference with heavily repeated ids, u32 ids, learned positions, out-of-range ids and
 * accumulation into a non-zero gradient; the backward is bitwise deterministic across runs.
 */
import { describe, expect, it } from 'vitest';
import { roundToF16 } from '../../runtime/f16.js';
import { expectClose } from '../../testing/compare.js';
import { dot, numericalGradient } from '../../testing/finite-diff.js';
import { testRuntime } from '../../testing/gpu.js';
import { f32, randint, randn } from '../../testing/random.js';
import { embeddingBackward, embeddingForward } from './embedding.js';
import { embeddingBackwardRef, embeddingForwardRef } from './embedding.ref.js';

const FWD = { atol: 1e-6, rtol: 1e-6 };
const GRAD = { atol: 1e-5, rtol: 1e-5 };

describe('embedding reference', () => {
  it('backward matches central finite differences (token and position tables)', () => {
    const [v, c, tpos] = [5, 3, 4];
    const ids = [1, 4, 1, 0, 1, 7];
    const pos = [0, 1, 2, 3, 0, 1];
    const table = randn(1, v * c);
    const posTable = randn(2, tpos * c);
    const w = randn(3, ids.length * c);
    const numTok = numericalGradient(
      (t) => dot(embeddingForwardRef(t, v, c, ids, { table: posTable, tpos, pos }), w),
      table,
    );
    expectClose(embeddingBackwardRef(w, ids, new Float64Array(v * c), v, c), numTok, GRAD, 'dtable');
    const numPos = numericalGradient(
      (p) => dot(embeddingForwardRef(table, v, c, ids, { table: p, tpos, pos }), w),
      posTable,
    );
    expectClose(embeddingBackwardRef(w, pos, new Float64Array(tpos * c), tpos, c), numPos, GRAD, 'dpos');
  });
});

const CASES: { n: number; v: number; c: number; dtype: 'i32' | 'u32'; positions: boolean }[] = [
  { n: 1, v: 7, c: 8, dtype: 'i32', positions: false },
  { n: 5, v: 33, c: 12, dtype: 'u32', positions: true },
  { n: 17, v: 7, c: 12, dtype: 'i32', positions: true },
  { n: 17, v: 50, c: 8, dtype: 'u32', positions: false },
  { n: 301, v: 7, c: 12, dtype: 'i32', positions: true },
];

describe('embedding on the GPU', () => {
  for (const { n, v, c, dtype, positions } of CASES) {
    it(`matches the reference: N=${n} V=${v} C=${c} ${dtype}${positions ? ' +positions' : ''}`, async () => {
      const rt = await testRuntime();
      const tpos = 9;
      const table = f32(randn(100 + n, v * c));
      const posTable = f32(randn(200 + n, tpos * c));
      const ids = randint(300 + n, n, v);
      if (dtype === 'i32' && n > 2) ids[n - 2] = v + 3; // out of range: zero row, no gradient
      const pos = Int32Array.from({ length: n }, (_, r) => r % tpos);
      const dx = f32(randn(400 + n, n * c));
      const start = f32(randn(500 + n, v * c)); // dtable accumulates onto this
      const startPos = f32(randn(600 + n, tpos * c));

      const tableT = rt.upload(table, [v, c], 'table');
      const idsT = rt.upload(ids, [n], 'ids', dtype);
      const posTableT = rt.upload(posTable, [tpos, c], 'posTable');
      const posT = rt.upload(pos, [n], 'pos', 'i32');
      const x = embeddingForward(
        rt,
        tableT,
        idsT,
        positions ? { positions: { table: posTableT, pos: posT } } : {},
      );
      const refPositions = positions ? { table: posTable, tpos, pos } : undefined;
      expectClose(await rt.readF32(x), embeddingForwardRef(table, v, c, ids, refPositions), FWD, 'x');

      const dxT = rt.upload(dx, [n, c], 'dx');
      const results: Float32Array[] = [];
      for (let run = 0; run < 2; run++) {
        const dtable = rt.upload(start, [v, c], 'dtable');
        const dpos = rt.upload(startPos, [tpos, c], 'dpos');
        embeddingBackward(rt, dxT, idsT, dtable, positions ? { positions: { dtable: dpos, pos: posT } } : {});
        const got = await rt.readF32(dtable);
        expectClose(got, embeddingBackwardRef(dx, ids, Float64Array.from(start), v, c), GRAD, 'dtable');
        const gotPos = await rt.readF32(dpos);
        const wantPos = positions
          ? embeddingBackwardRef(dx, pos, Float64Array.from(startPos), tpos, c)
          : startPos;
        expectClose(gotPos, wantPos, GRAD, 'dpos');
        results.push(got);
        dtable.dispose();
        dpos.dispose();
      }
      expect(Buffer.from(results[0].buffer).equals(Buffer.from(results[1].buffer))).toBe(true);
      for (const t of [tableT, idsT, posTableT, posT, x, dxT]) t.dispose();
    });
  }

  it('a table split into uneven row chunks gives the unsplit bits, forward and backward', async () => {
    const rt = await testRuntime();
    const [n, v, c, tpos] = [23, 19, 12, 5];
    const rowsPerChunk = [8, 8, 3];
    const table = f32(randn(700, v * c));
    const posTable = f32(randn(701, tpos * c));
    const ids = randint(702, n, v);
    ids[3] = v + 2; // out of range: zero row from the first chunk's dispatch, no gradient
    ids[4] = -1;
    ids[5] = 17; // the last chunk
    const pos = Int32Array.from({ length: n }, (_, r) => r % tpos);
    const dx = f32(randn(703, n * c));
    const start = f32(randn(704, v * c));
    const idsT = rt.upload(ids, [n], 'ids', 'i32');
    const posT = rt.upload(pos, [n], 'pos', 'i32');
    const posTableT = rt.upload(posTable, [tpos, c], 'posTable');
    const dxT = rt.upload(dx, [n, c], 'dx');
    const split = (data: Float64Array, label: string) => {
      let row = 0;
      return rowsPerChunk.map((r, i) => {
        const t = rt.upload(data.subarray(row * c, (row + r) * c), [r, c], `${label}.${i}`);
        row += r;
        return t;
      });
    };
    const positions = { table: posTableT, pos: posT };
    const whole = rt.upload(table, [v, c], 'table');
    const chunks = split(table, 'table');
    const xWhole = await rt.readF32(embeddingForward(rt, whole, idsT, { positions }));
    const xSplit = await rt.readF32(embeddingForward(rt, chunks, idsT, { positions }));
    expect(Buffer.from(xSplit.buffer).equals(Buffer.from(xWhole.buffer))).toBe(true);
    expectClose(xSplit, embeddingForwardRef(table, v, c, ids, { table: posTable, tpos, pos }), FWD, 'x');

    const dWhole = rt.upload(start, [v, c], 'dtable');
    const dChunks = split(start, 'dtable');
    embeddingBackward(rt, dxT, idsT, dWhole);
    embeddingBackward(rt, dxT, idsT, dChunks);
    const gotWhole = await rt.readF32(dWhole);
    const parts = await rt.readMany(dChunks);
    const gotSplit = new Float32Array(v * c);
    let offset = 0;
    for (const p of parts) {
      gotSplit.set(p, offset);
      offset += p.length;
    }
    expect(Buffer.from(gotSplit.buffer).equals(Buffer.from(gotWhole.buffer))).toBe(true);
    expectClose(gotSplit, embeddingBackwardRef(dx, ids, Float64Array.from(start), v, c), GRAD, 'dtable');
    expect(() => embeddingForward(rt, [chunks[0], rt.zeros([2, c + 1], 'odd')], idsT)).toThrow(
      /table\[1\] must have shape \[\?,12\]/,
    );
    for (const t of [whole, ...chunks, dWhole, ...dChunks, idsT, posT, posTableT, dxT]) t.dispose();
  });

  it('gathers from an f16 table, whole or in row chunks, as the reference does from the rounded table', async () => {
    const rt = await testRuntime();
    const [n, v, c, tpos] = [19, 11, 7, 4]; // odd C: rows straddle 32-bit words
    const table = randn(800, v * c);
    const rounded = Float64Array.from(roundToF16(table));
    const posTable = f32(randn(801, tpos * c));
    const ids = randint(802, n, v);
    ids[2] = v; // out of range
    const pos = Int32Array.from({ length: n }, (_, r) => r % tpos);
    const idsT = rt.upload(ids, [n], 'ids', 'i32');
    const posT = rt.upload(pos, [n], 'pos', 'i32');
    const posTableT = rt.upload(posTable, [tpos, c], 'posTable');
    const positions = { table: posTableT, pos: posT };
    const want = embeddingForwardRef(rounded, v, c, ids, { table: posTable, tpos, pos });
    const whole = rt.upload(table, [v, c], 'table.f16', 'f16');
    const chunks = [
      rt.upload(table.subarray(0, 5 * c), [5, c], 'table.f16.0', 'f16'),
      rt.upload(table.subarray(5 * c), [6, c], 'table.f16.1', 'f16'),
    ];
    for (const [what, t] of [
      ['whole', whole],
      ['chunks', chunks],
    ] as const) {
      const x = embeddingForward(rt, t, idsT, { positions });
      expectClose(await rt.readF32(x), want, FWD, `x from f16 (${what})`);
      x.dispose();
    }
    expect(() => embeddingForward(rt, [chunks[0], rt.zeros([6, c], 'wide')], idsT)).toThrow(
      /must all be f32 or all f16/,
    );
    expect(() => embeddingBackward(rt, rt.zeros([n, c], 'dx'), idsT, whole)).toThrow(/dtable must be f32/);
    for (const t of [whole, ...chunks, idsT, posT, posTableT]) t.dispose();
  });

  it('refuses float ids and mismatched widths', async () => {
    const rt = await testRuntime();
    const table = rt.zeros([4, 3], 'table');
    const fids = rt.zeros([2], 'ids');
    const dtable = rt.zeros([4, 5], 'dtable');
    const dx = rt.zeros([2, 3], 'dx');
    const ids = rt.zeros([2], 'ids', 'i32');
    expect(() => embeddingForward(rt, table, fids)).toThrow(/i32 or u32/);
    expect(() => embeddingBackward(rt, dx, ids, dtable)).toThrow(/dtable must have shape/);
    for (const t of [table, fids, dtable, dx, ids]) t.dispose();
  });
});
