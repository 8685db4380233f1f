/**
 * Float64 oracle for rope.ts: rotate-half RoPE written as in transformers' `apply_rotary_pos_emb`
 * (q * cos + rotate_half(q) * sin). Like transformers, inv_freq and the angle pos * inv_freq are rounded
 * to float32 (that is the model's actual function); sin, cos and the rotation are float64.
 */
import { ropeInvFreq } from './rope.js';

/** y = rope(x) for x [B,T,H,D] flat, pos [B*T]; `inverse` applies the transpose (the backward). */
export function ropeRef(
  x: Float64Array,
  shape: readonly [number, number, number, number],
  pos: ArrayLike<number>,
  theta: number,
  inverse = false,
): Float64Array {
  const [b, t, h, d] = shape;
  const half = d / 2;
  const invFreq = ropeInvFreq(d, theta);
  const y = new Float64Array(x.length);
  for (let row = 0; row < b * t; row++) {
    for (let head = 0; head < h; head++) {
      const base = (row * h + head) * d;
      for (let j = 0; j < d; j++) {
        const i = j % half;
        const angle = Math.fround(pos[row] * invFreq[i]);
        const sin = (inverse ? -1 : 1) * Math.sin(angle);
        // rotate_half(x)[j] = -x[j + half] for j < half, x[j - half] otherwise
        const rotated = j < half ? -x[base + j + half] : x[base + j - half];
        y[base + j] = x[base + j] * Math.cos(angle) + rotated * sin;
      }
    }
  }
  return y;
}
