/**
 * Causal grouped-query attention, memory-light: the forward keeps an online softmax per query row
 * and returns lse instead of probabilities; the backward recomputes them (FlashAttention-2's split:
 * one kernel over query rows for dq, one over key rows for dk/dv, so no float atomics and the sums are
 * deterministic). The same call serves training (Tq = Tk, qOffset 0) and KV-cache decoding (Tq of a
 * few rows, qOffset = cache length). One invocation per row: right for SwiftShader; a real GPU would
 * want key-block tiling in shared memory, and split-K (flash-decoding) when B*H*Tq is small.
 */
import { expectShape, makeShader, type Runtime, type Tensor, uniforms } from '../../runtime/index.js';
import src from './attention.wgsl?raw';

const WG = 64;
const MAX_HEAD_DIM = 256;
const codeByHeadDim = new Map<number, string>();

function code(d: number): string {
  let c = codeByHeadDim.get(d);
  if (!c) {
    // vec4 lanes where D allows: a quarter of the loads (and of their bounds checks on SwiftShader)
    const wide = d % 4 === 0;
    const lanes = wide ? d / 4 : d;
    c = makeShader(unrollHeadLoops(src, lanes), {
      V: wide ? 'vec4f' : 'f32',
      NV: lanes,
      VDOT: wide ? 'dot(a, b)' : 'a * b',
    });
    codeByHeadDim.set(d, c);
  }
  return c;
}

const HEAD_LOOP = 'for (var d = 0u; d < HD; d++) {';

/**
 * Writes every `for (var d = 0u; d < HD; d++) { body }` out as `lanes` copies of body with d a
 * literal. With constant indices the compiler keeps q, acc, dq, dk, dv in registers; with a loop
 * index SwiftShader spills each private array to memory and reads it back lane by lane.
 */
export function unrollHeadLoops(wgsl: string, lanes: number): string {
  let out = '';
  let at = 0;
  for (;;) {
    const start = wgsl.indexOf(HEAD_LOOP, at);
    if (start < 0) return out + wgsl.slice(at);
    let depth = 1;
    let end = start + HEAD_LOOP.length;
    for (; depth > 0; end++) {
      if (end >= wgsl.length) throw new Error('unrollHeadLoops: unbalanced braces');
      if (wgsl[end] === '{') depth++;
      else if (wgsl[end] === '}') depth--;
    }
    const body = unrollHeadLoops(wgsl.slice(start + HEAD_LOOP.length, end - 1), lanes);
    const copies = Array.from({ length: lanes }, (_, k) => body.replace(/\bd\b/g, `${k}u`).trim());
    out += `${wgsl.slice(at, start)}{ ${copies.join(' ')} }`;
    at = end;
  }
}

export interface AttentionOptions {
  /** Multiplies q.k, usually 1/sqrt(D). */
  scale: number;
  /** Query row i sits at key position i + qOffset: key j is visible iff j <= i + qOffset. */
  qOffset: number;
  /** [B,Tk] f32; 0 marks padding that is never attended. A row that sees no key gives zeros. */
  keyMask?: Tensor;
}

export interface AttentionOutput {
  /** [B,Tq,H,D] */
  out: Tensor;
  /** [B,H,Tq] log-sum-exp of each row's scaled scores; -3e38 (NEG_INF) for a row that sees no key. */
  lse: Tensor;
}

export interface AttentionGrads {
  dq: Tensor; // [B,Tq,H,D]
  dk: Tensor; // [B,Tk,Hkv,D]
  dv: Tensor; // [B,Tk,Hkv,D]
}

interface AttentionDims {
  b: number;
  tq: number;
  tk: number;
  h: number;
  hkv: number;
  d: number;
}

function checkShapes(op: string, q: Tensor, k: Tensor, v: Tensor, opts: AttentionOptions): AttentionDims {
  expectShape(op, 'q', q, [undefined, undefined, undefined, undefined]);
  const [b, tq, h, d] = q.shape;
  expectShape(op, 'k', k, [b, undefined, undefined, d]);
  const [, tk, hkv] = k.shape;
  expectShape(op, 'v', v, [b, tk, hkv, d]);
  if (h % hkv !== 0) throw new Error(`${op}: H=${h} query heads must be a multiple of Hkv=${hkv}`);
  if (d > MAX_HEAD_DIM) throw new Error(`${op}: head dim ${d} exceeds ${MAX_HEAD_DIM}`);
  if (!Number.isInteger(opts.qOffset) || opts.qOffset < 0) {
    throw new Error(`${op}: qOffset must be a non-negative integer, got ${opts.qOffset}`);
  }
  if (opts.keyMask) expectShape(op, 'keyMask', opts.keyMask, [b, tk]);
  return { b, tq, tk, h, hkv, d };
}

function params(dims: AttentionDims, opts: AttentionOptions) {
  const { b, tq, tk, h, hkv } = dims;
  return uniforms()
    .u32(b, tq, tk, h, hkv, opts.qOffset, opts.keyMask ? 1 : 0)
    .f32(opts.scale);
}

/** (query, key) pairs the kernels visit per batch row and head: key j for query i iff j <= i + qOffset. */
function causalPairs(tq: number, tk: number, qOffset: number): number {
  let pairs = 0;
  for (let i = 0; i < tq; i++) pairs += Math.min(tk, i + qOffset + 1);
  return pairs;
}

/** out [B,Tq,H,D] and lse [B,H,Tq] for q [B,Tq,H,D], k and v [B,Tk,Hkv,D]. */
export function attentionForward(
  rt: Runtime,
  q: Tensor,
  k: Tensor,
  v: Tensor,
  opts: AttentionOptions,
): AttentionOutput {
  const dims = checkShapes('attentionForward', q, k, v, opts);
  const { b, tq, h, d } = dims;
  const out = rt.empty([b, tq, h, d], 'attention.out');
  const lse = rt.empty([b, h, tq], 'attention.lse');
  rt.dispatch({
    kernel: 'attention.forward',
    code: code(d),
    entry: 'forward',
    read: [q, k, v, opts.keyMask ?? q], // q stands in for an absent mask (hasMask = 0: never read)
    write: [out, lse],
    uniforms: params(dims, opts),
    workgroups: { linear: Math.ceil((b * h * tq) / WG) },
    // per visited pair: q.k and p*v, D multiply-adds each
    flops: 4 * d * b * h * causalPairs(tq, dims.tk, opts.qOffset),
  });
  return { out, lse };
}

/** Gradients of attentionForward given dout [B,Tq,H,D], recomputing probabilities from lse. */
export function attentionBackward(
  rt: Runtime,
  dout: Tensor,
  q: Tensor,
  k: Tensor,
  v: Tensor,
  out: Tensor,
  lse: Tensor,
  opts: AttentionOptions,
): AttentionGrads {
  const op = 'attentionBackward';
  const dims = checkShapes(op, q, k, v, opts);
  const { b, tq, tk, h, hkv, d } = dims;
  expectShape(op, 'dout', dout, [b, tq, h, d]);
  expectShape(op, 'out', out, [b, tq, h, d]);
  expectShape(op, 'lse', lse, [b, h, tq]);
  const mask = opts.keyMask ?? q;
  const dq = rt.empty([b, tq, h, d], 'attention.dq');
  const delta = rt.empty([b, h, tq], 'attention.delta');
  rt.dispatch({
    kernel: 'attention.backwardQuery',
    code: code(d),
    entry: 'backwardQuery',
    read: [dout, q, k, v, out, lse, mask],
    write: [dq, delta],
    uniforms: params(dims, opts),
    workgroups: { linear: Math.ceil((b * h * tq) / WG) },
    // per visited pair: q.k, dout.v and ds*k
    flops: 6 * d * b * h * causalPairs(tq, tk, opts.qOffset),
  });
  const dk = rt.empty([b, tk, hkv, d], 'attention.dk');
  const dv = rt.empty([b, tk, hkv, d], 'attention.dv');
  rt.dispatch({
    kernel: 'attention.backwardKey',
    code: code(d),
    entry: 'backwardKey',
    read: [dout, q, k, v, lse, delta, mask],
    write: [dk, dv],
    uniforms: params(dims, opts),
    workgroups: { linear: Math.ceil((b * tk * hkv) / WG) },
    // per visited pair (every query head of the group): q.k, p*dout, dout.v and ds*q
    flops: 8 * d * b * h * causalPairs(tq, tk, opts.qOffset),
  });
  delta.dispose();
  return { dq, dk, dv };
}
