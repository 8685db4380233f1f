/**
 * The host side of a tensor's bytes: what `Runtime.write` uploads and what `Runtime.readMany` hands
 * back, per dtype. f16 is packed two halves per 32-bit word (f16.ts) and read back widened to float32.
 */
import { packF16, unpackF16 } from './f16.js';
import type { DType } from './tensor.js';

/** Host values as the typed array whose bytes a `dtype` tensor holds. */
export function encodeHost(dtype: DType, data: ArrayLike<number>): Float32Array | Uint32Array | Int32Array {
  switch (dtype) {
    case 'f32':
      return Float32Array.from(data);
    case 'u32':
      return Uint32Array.from(data);
    case 'i32':
      return Int32Array.from(data);
    case 'f16':
      return packF16(data);
    default:
      return dtype satisfies never;
  }
}

/** A readback of `size` elements of `dtype` (padded to whole words) as host values. */
export function decodeHost(
  dtype: DType,
  raw: ArrayBufferLike,
  size: number,
): Float32Array | Uint32Array | Int32Array {
  switch (dtype) {
    case 'f32':
      return new Float32Array(raw, 0, size);
    case 'u32':
      return new Uint32Array(raw, 0, size);
    case 'i32':
      return new Int32Array(raw, 0, size);
    case 'f16':
      return unpackF16(new Uint32Array(raw), size);
    default:
      return dtype satisfies never;
  }
}
