/**
 * Host f16 conversion: hand-checked bit patterns (normals, subnormals, ties to even, overflow), the
 * float32 -> f16 -> float32 round trip against Math.fround-style bounds, and f16 tensors on the GPU
 * (odd sizes, packed two per word) uploaded, copied and read back.
 */
import { describe, expect, it } from 'vitest';
import { testRuntime } from '../testing/gpu.js';
import { randn } from '../testing/random.js';
import { f16Bits, f16Value, fitsF16, packF16, roundToF16, unpackF16 } from './f16.js';

describe('f16 on the host', () => {
  it('converts hand-checked values', () => {
    const cases: [number, number][] = [
      [0, 0x0000],
      [-0, 0x8000],
      [1, 0x3c00],
      [-2, 0xc000],
      [0.5, 0x3800],
      [65504, 0x7bff], // largest finite
      [65520, 0x7c00], // rounds up to infinity
      [2 ** -14, 0x0400], // smallest normal
      [2 ** -24, 0x0001], // smallest subnormal
      [2 ** -25, 0x0000], // half of it: tie to even (0)
      [1 + 2 ** -11, 0x3c00], // tie between 1 and 1+2^-10: even (1)
      [1 + 3 * 2 ** -11, 0x3c02], // tie between 1+2^-10 and 1+2^-9: even (1+2^-9)
      [0.1, 0x2e66],
      [Number.POSITIVE_INFINITY, 0x7c00],
    ];
    for (const [v, bits] of cases) expect(f16Bits(v), `${v}`).toBe(bits);
    expect([0x0001, 0x0400, 0x7bff, 0x3c02, 0xc000, 0x2e66, 0x7c00].map(f16Value)).toEqual([
      2 ** -24,
      2 ** -14,
      65504,
      1 + 2 ** -9,
      -2,
      0.0999755859375,
      Number.POSITIVE_INFINITY,
    ]);
    expect(Number.isNaN(f16Value(f16Bits(Number.NaN)))).toBe(true);
    expect(fitsF16([1, -65504])).toBe(true);
    expect(fitsF16([65505])).toBe(false);
    expect(fitsF16([Number.NaN])).toBe(false);
  });

  it('rounds within half an f16 ulp and packs pairs low half first', () => {
    const x = Float32Array.from(randn(1, 1001, 3));
    const r = roundToF16(x);
    for (let i = 0; i < x.length; i++) {
      const ulp = 2 ** (Math.max(Math.floor(Math.log2(Math.abs(x[i]))), -14) - 10);
      expect(Math.abs(r[i] - x[i])).toBeLessThanOrEqual(ulp / 2);
    }
    expect(Array.from(packF16([1, -2, 0.5]))).toEqual([0xc0003c00, 0x3800]);
    expect(Array.from(unpackF16(packF16([1, -2, 0.5]), 3))).toEqual([1, -2, 0.5]);
  });

  it('f16 tensors of odd size upload, copy and read back rounded', async () => {
    const rt = await testRuntime();
    const x = Float32Array.from(randn(2, 37, 2));
    const t = rt.upload(x, [37], 'half', 'f16');
    expect(t.byteLength).toBe(74);
    const copy = rt.empty([37], 'half.copy', 'f16');
    rt.copy(t, copy);
    expect(Array.from(await rt.readF32(copy))).toEqual(Array.from(roundToF16(x)));
    expect(() => rt.copy(t, rt.empty([37], 'wide'))).toThrow(/types differ/);
    t.dispose();
    copy.dispose();
  });
});
