/**
 * How many rows of [N,V] logits the LM head makes at once (gpu/head.ts): all N when they fit
 * HEAD_PIECE_BYTES and one storage binding, else pieces of as many rows as do, so that a large
 * vocabulary (Qwen2.5's 151,936) trains with any micro-batch under the default 128 MiB binding limit.
 * Pieces cost one more head matmul in the backward (the logits are made again, not kept).
 * Example: N = 512, V = 151,936 (297 MiB of logits), 128 MiB -> 220 rows a piece, 3 pieces.
 */

/** The most bytes of logits (and as many of their gradient) made at once. */
export const HEAD_PIECE_BYTES = 128 * 2 ** 20;

export function headPieceRows(
  N: number,
  V: number,
  bindLimit: number,
  pieceBytes: number = HEAD_PIECE_BYTES,
): number {
  const rows = Math.floor(Math.min(bindLimit, pieceBytes) / (V * 4));
  if (rows < 1)
    throw new Error(`one row of logits (${V} x 4 bytes) exceeds ${Math.min(bindLimit, pieceBytes)} bytes`);
  return Math.min(N, rows);
}
