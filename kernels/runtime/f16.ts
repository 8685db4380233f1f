/**
 * IEEE half precision on the host: what frozen LoRA base weights are stored as on the GPU (packed two
 * per 32-bit word, little-endian: element 2i in the low half, as WGSL's `unpack2x16float` reads it).
 * float32 -> f16 rounds to nearest even, as `torch.Tensor.half()` does; magnitudes above 65504 become
 * infinity, so callers check `fitsF16` first. bf16 checkpoints reach here as exact float32 values.
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The f16 bits of one float32 value, round to nearest even. */
export function f16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // inf, nan
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow
  if (e <= 0) {
    if (e < -10) return sign; // below half the smallest subnormal
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = mant & ((1 << shift) - 1);
    let h = mant >>> shift;
    if (rest > half || (rest === half && h & 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && h & 1)) h++; // may carry into the exponent: still right
  return sign | h;
}

/** The float32 value of f16 bits. */
export function f16Value(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >>> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** Packs values as f16 pairs in 32-bit words (a zero half pads an odd count). */
export function packF16(values: ArrayLike<number>): Uint32Array {
  const out = new Uint32Array(Math.ceil(values.length / 2));
  for (let i = 0; i < values.length; i++) out[i >> 1] |= f16Bits(values[i]) << ((i & 1) * 16);
  return out;
}

/** Unpacks `count` f16 values from 32-bit words. */
export function unpackF16(words: Uint32Array, count: number): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = f16Value((words[i >> 1] >>> ((i & 1) * 16)) & 0xffff);
  return out;
}

/** Values rounded to f16 and back (what the GPU reads from an f16 tensor). */
export function roundToF16(values: ArrayLike<number>): Float32Array {
  return unpackF16(packF16(values), values.length);
}

/** True when every value is finite and within f16's range (|x| <= 65504). */
export function fitsF16(values: ArrayLike<number>): boolean {
  for (let i = 0; i < values.length; i++) if (!(Math.abs(values[i]) <= 65504)) return false;
  return true;
}
