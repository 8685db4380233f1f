/**
 * Next-token cross-entropy of a causal LM on the GPU: the loss the CLI's `grads` command reports, SFT
 * optimises and tests compare with the float64 reference. Mean over the counted targets, where target
 * t+1 counts for the prediction at t unless masked (HF `labels` = -100).
 */
import {
  crossEntropyBackward,
  crossEntropyForward,
} from '../../../kernels/ops/cross_entropy/cross_entropy.js';
import { scale } from '../../../kernels/ops/elementwise/elementwise.js';
import { reduceSum } from '../../../kernels/ops/reduce/reduce.js';
import type { Runtime, Tensor } from '../../../kernels/runtime/index.js';

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

export interface LmLoss {
  /** [1] mean loss over counted targets. */
  loss: Tensor;
  /** [N,V] d(mean loss)/d(logits). */
  dlogits: Tensor;
}

/** Mean cross-entropy of logits [N,V] against targets [N] (-1 = ignored) and its logits gradient. */
export function meanCrossEntropy(rt: Runtime, logits: Tensor, targets: Tensor, count: number): LmLoss {
  const n = logits.shape[0];
  const w = count > 0 ? 1 / count : 0;
  const ce = crossEntropyForward(rt, logits, targets);
  const sum = reduceSum(rt, ce.loss);
  const loss = scale(rt, sum, w);
  sum.dispose();
  // ignored rows have zero loss and zero gradient, so a uniform 1/count weight is exact
  const dloss = rt.upload(new Float32Array(n).fill(w), [n], 'lmLoss.dloss');
  const dlogits = crossEntropyBackward(rt, logits, targets, ce.lse, dloss);
  ce.loss.dispose();
  ce.lse.dispose();
  dloss.dispose();
  return { loss, dlogits };
}
