import { describe, expect, it } from 'vitest';
import { testRuntime } from '../../testing/gpu.js';
import { copyTimeSteps, offsetPositions, sliceColumns, writeColumns } from './copy.js';

describe('copy kernels', () => {
  // [rows, columns, slice start, slice width, write-back start]: odd sizes take the u32 kernel,
  // multiples of 4 the vec4 one
  it.each([
    [7, 13, 4, 5, 8],
    [7, 16, 4, 8, 8],
  ])(
    'slices and writes back columns, exactly and with accumulation (%i x %i)',
    async (n, s, start, width, at) => {
      const rt = await testRuntime();
      const data = Array.from({ length: n * s }, (_, i) => i * 0.5 - 3);
      const x = rt.upload(data, [n, s], 'x');
      const part = sliceColumns(rt, x, start, width);
      const got = await rt.readF32(part);
      for (let r = 0; r < n; r++)
        for (let j = 0; j < width; j++) expect(got[r * width + j]).toBe(data[r * s + start + j]);
      writeColumns(rt, part, x, at, true);
      const back = await rt.readF32(x);
      for (let r = 0; r < n; r++) {
        for (let j = 0; j < s; j++) {
          const want =
            j >= at && j < at + width ? data[r * s + j] + data[r * s + j - at + start] : data[r * s + j];
          expect(back[r * s + j]).toBeCloseTo(want, 6);
        }
      }
      x.dispose();
      part.dispose();
    },
  );

  it.each([5, 8])(
    'copies time steps between [B,T,X] tensors (KV-cache writes) bit-exactly, i32 included (X = %i)',
    async (x) => {
      const rt = await testRuntime();
      const [b, ts, td] = [3, 4, 9];
      const src = rt.upload(
        Array.from({ length: b * ts * x }, (_, i) => i - 20),
        [b, ts, x],
        'src',
        'i32',
      );
      const dst = rt.zeros([b, td, x], 'dst', 'i32');
      copyTimeSteps(rt, src, 1, dst, 5, 3);
      const got = await rt.read(dst);
      for (let i = 0; i < b; i++) {
        for (let t = 0; t < td; t++) {
          for (let j = 0; j < x; j++) {
            const want = t >= 5 && t < 8 ? (i * ts + (t - 5 + 1)) * x + j - 20 : 0;
            expect(got[(i * td + t) * x + j]).toBe(want);
          }
        }
      }
      expect(() => copyTimeSteps(rt, src, 2, dst, 0, 3)).toThrow(/steps 2\+3/);
      src.dispose();
      dst.dispose();
    },
  );

  it('offsets i32 positions', async () => {
    const rt = await testRuntime();
    const base = rt.upload([0, 3, -1, 7], [4], 'base', 'i32');
    const out = offsetPositions(rt, base, 5);
    expect(Array.from(await rt.read(out))).toEqual([5, 8, 4, 12]);
    base.dispose();
    out.dispose();
  });
});
