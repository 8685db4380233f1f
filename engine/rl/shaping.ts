/**
 * Reward shaping that depends on the completion, not the task: DAPO's soft overlong penalty
 * (2503.14476, eq. 13). KL-in-reward lives in kl.ts and gae.ts.
 */

/**
 * Added to the reward of a completion of `length` tokens (EOS counts):
 * 0 while length <= maxLength - buffer, then -(length - (maxLength - buffer))/buffer, capped at -1.
 * Example: maxLength 32, buffer 8: length 24 -> 0, 28 -> -0.5, 32 -> -1.
 */
export function overlongPenalty(length: number, maxLength: number, buffer: number): number {
  if (buffer <= 0) return 0;
  const start = maxLength - buffer;
  if (length <= start) return 0;
  return Math.max(-1, -(length - start) / buffer);
}

/** The configured buffer: `overlong_buffer`, or max_completion_length/4 when null (docs/ALGORITHMS.md). */
export function effectiveOverlongBuffer(config: {
  overlong_buffer: number | null;
  max_completion_length: number;
}): number {
  return config.overlong_buffer ?? config.max_completion_length / 4;
}
