/**
 * Row chunks: how a [R,C] tensor larger than one storage binding is stored as several buffers of whole
 * rows (Qwen2.5-0.5B's [151936,896] embedding is 519 MiB, WebGPU's default binding limit 128 MiB). Ops
 * that read such a tensor (embedding gather and scatter, the LM-head matmul) take the chunk list and
 * work chunk by chunk; everything elementwise (AdamW, norms, copies) just sees more tensors.
 */

/**
 * Rows per chunk for `rows` rows of `rowBytes` bytes when no chunk may exceed `maxBytes`: as few chunks
 * as possible, balanced, each a multiple of 4 rows but the last (so a chunk is a vec4-aligned matmul
 * operand). One chunk when the whole tensor fits.
 */
export function planRowChunks(rows: number, rowBytes: number, maxBytes: number): number[] {
  if (rows * rowBytes <= maxBytes) return [rows];
  const maxRows = Math.floor(maxBytes / rowBytes);
  if (maxRows < 1)
    throw new Error(`planRowChunks: one row of ${rowBytes} bytes exceeds the ${maxBytes}-byte chunk limit`);
  const groupRows = maxRows >= 4 ? 4 : 1; // chunks hold whole groups, so every chunk but the last is 4-aligned
  const groups = Math.ceil(rows / groupRows);
  const count = Math.ceil(groups / Math.floor(maxRows / groupRows));
  const out: number[] = [];
  for (let i = 0, start = 0; i < count; i++) {
    const g = Math.floor(groups / count) + (i < groups % count ? 1 : 0);
    const r = Math.min(g * groupRows, rows - start);
    out.push(r);
    start += r;
  }
  return out;
}

/** First row of each chunk, plus the total as a last entry: [0, r0, r0+r1, ..., R]. */
export function chunkRowStarts(chunkRows: readonly number[]): number[] {
  const starts = [0];
  for (const r of chunkRows) starts.push(starts[starts.length - 1] + r);
  return starts;
}
