/**
 * Memory-light causal GQA attention: the materialised float64 reference's backward against central
 * finite differences; then the fused GPU kernels against it for training shapes (T = 1, 5, 17;
 * D = 8, 12; H = 4/Hkv = 2 and H = Hkv), KV-cache decoding (Tq of 1 or 3 rows, qOffset = cache length,
 * Tk up to 130) and left padding, where fully masked rows must give zeros rather than NaN.
 */
import { describe, expect, it } from 'vitest';
import { expectClose } from '../../testing/compare.js';
import { dot, numericalGradient } from '../../testing/finite-diff.js';
import { testRuntime } from '../../testing/gpu.js';
import { f32, randn } from '../../testing/random.js';
import { attentionBackward, attentionForward } from './attention.js';
import {
  ATTENTION_NEG_INF,
  type AttentionDimsRef,
  attentionBackwardRef,
  attentionForwardRef,
} from './attention.ref.js';

const FWD = { atol: 2e-5, rtol: 1e-4 };
const GRAD = { atol: 5e-5, rtol: 5e-4 };

/** keyMask [B,Tk]: row b has `pad[b]` left-padding keys. */
function leftPadding(b: number, tk: number, pad: number[]): Float64Array {
  const m = new Float64Array(b * tk).fill(1);
  for (let r = 0; r < b; r++) for (let j = 0; j < pad[r]; j++) m[r * tk + j] = 0;
  return m;
}

describe('attention reference', () => {
  it('backward matches central finite differences (GQA, offset, padding)', () => {
    const dims: AttentionDimsRef = { b: 2, tq: 3, tk: 4, h: 4, hkv: 2, d: 3 };
    const opts = { scale: 0.7, qOffset: 1, keyMask: leftPadding(2, 4, [0, 1]) };
    const q = randn(1, 2 * 3 * 4 * 3);
    const k = randn(2, 2 * 4 * 2 * 3);
    const v = randn(3, 2 * 4 * 2 * 3);
    const w = randn(4, q.length);
    const grads = attentionBackwardRef(w, q, k, v, dims, opts);
    const tol = { atol: 1e-7, rtol: 1e-6 };
    expectClose(
      grads.dq,
      numericalGradient((x) => dot(attentionForwardRef(x, k, v, dims, opts).out, w), q),
      tol,
      'dq',
    );
    expectClose(
      grads.dk,
      numericalGradient((x) => dot(attentionForwardRef(q, x, v, dims, opts).out, w), k),
      tol,
      'dk',
    );
    expectClose(
      grads.dv,
      numericalGradient((x) => dot(attentionForwardRef(q, k, x, dims, opts).out, w), v),
      tol,
      'dv',
    );
  });
});

interface Case {
  name: string;
  dims: AttentionDimsRef;
  qOffset: number;
  pad?: number[];
}

const CASES: Case[] = [
  { name: 'T=1 GQA', dims: { b: 2, tq: 1, tk: 1, h: 4, hkv: 2, d: 8 }, qOffset: 0 },
  { name: 'T=5 MHA D=12', dims: { b: 2, tq: 5, tk: 5, h: 3, hkv: 3, d: 12 }, qOffset: 0 },
  {
    name: 'T=17 GQA D=12 padded',
    dims: { b: 3, tq: 17, tk: 17, h: 4, hkv: 2, d: 12 },
    qOffset: 0,
    pad: [0, 3, 6],
  },
  { name: 'T=17 MHA D=8', dims: { b: 1, tq: 17, tk: 17, h: 2, hkv: 2, d: 8 }, qOffset: 0 },
  {
    name: 'decode Tq=1 Tk=70',
    dims: { b: 3, tq: 1, tk: 70, h: 4, hkv: 2, d: 8 },
    qOffset: 69,
    pad: [0, 5, 33],
  },
  {
    name: 'decode Tq=3 Tk=130',
    dims: { b: 2, tq: 3, tk: 130, h: 4, hkv: 1, d: 12 },
    qOffset: 127,
    pad: [2, 0],
  },
  { name: 'chunk Tq=5 Tk=12 offset 4', dims: { b: 2, tq: 5, tk: 12, h: 2, hkv: 1, d: 8 }, qOffset: 4 },
];

describe('attention on the GPU', () => {
  for (const { name, dims, qOffset, pad } of CASES) {
    it(`forward and backward match the reference: ${name}`, async () => {
      const rt = await testRuntime();
      const { b, tq, tk, h, hkv, d } = dims;
      const seed = tq * 100 + tk;
      const q = f32(randn(seed + 1, b * tq * h * d));
      const k = f32(randn(seed + 2, b * tk * hkv * d));
      const v = f32(randn(seed + 3, b * tk * hkv * d));
      const dout = f32(randn(seed + 4, q.length));
      const keyMask = pad ? leftPadding(b, tk, pad) : undefined;
      const scale = 1 / Math.sqrt(d);
      const refOpts = { scale, qOffset, keyMask };

      const qt = rt.upload(q, [b, tq, h, d], 'q');
      const kt = rt.upload(k, [b, tk, hkv, d], 'k');
      const vt = rt.upload(v, [b, tk, hkv, d], 'v');
      const dt = rt.upload(dout, [b, tq, h, d], 'dout');
      const mt = keyMask ? rt.upload(keyMask, [b, tk], 'keyMask') : undefined;
      const opts = { scale, qOffset, keyMask: mt };
      const { out, lse } = attentionForward(rt, qt, kt, vt, opts);
      const want = attentionForwardRef(q, k, v, dims, refOpts);
      expectClose(await rt.readF32(out), want.out, FWD, 'out');
      expectClose(await rt.readF32(lse), want.lse, FWD, 'lse');

      const grads = attentionBackward(rt, dt, qt, kt, vt, out, lse, opts);
      const wantGrads = attentionBackwardRef(dout, q, k, v, dims, refOpts);
      expectClose(await rt.readF32(grads.dq), wantGrads.dq, GRAD, 'dq');
      expectClose(await rt.readF32(grads.dk), wantGrads.dk, GRAD, 'dk');
      expectClose(await rt.readF32(grads.dv), wantGrads.dv, GRAD, 'dv');
      for (const t of [qt, kt, vt, dt, mt, out, lse, grads.dq, grads.dk, grads.dv]) t?.dispose();
    });
  }

  it('gives zeros, NEG_INF lse and finite gradients for rows that see no key', async () => {
    const rt = await testRuntime();
    const dims = { b: 2, tq: 6, tk: 6, h: 2, hkv: 1, d: 8 };
    const keyMask = leftPadding(2, 6, [4, 6]); // row 1 is padding only
    const q = f32(randn(11, 2 * 6 * 2 * 8));
    const k = f32(randn(12, 2 * 6 * 8));
    const v = f32(randn(13, 2 * 6 * 8));
    const qt = rt.upload(q, [2, 6, 2, 8], 'q');
    const kt = rt.upload(k, [2, 6, 1, 8], 'k');
    const vt = rt.upload(v, [2, 6, 1, 8], 'v');
    const mt = rt.upload(keyMask, [2, 6], 'keyMask');
    const opts = { scale: 0.35, qOffset: 0, keyMask: mt };
    const { out, lse } = attentionForward(rt, qt, kt, vt, opts);
    const outHost = await rt.readF32(out);
    const lseHost = await rt.readF32(lse);
    // batch 0: query rows 0..3 see only padding; batch 1: every row
    for (let i = 0; i < 4; i++) expect(lseHost[i]).toBe(Math.fround(ATTENTION_NEG_INF));
    expect(Array.from(outHost.subarray(0, 4 * 2 * 8)).every((x) => x === 0)).toBe(true);
    expect(Array.from(outHost.subarray(6 * 2 * 8)).every((x) => x === 0)).toBe(true);
    expect(outHost.every(Number.isFinite)).toBe(true);
    expectClose(
      outHost,
      attentionForwardRef(q, k, v, dims, { scale: 0.35, qOffset: 0, keyMask }).out,
      FWD,
      'out',
    );
    const dt = rt.upload(f32(randn(14, q.length)), [2, 6, 2, 8], 'dout');
    const grads = attentionBackward(rt, dt, qt, kt, vt, out, lse, opts);
    for (const g of [grads.dq, grads.dk, grads.dv])
      expect((await rt.readF32(g)).every(Number.isFinite)).toBe(true);
    const dk = await rt.readF32(grads.dk);
    expect(Array.from(dk.subarray(0, 4 * 8)).every((x) => x === 0)).toBe(true); // padded keys get nothing
    for (const t of [qt, kt, vt, mt, dt, out, lse, grads.dq, grads.dk, grads.dv]) t.dispose();
  });

  it("counts the FLOPs of the (query, key) pairs it visits in the runtime's flops", async () => {
    const rt = await testRuntime();
    // B 2, Tq 3 queries after 2 cached positions (qOffset 2), Tk 5, H 2 over Hkv 1, D 4:
    // query i sees keys 0..i+2, so 3 + 4 + 5 = 12 pairs per row and head
    const q = rt.zeros([2, 3, 2, 4], 'q');
    const k = rt.zeros([2, 5, 1, 4], 'k');
    const v = rt.zeros([2, 5, 1, 4], 'v');
    const opts = { scale: 0.5, qOffset: 2 };
    const f0 = rt.stats().flops;
    const { out, lse } = attentionForward(rt, q, k, v, opts);
    const f1 = rt.stats().flops;
    expect(f1 - f0).toBe(4 * 4 * 2 * 2 * 12); // q.k and p*v: D multiply-adds each
    const grads = attentionBackward(rt, out, q, k, v, out, lse, opts);
    expect(rt.stats().flops - f1).toBe((6 + 8) * 4 * 2 * 2 * 12);
    await rt.readF32(grads.dq);
    for (const t of [q, k, v, out, lse, grads.dq, grads.dk, grads.dv]) t.dispose();
  });

  it('refuses heads that do not group and a negative offset', async () => {
    const rt = await testRuntime();
    const q = rt.zeros([1, 2, 3, 4], 'q');
    const k = rt.zeros([1, 2, 2, 4], 'k');
    const k1 = rt.zeros([1, 2, 1, 4], 'k1');
    expect(() => attentionForward(rt, q, k, k, { scale: 1, qOffset: 0 })).toThrow(/multiple of Hkv/);
    expect(() => attentionForward(rt, q, k1, k1, { scale: 1, qOffset: -1 })).toThrow(/qOffset/);
    for (const t of [q, k, k1]) t.dispose();
  });
});
