/**
 * Targets of next-token cross-entropy for a causal LM, the loss the CLI's `grads` command reports, SFT
 * optimises and tests compare with the float64 reference (head.ts crossEntropyTrainingPass computes
 * it): mean over the counted targets, where target t+1 counts for the prediction at t unless masked
 * (HF `labels` = -100).
 */

/**
 * Targets [B*T] i32 for ids [B][T]: position t predicts ids[t+1]; the last position and masked targets
 * get -1 (ignored). `lossMask[b][t]` (t >= 1) says whether token t counts as a target.
 */
export function nextTokenTargets(
  ids: readonly (readonly number[])[],
  lossMask?: readonly (readonly number[])[],
): { targets: Int32Array; count: number } {
  const B = ids.length;
  const T = ids[0]?.length ?? 0;
  const targets = new Int32Array(B * T).fill(-1);
  let count = 0;
  for (let b = 0; b < B; b++) {
    for (let t = 0; t + 1 < T; t++) {
      if (lossMask && !lossMask[b][t + 1]) continue;
      targets[b * T + t] = ids[b][t + 1];
      count++;
    }
  }
  return { targets, count };
}
