/**
 * The SFT losses of docs/ALGORITHMS.md "SFT losses (`sft_loss`)" on rows of logits [N,V]: the fused
 * cross-entropy kernel gives −lp and the (p − onehot)·dloss backward; `dft` makes dloss the
 * stop-gradient weight p_θ(y)/count (dft_weights); `asft` adds the full-vocabulary KL to the
 * reference logits and its gradient in place (anchor_forward / anchor_backward). `ce` is exactly the
 * cross-entropy path. The float64 definition is sft_loss.ref.ts.
 */
import { expectShape, makeShader, type Runtime, type Tensor, uniforms } from '../../runtime/index.js';
import { crossEntropyBackward, crossEntropyForward } from '../cross_entropy/cross_entropy.js';
import { addScaled } from '../elementwise/elementwise.js';
import { type SftLossOptions, sftLossAnchored } from './sft_loss.ref.js';
import src from './sft_loss.wgsl?raw';

const CODE = makeShader(src);
const WG = 64;

/** tokenLoss[N] = −p(y)·lp and dloss[N] = p(y)·scale from the cross-entropy loss ce[N] = −lp (0 if ignored). */
export function dftWeights(
  rt: Runtime,
  ce: Tensor,
  targets: Tensor,
  v: number,
  scale: number,
): { tokenLoss: Tensor; dloss: Tensor } {
  const op = 'dftWeights';
  expectShape(op, 'ce', ce, [undefined]);
  const [n] = ce.shape;
  expectShape(op, 'targets', targets, [n]);
  const tokenLoss = rt.empty([n], 'sftLoss.tokenLoss');
  const dloss = rt.empty([n], 'sftLoss.dloss');
  rt.dispatch({
    kernel: 'sftLoss.dftWeights',
    code: CODE,
    entry: 'dft_weights',
    read: [ce, targets],
    write: [tokenLoss, dloss],
    uniforms: uniforms().u32(n, v).f32(scale).u32(0),
    workgroups: { linear: Math.ceil(n / WG) },
  });
  return { tokenLoss, dloss };
}

/** kl[N] = KL(softmax(logits) ‖ softmax(refLogits)) per counted row (0 if ignored) and refLse[N]. */
export function anchorKlForward(
  rt: Runtime,
  logits: Tensor,
  refLogits: Tensor,
  targets: Tensor,
  lse: Tensor,
): { kl: Tensor; refLse: Tensor } {
  const op = 'anchorKlForward';
  expectShape(op, 'logits', logits, [undefined, undefined]);
  const [n, v] = logits.shape;
  expectShape(op, 'refLogits', refLogits, [n, v]);
  expectShape(op, 'targets', targets, [n]);
  expectShape(op, 'lse', lse, [n]);
  const kl = rt.empty([n], 'sftLoss.kl');
  const refLse = rt.empty([n], 'sftLoss.refLse');
  rt.dispatch({
    kernel: 'sftLoss.anchorForward',
    code: CODE,
    entry: 'anchor_forward',
    read: [logits, refLogits, targets, lse],
    write: [kl, refLse],
    uniforms: uniforms().u32(n, v).f32(0).u32(0),
    workgroups: { linear: Math.ceil(n / WG) },
  });
  return { kl, refLse };
}

/** dlogits[N,V] += scale·p·(log p − log q − kl) on counted rows, in place. */
export function anchorKlBackward(
  rt: Runtime,
  dlogits: Tensor,
  logits: Tensor,
  refLogits: Tensor,
  targets: Tensor,
  lse: Tensor,
  refLse: Tensor,
  kl: Tensor,
  scale: number,
): void {
  const op = 'anchorKlBackward';
  expectShape(op, 'logits', logits, [undefined, undefined]);
  const [n, v] = logits.shape;
  for (const [name, t] of [
    ['dlogits', dlogits],
    ['refLogits', refLogits],
  ] as const)
    expectShape(op, name, t, [n, v]);
  for (const [name, t] of [
    ['targets', targets],
    ['lse', lse],
    ['refLse', refLse],
    ['kl', kl],
  ] as const)
    expectShape(op, name, t, [n]);
  rt.dispatch({
    kernel: 'sftLoss.anchorBackward',
    code: CODE,
    entry: 'anchor_backward',
    read: [logits, refLogits, targets, lse, refLse, kl],
    write: [dlogits],
    uniforms: uniforms().u32(n, v).f32(scale).u32(0),
    workgroups: { linear: Math.ceil((n * v) / WG) },
  });
}

export interface SftLossPiece {
  /** [N] per-row loss −w·lp (+ anchor_beta·KL), 0 where ignored, not divided by the count. */
  tokenLoss: Tensor;
  /** [N] KL_t per row, `asft` only. */
  kl: Tensor | null;
  /** [N,V] d(mean loss)/d(logits), `weight` = 1/count of the whole mean. */
  dlogits: Tensor;
}

/**
 * The loss and its logits gradient for rows of logits [N,V] (targets [N] i32, −1 ignored) that are
 * part of a mean over `1/weight` counted rows; `refLogits` [N,V] are the reference's, for `asft`.
 */
export function sftLossPiece(
  rt: Runtime,
  logits: Tensor,
  refLogits: Tensor | null,
  targets: Tensor,
  opts: SftLossOptions,
  weight: number,
): SftLossPiece {
  const [n, v] = logits.shape;
  const ce = crossEntropyForward(rt, logits, targets);
  const kind = opts.loss;
  switch (kind) {
    case 'ce': {
      // ignored rows have zero loss and zero gradient, so a uniform weight is exact
      const dloss = rt.upload(new Float32Array(n).fill(weight), [n], 'sftLoss.dloss');
      const dlogits = crossEntropyBackward(rt, logits, targets, ce.lse, dloss);
      for (const t of [dloss, ce.lse]) t.dispose();
      return { tokenLoss: ce.loss, kl: null, dlogits };
    }
    case 'dft':
    case 'asft': {
      const w = dftWeights(rt, ce.loss, targets, v, weight);
      const dlogits = crossEntropyBackward(rt, logits, targets, ce.lse, w.dloss);
      ce.loss.dispose();
      w.dloss.dispose();
      if (!sftLossAnchored(kind)) {
        ce.lse.dispose();
        return { tokenLoss: w.tokenLoss, kl: null, dlogits };
      }
      if (!refLogits) throw new Error(`sftLossPiece: sft_loss ${kind} needs the reference's logits`);
      const a = anchorKlForward(rt, logits, refLogits, targets, ce.lse);
      anchorKlBackward(
        rt,
        dlogits,
        logits,
        refLogits,
        targets,
        ce.lse,
        a.refLse,
        a.kl,
        opts.anchorBeta * weight,
      );
      addScaled(rt, w.tokenLoss, a.kl, opts.anchorBeta);
      for (const t of [ce.lse, a.refLse]) t.dispose();
      return { tokenLoss: w.tokenLoss, kl: a.kl, dlogits };
    }
    default:
      return kind satisfies never;
  }
}
