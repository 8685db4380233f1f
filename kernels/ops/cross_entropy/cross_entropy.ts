/**
 * Fused softmax + cross-entropy for next-token losses: the forward reads each row of logits twice and
 * writes only loss[N] and lse[N] (never the [N,V] probabilities); the backward recomputes softmax from
 * lse. Targets outside [0,V) (the convention is -1) are ignored: loss 0 and zero gradient.
 */
import { expectShape, makeShader, type Runtime, type Tensor, uniforms } from '../../runtime/index.js';
import src from './cross_entropy.wgsl?raw';

const CODE = makeShader(src);
const WG = 64;

export interface CrossEntropyOutput {
  /** [N] -log softmax(logits)[target], 0 where the target is ignored. */
  loss: Tensor;
  /** [N] log-sum-exp of each row, what the backward needs. */
  lse: Tensor;
}

/** loss[N] and lse[N] for logits [N,V] and targets [N] (i32, -1 = ignore). */
export function crossEntropyForward(rt: Runtime, logits: Tensor, targets: Tensor): CrossEntropyOutput {
  const op = 'crossEntropyForward';
  expectShape(op, 'logits', logits, [undefined, undefined]);
  const [n, v] = logits.shape;
  expectShape(op, 'targets', targets, [n]);
  const loss = rt.empty([n], 'crossEntropy.loss');
  const lse = rt.empty([n], 'crossEntropy.lse');
  rt.dispatch({
    kernel: 'crossEntropy.forward',
    code: CODE,
    entry: 'forward',
    read: [logits, targets],
    write: [loss, lse],
    uniforms: uniforms().u32(n, v),
    workgroups: { linear: Math.ceil(n / WG) },
  });
  return { loss, lse };
}

/** dlogits[N,V] = (softmax(logits) - onehot(target)) * dloss, zero rows where the target is ignored. */
export function crossEntropyBackward(
  rt: Runtime,
  logits: Tensor,
  targets: Tensor,
  lse: Tensor,
  dloss: Tensor,
): Tensor {
  const op = 'crossEntropyBackward';
  expectShape(op, 'logits', logits, [undefined, undefined]);
  const [n, v] = logits.shape;
  expectShape(op, 'targets', targets, [n]);
  expectShape(op, 'lse', lse, [n]);
  expectShape(op, 'dloss', dloss, [n]);
  const dlogits = rt.empty([n, v], 'crossEntropy.dlogits');
  rt.dispatch({
    kernel: 'crossEntropy.backward',
    code: CODE,
    entry: 'backward',
    read: [logits, targets, lse, dloss],
    write: [dlogits],
    uniforms: uniforms().u32(n, v),
    workgroups: { linear: Math.ceil((n * v) / WG) },
  });
  return dlogits;
}
