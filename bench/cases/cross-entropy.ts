/**
 * Softmax cross-entropy rows on the default model's logits [B*T, V] = [3072,32]: our fused
 * `crossEntropyForward` (loss and lse per row, never the probabilities) and `crossEntropyBackward`
 * against tfjs's `losses.softmaxCrossEntropy` (one-hot labels, no reduction) and tf.grad of it with the
 * same per-row dloss. Our targets are i32 ids; tfjs's are the equivalent one-hot rows, prepared once.
 */
import { crossEntropyBackward, crossEntropyForward } from '../../kernels/ops/cross_entropy/cross_entropy.js';
import { randn, rng } from '../../kernels/testing/random.js';
import type { BenchCase, BenchContext, PreparedCase } from '../case.js';
import { DEFAULT_MODEL, type ModelSizes, rows } from './model.js';

function prepare({ rt, tf }: BenchContext, N: number, V: number, backward: boolean): PreparedCase {
  const logitsData = randn(31, N * V, 2);
  const r = rng(32);
  const targetData = Int32Array.from({ length: N }, () => Math.floor(r() * V));
  const dlossData = new Float32Array(N).fill(1 / N);
  const logits = rt.upload(logitsData, [N, V], 'bench.logits');
  const targets = rt.upload(targetData, [N], 'bench.targets', 'i32');
  const dloss = rt.upload(dlossData, [N], 'bench.dloss');
  const ours = () => {
    const { loss, lse } = crossEntropyForward(rt, logits, targets);
    if (backward) crossEntropyBackward(rt, logits, targets, lse, dloss).dispose();
    loss.dispose();
    lse.dispose();
  };
  const mine = [logits, targets, dloss];
  if (!tf)
    return {
      ours,
      dispose: () =>
        mine.forEach((t) => {
          t.dispose();
        }),
    };
  const onehot = new Float32Array(N * V);
  targetData.forEach((t, i) => {
    onehot[i * V + t] = 1;
  });
  const tLabels = tf.tensor(onehot, [N, V]);
  const tLogits = tf.tensor(Float32Array.from(logitsData), [N, V]);
  const tDloss = tf.tensor(dlossData, [N]);
  const xent = (z: typeof tLogits) =>
    tf.losses.softmaxCrossEntropy(tLabels, z, undefined, 0, tf.Reduction.NONE);
  const grad = tf.grad((z) => xent(z));
  return {
    ours,
    peer: backward
      ? () => tf.tidy(() => void grad(tLogits, tDloss))
      : () => tf.tidy(() => void xent(tLogits)),
    dispose() {
      for (const t of mine) t.dispose();
      for (const t of [tLabels, tLogits, tDloss]) t.dispose();
    },
  };
}

export function crossEntropyCases(m: ModelSizes = DEFAULT_MODEL): BenchCase[] {
  const N = rows(m);
  const shape = `[${N},${m.V}]`;
  const logitBytes = N * m.V * 4;
  return [
    {
      section: 'kernels',
      name: 'softmax-xent fwd',
      shape,
      bytes: logitBytes,
      setup: (ctx) => prepare(ctx, N, m.V, false),
    },
    {
      section: 'kernels',
      name: 'softmax-xent fwd+bwd',
      shape,
      bytes: 3 * logitBytes, // forward read, backward read, dlogits write
      setup: (ctx) => prepare(ctx, N, m.V, true),
    },
  ];
}
