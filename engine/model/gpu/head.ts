/**
 * The LM head run in row pieces: logits `hidden · Wᵀ` [N,V] of at most `headPieceRows` rows at a time
 * (head-pieces.ts), each reduced at once to what the loss needs (token log-prob, entropy, log-sum-exp,
 * or an SFT loss) and gone before the next piece. With one piece this is exactly the whole-matrix
 * path (the logits are kept for the backward); with several, the backward makes each piece's logits
 * again. The training and scoring passes of engine/train go through here, so no [B*T,V] tensor is ever
 * allocated for them: a 151,936-token vocabulary trains under the default 128 MiB binding limit.
 */
import { addScaled, scale } from '../../../kernels/ops/elementwise/elementwise.js';
import { matmulRowChunks, matmulRowChunksBackward } from '../../../kernels/ops/matmul/matmul-row-chunks.js';
import { reduceSum } from '../../../kernels/ops/reduce/reduce.js';
import { sftLossPiece } from '../../../kernels/ops/sft_loss/sft_loss.js';
import { type SftLossOptions, sftLossAnchored } from '../../../kernels/ops/sft_loss/sft_loss.ref.js';
import {
  type TokenLogprobOptions,
  tokenLogprobEntropy,
  tokenLogprobEntropyBackward,
} from '../../../kernels/ops/token_logprob/token_logprob.js';
import type { Runtime, Tensor } from '../../../kernels/runtime/index.js';
import { headPieceRows } from '../head-pieces.js';
import type { GpuBatch } from './batch.js';
import type { GpuParams } from './params.js';
import type { Activations, GpuTransformer } from './transformer.js';

interface Piece {
  start: number;
  rows: number;
}

function pieces(tr: GpuTransformer, N: number): Piece[] {
  const rows = headPieceRows(N, tr.config.vocabSize, tr.rt.splitBytes, tr.headPieceBytes);
  const out: Piece[] = [];
  for (let start = 0; start < N; start += rows) out.push({ start, rows: Math.min(rows, N - start) });
  return out;
}

/** Rows [start, start+rows) of a [N] or [N,C] tensor: the tensor itself when it is all of them. */
function rowsOf(rt: Runtime, t: Tensor, piece: Piece): Tensor {
  const N = t.shape[0];
  if (piece.start === 0 && piece.rows === N) return t;
  const width = t.size / N;
  const out = rt.empty([piece.rows, ...t.shape.slice(1)], `${t.label}.piece`, t.dtype);
  rt.copy(t, out, { srcStart: piece.start * width, dstStart: 0, count: piece.rows * width });
  return out;
}

/** Writes a piece's rows into the whole [N] or [N,C] tensor and frees the piece (unless it is the whole). */
function putRows(rt: Runtime, part: Tensor, whole: Tensor, piece: Piece): void {
  if (part === whole) return;
  const width = whole.size / whole.shape[0];
  rt.copy(part, whole, { srcStart: 0, dstStart: piece.start * width, count: piece.rows * width });
  part.dispose();
}

function free(t: Tensor | undefined, whole: Tensor | undefined): void {
  if (t && t !== whole) t.dispose();
}

export interface HeadLogprobs {
  /** [N] log-prob of each row's token under softmax(logits / temperature). */
  logprob: Tensor;
  /** [N] entropy of that distribution. */
  entropy: Tensor;
  /** [N] its log-sum-exp. */
  lse: Tensor;
  /** The whole [N,V] logits, kept for the backward when they were made in one piece. */
  logits: Tensor | null;
}

/** Token log-probs and entropies (tokenLogprobEntropy) of `tokens` [N] from final hidden states [N,C]. */
export function headLogprobEntropy(
  tr: GpuTransformer,
  p: GpuParams,
  hidden: Tensor,
  tokens: Tensor,
  opts: TokenLogprobOptions,
): HeadLogprobs {
  const rt = tr.rt;
  const N = hidden.shape[0];
  const w = tr.headWeights(p);
  const plan = pieces(tr, N);
  if (plan.length === 1) {
    const logits = matmulRowChunks(rt, hidden, w);
    return { ...tokenLogprobEntropy(rt, logits, tokens, opts), logits };
  }
  const out = {
    logprob: rt.empty([N], 'head.logprob'),
    entropy: rt.empty([N], 'head.entropy'),
    lse: rt.empty([N], 'head.lse'),
    logits: null,
  };
  for (const piece of plan) {
    const h = rowsOf(rt, hidden, piece);
    const tok = rowsOf(rt, tokens, piece);
    const logits = matmulRowChunks(rt, h, w);
    const r = tokenLogprobEntropy(rt, logits, tok, opts);
    for (const t of [logits, h, tok]) t.dispose();
    putRows(rt, r.logprob, out.logprob, piece);
    putRows(rt, r.entropy, out.entropy, piece);
    putRows(rt, r.lse, out.lse, piece);
  }
  return out;
}

export function disposeHeadLogprobs(h: HeadLogprobs): void {
  for (const t of [h.logprob, h.entropy, h.lse, h.logits]) t?.dispose();
}

/**
 * Backward of `headLogprobEntropy`: accumulates the head's weight gradient into `grads` (when it
 * trains) and returns d(loss)/d(hidden) [N,C] for `GpuTransformer.backwardHidden`.
 */
export function headLogprobEntropyBackward(
  tr: GpuTransformer,
  p: GpuParams,
  grads: GpuParams,
  hidden: Tensor,
  tokens: Tensor,
  fwd: HeadLogprobs,
  dlogprob: Tensor | undefined,
  dentropy: Tensor | undefined,
  opts: TokenLogprobOptions,
): Tensor {
  const rt = tr.rt;
  const N = hidden.shape[0];
  const w = tr.headWeights(p);
  const dw = tr.headGrads(grads);
  if (fwd.logits) {
    const dlogits = tokenLogprobEntropyBackward(rt, fwd.logits, tokens, fwd.lse, dlogprob, dentropy, opts);
    const dhidden = matmulRowChunksBackward(rt, hidden, w, dlogits, { dw });
    dlogits.dispose();
    return dhidden;
  }
  const dhidden = rt.empty([N, hidden.shape[1]], 'head.dhidden');
  for (const piece of pieces(tr, N)) {
    const h = rowsOf(rt, hidden, piece);
    const tok = rowsOf(rt, tokens, piece);
    const lse = rowsOf(rt, fwd.lse, piece);
    const dlp = dlogprob && rowsOf(rt, dlogprob, piece);
    const dH = dentropy && rowsOf(rt, dentropy, piece);
    const logits = matmulRowChunks(rt, h, w);
    const dlogits = tokenLogprobEntropyBackward(rt, logits, tok, lse, dlp, dH, opts);
    logits.dispose();
    const dh = matmulRowChunksBackward(rt, h, w, dlogits, { dw });
    for (const t of [dlogits, h, tok, lse, dlp, dH]) t?.dispose();
    putRows(rt, dh, dhidden, piece);
  }
  return dhidden;
}

/** The SFT loss a pass takes (docs/ALGORITHMS.md "SFT losses"); `asft` needs the reference's parameters. */
export interface SftHeadOptions {
  options: SftLossOptions;
  /** θ_ref, for `asft`'s KL anchor. */
  ref?: GpuParams | null;
}

const CROSS_ENTROPY: SftHeadOptions = { options: { loss: 'ce', anchorBeta: 0 } };

/**
 * Mean SFT loss (sft_loss.ts: cross-entropy by default) over `count` targets ([N] i32, -1 ignored)
 * from final hidden states [N,C], with its backward at once: the [1] loss, for `asft` the [1] mean KL
 * to the reference (whose final hidden states [N,C] are `refHidden`), the head's weight gradient
 * accumulated into `grads`, and d(loss)/d(hidden) [N,C].
 */
export function headCrossEntropy(
  tr: GpuTransformer,
  p: GpuParams,
  grads: GpuParams,
  hidden: Tensor,
  targets: Tensor,
  count: number,
  sft: SftHeadOptions = CROSS_ENTROPY,
  refHidden?: Tensor,
): { loss: Tensor; anchorKl: Tensor | null; dhidden: Tensor } {
  const rt = tr.rt;
  const N = hidden.shape[0];
  const w = tr.headWeights(p);
  const dw = tr.headGrads(grads);
  const anchored = sftLossAnchored(sft.options.loss);
  if (anchored && !(sft.ref && refHidden))
    throw new Error(
      `headCrossEntropy: sft_loss ${sft.options.loss} needs the reference and its hidden states`,
    );
  const wRef = anchored && sft.ref ? tr.headWeights(sft.ref) : null;
  const weight = count > 0 ? 1 / count : 0;
  const plan = pieces(tr, N);
  let dhidden = plan.length === 1 ? null : rt.empty([N, hidden.shape[1]], 'head.dhidden');
  let sum: Tensor | null = null;
  let klSum: Tensor | null = null;
  const accumulate = (total: Tensor | null, part: Tensor): Tensor => {
    const s = reduceSum(rt, part);
    if (!total) return s;
    addScaled(rt, total, s, 1);
    s.dispose();
    return total;
  };
  for (const piece of plan) {
    const h = rowsOf(rt, hidden, piece);
    const tgt = rowsOf(rt, targets, piece);
    const logits = matmulRowChunks(rt, h, w);
    const hRef = wRef && refHidden ? rowsOf(rt, refHidden, piece) : null;
    const refLogits = wRef && hRef ? matmulRowChunks(rt, hRef, wRef) : null;
    const out = sftLossPiece(rt, logits, refLogits, tgt, sft.options, weight);
    sum = accumulate(sum, out.tokenLoss);
    if (out.kl) klSum = accumulate(klSum, out.kl);
    for (const t of [logits, refLogits, out.tokenLoss, out.kl]) t?.dispose();
    const dh = matmulRowChunksBackward(rt, h, w, out.dlogits, { dw });
    out.dlogits.dispose();
    free(h, hidden);
    free(tgt, targets);
    free(hRef ?? undefined, refHidden);
    if (dhidden) putRows(rt, dh, dhidden, piece);
    else dhidden = dh;
  }
  const loss = scale(rt, sum as Tensor, weight);
  sum?.dispose();
  const anchorKl = klSum ? scale(rt, klSum, weight) : null;
  klSum?.dispose();
  return { loss, anchorKl, dhidden: dhidden as Tensor };
}

/**
 * One training pass of the mean SFT loss over `count` targets ([B*T] i32, -1 ignored; see lm-loss.ts
 * nextTokenTargets): forward (and, for `asft`, the reference's forward), the head in pieces, backward.
 * Accumulates every trained parameter's gradient into `grads` and returns the [1] loss tensor and,
 * for `asft`, the [1] mean KL to the reference (the caller reads and frees them).
 */
export function sftTrainingPass(
  tr: GpuTransformer,
  p: GpuParams,
  grads: GpuParams,
  batch: GpuBatch,
  targets: Tensor,
  count: number,
  sft: SftHeadOptions = CROSS_ENTROPY,
): { loss: Tensor; anchorKl: Tensor | null } {
  const refHidden =
    sftLossAnchored(sft.options.loss) && sft.ref ? tr.forwardHidden(sft.ref, batch).hidden : undefined;
  const fwd = tr.forwardHidden(p, batch, { train: true });
  const { loss, anchorKl, dhidden } = headCrossEntropy(
    tr,
    p,
    grads,
    fwd.hidden,
    targets,
    count,
    sft,
    refHidden,
  );
  refHidden?.dispose();
  tr.backwardHidden(p, grads, fwd.saved as Activations, dhidden);
  dhidden.dispose();
  return { loss, anchorKl };
}

/** sftTrainingPass with plain next-token cross-entropy: the [1] loss tensor. */
export function crossEntropyTrainingPass(
  tr: GpuTransformer,
  p: GpuParams,
  grads: GpuParams,
  batch: GpuBatch,
  targets: Tensor,
  count: number,
): Tensor {
  return sftTrainingPass(tr, p, grads, batch, targets, count).loss;
}
