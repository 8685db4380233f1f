/**
 * The token layout every forward pass uses: prompts LEFT-padded to a common length so all rows end
 * their prompt at the same column, completions after them, padding after EOS. Positions restart at 0
 * on each row's first real token and a key mask hides padding, as `transformers` does with an
 * attention mask, so generation with a KV cache and the trainer's full recomputation see identical
 * inputs.
 */
import type { Runtime, Tensor } from '../../../kernels/runtime/index.js';

export interface SequenceLayout {
  B: number;
  T: number;
  /** [B*T] token ids (pad where masked). */
  ids: Int32Array;
  /** [B*T] position of each token (0 on the first real token of its row). */
  positions: Int32Array;
  /** [B*T] 1 for real tokens, 0 for padding. */
  keyMask: Float32Array;
  /** Left padding of each row. */
  padLeft: number[];
}

/**
 * Lays out rows of `prefix` (left-padded to the longest) followed by `suffix` tokens (right-padded
 * to `suffixLength`). Suffix entries beyond a row's own length are padding.
 */
export function layoutSequences(
  prefixes: readonly (readonly number[])[],
  suffixes: readonly (readonly number[])[] | null,
  suffixLength: number,
  pad: number,
  prefixLength = Math.max(1, ...prefixes.map((p) => p.length)),
): SequenceLayout {
  const B = prefixes.length;
  const T = prefixLength + suffixLength;
  const ids = new Int32Array(B * T).fill(pad);
  const positions = new Int32Array(B * T);
  const keyMask = new Float32Array(B * T);
  const padLeft: number[] = [];
  for (let b = 0; b < B; b++) {
    const p = prefixes[b];
    if (p.length > prefixLength)
      throw new Error(`row ${b}: prompt of ${p.length} tokens exceeds ${prefixLength}`);
    const left = prefixLength - p.length;
    padLeft.push(left);
    const s = suffixes?.[b] ?? [];
    if (s.length > suffixLength)
      throw new Error(`row ${b}: completion of ${s.length} tokens exceeds ${suffixLength}`);
    for (let t = 0; t < T; t++) {
      const i = b * T + t;
      positions[i] = Math.max(0, t - left);
      if (t < left) continue;
      if (t < prefixLength) {
        ids[i] = p[t - left];
        keyMask[i] = 1;
      } else if (t - prefixLength < s.length) {
        ids[i] = s[t - prefixLength];
        keyMask[i] = 1;
      }
    }
  }
  return { B, T, ids, positions, keyMask, padLeft };
}

/** The layout's arrays on the GPU. */
export interface GpuBatch {
  B: number;
  T: number;
  ids: Tensor; // [B*T] i32
  positions: Tensor; // [B*T] i32
  keyMask: Tensor; // [B,T] f32
}

export function uploadLayout(rt: Runtime, layout: SequenceLayout): GpuBatch {
  const { B, T } = layout;
  return {
    B,
    T,
    ids: rt.upload(layout.ids, [B * T], 'batch.ids', 'i32'),
    positions: rt.upload(layout.positions, [B * T], 'batch.positions', 'i32'),
    keyMask: rt.upload(layout.keyMask, [B, T], 'batch.keyMask'),
  };
}

export function disposeBatch(batch: GpuBatch): void {
  batch.ids.dispose();
  batch.positions.dispose();
  batch.keyMask.dispose();
}
