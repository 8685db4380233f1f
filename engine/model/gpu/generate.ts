/**
 * Batched sampling with a KV cache, all on the GPU: prefill the left-padded prompts once, then one
 * new token per row per step, each step's keys and values appended to the cache. The sampler records
 * every drawn token's log-prob and entropy under softmax(z/T) in the same pass; the CPU reads tokens,
 * log-probs and entropies back once at the end (plus a one-word "all finished?" check every few steps).
 * Under guidance (docs/ALGORITHMS.md "Guidance at inference") θ_ref runs in lockstep over the same
 * tokens with its own KV cache, and the sampler draws from (1 − w)·z_ref + w·z_θ, mixed on the GPU.
 */
import { copyTimeSteps, offsetPositions, stridedCopy } from '../../../kernels/ops/copy/copy.js';
import { mix } from '../../../kernels/ops/elementwise/elementwise.js';
import { type SamplingOptions, sampleTokens } from '../../../kernels/ops/sample/sample.js';
import type { Tensor } from '../../../kernels/runtime/index.js';
import { disposeBatch, type GpuBatch, layoutSequences, uploadLayout } from './batch.js';
import type { GpuModel } from './model.js';
import type { GpuParams } from './params.js';
import type { KvCache } from './transformer.js';

export interface GenerateOptions extends SamplingOptions {
  maxNewTokens: number;
  seed: number;
  /** Philox counter word: the RL step, so each step draws fresh numbers. */
  step: number;
  eos: number;
  pad: number;
  /** Check every this many tokens whether all rows finished (one 4-byte-per-row readback). */
  finishCheckEvery?: number;
  /** Keep each step's logits [R,L,V] (tests compare them with a full recomputation). */
  recordLogits?: boolean;
  /** Parameters to sample from (default: the model's own). */
  params?: GpuParams;
  /** Sample from (1 − weight)·z_ref + weight·z_θ; absent or weight 1: the policy alone, θ_ref never runs. */
  guidance?: Guidance;
  /**
   * Per row, tokens written at its first completion positions instead of drawn ones (prefix sampling's
   * gold prefix, teacher-forced through the same decode loop so the KV cache, log-probs and entropies
   * stay consistent); the row samples from the position after. Absent or all empty: the plain sampler.
   */
  forced?: readonly (readonly number[])[];
}

/** θ_ref for guidance: its architecture (same vocabulary as the policy) and weights (default its own). */
export interface Guidance {
  weight: number;
  model: GpuModel;
  params?: GpuParams;
}

function newCache(model: GpuModel, R: number, Tmax: number, keyMask: Tensor, tag: string): KvCache {
  const { numLayers, numKvHeads: Hkv, headDim: D } = model.config;
  const rt = model.rt;
  return {
    k: Array.from({ length: numLayers }, (_, l) => rt.zeros([R, Tmax, Hkv, D], `${tag}.k${l}`)),
    v: Array.from({ length: numLayers }, (_, l) => rt.zeros([R, Tmax, Hkv, D], `${tag}.v${l}`)),
    keyMask,
    capacity: Tmax,
  };
}

export interface Generation {
  /** Completion tokens of each row, EOS included when drawn, padding excluded. */
  tokens: number[][];
  logprobs: number[][];
  entropies: number[][];
  /** Rows that hit maxNewTokens without EOS. */
  truncated: boolean[];
  /** [R,L,V] when recordLogits. */
  logits?: Float32Array;
  /** Forward passes run (1 prefill + decode steps). */
  passes: number;
}

/** [R,L] i32 of the forced tokens, -1 where the sampler draws; null when no row forces any. */
function forcedTokens(
  rt: GpuModel['rt'],
  rows: readonly (readonly number[])[] | undefined,
  R: number,
  L: number,
): Tensor | null {
  if (!rows || rows.every((r) => r.length === 0)) return null;
  if (rows.length !== R) throw new Error(`forced: ${rows.length} rows for ${R} prompts`);
  const out = new Int32Array(R * L).fill(-1);
  rows.forEach((ids, r) => {
    if (ids.length >= L)
      throw new Error(`forced: row ${r} forces ${ids.length} of ${L} tokens; at most ${L - 1}`);
    ids.forEach((id, t) => {
      out[r * L + t] = id;
    });
  });
  return rt.upload(out, [R, L], 'gen.forced', 'i32');
}

export async function sampleWithKvCache(
  model: GpuModel,
  prompts: readonly (readonly number[])[],
  o: GenerateOptions,
): Promise<Generation> {
  const rt = model.rt;
  const cfg = model.config;
  const params = o.params ?? model.params;
  const R = prompts.length;
  const L = o.maxNewTokens;
  if (R === 0) return { tokens: [], logprobs: [], entropies: [], truncated: [], passes: 0 };
  if (L < 1) throw new Error(`maxNewTokens must be >= 1 (got ${L})`);
  const layout = layoutSequences(prompts, null, 0, o.pad);
  const Tp = layout.T;
  const Tmax = Tp + L;
  const longest = Math.max(...prompts.map((p) => p.length));
  const guide = o.guidance && o.guidance.weight !== 1 ? o.guidance : null;
  if (guide && guide.model.config.vocabSize !== cfg.vocabSize) {
    throw new Error(
      `guidance needs a reference with the policy's vocabulary: the reference has ${guide.model.config.vocabSize} ` +
        `tokens, the policy ${cfg.vocabSize}; pass a reference that shares the policy's tokenizer`,
    );
  }
  const maxPositions = Math.min(cfg.maxPositions, guide ? guide.model.config.maxPositions : Infinity);
  if (longest + L > maxPositions) {
    throw new Error(
      `a prompt of ${longest} tokens plus ${L} new tokens exceeds the model's ${maxPositions} positions; ` +
        'shorten the prompt or max_completion_length',
    );
  }
  const V = cfg.vocabSize;
  const mask = new Float32Array(R * Tmax).fill(1);
  for (let r = 0; r < R; r++) for (let t = 0; t < Tp; t++) mask[r * Tmax + t] = layout.keyMask[r * Tp + t];
  const cache = newCache(model, R, Tmax, rt.upload(mask, [R, Tmax], 'kv.keyMask'), 'kv');
  // θ_ref's cache shares the key mask: both models see the same tokens at the same positions
  const refCache = guide ? newCache(guide.model, R, Tmax, cache.keyMask, 'kv.ref') : null;
  const refParams = guide ? (guide.params ?? guide.model.params) : null;
  /** The policy's logits, mixed with θ_ref's at the same position under guidance. */
  const guided = (logits: Tensor, refLogits: Tensor | null): Tensor => {
    if (!guide || !refLogits) return logits;
    const mixed = mix(rt, refLogits, logits, guide.weight);
    logits.dispose();
    refLogits.dispose();
    return mixed;
  };
  const targets = {
    tokens: rt.zeros([R, L], 'gen.tokens', 'i32'),
    logprobs: rt.zeros([R, L], 'gen.logprobs'),
    entropies: rt.zeros([R, L], 'gen.entropies'),
    finished: rt.zeros([R], 'gen.finished', 'u32'),
  };
  const promptLens = rt.upload(
    prompts.map((p) => p.length),
    [R],
    'gen.promptLens',
    'i32',
  );
  const recorded = o.recordLogits ? rt.zeros([R, L, V], 'gen.logits') : null;
  const forced = forcedTokens(rt, o.forced, R, L);
  const nextIds = rt.empty([R], 'gen.next', 'i32');
  const toFree: Tensor[] = [
    ...cache.k,
    ...cache.v,
    cache.keyMask,
    ...(refCache ? [...refCache.k, ...refCache.v] : []),
    ...Object.values(targets),
    promptLens,
    nextIds,
  ];
  if (recorded) toFree.push(recorded);
  if (forced) toFree.push(forced);
  let passes = 0;
  try {
    const prefill = uploadLayout(rt, layout);
    let { logits, hidden } = model.transformer.forward(params, prefill, { cache, start: 0, lastOnly: true });
    passes++;
    hidden.dispose();
    const refForward = (batch: GpuBatch, start: number): Tensor | null => {
      if (!guide || !refCache || !refParams) return null;
      const ref = guide.model.transformer.forward(refParams, batch, {
        cache: refCache,
        start,
        lastOnly: true,
      });
      ref.hidden.dispose();
      return ref.logits;
    };
    logits = guided(logits, refForward(prefill, 0));
    disposeBatch(prefill);
    const every = o.finishCheckEvery ?? 8;
    for (let t = 0; t < L; t++) {
      if (recorded) copyTimeSteps(rt, logits.reshape([R, 1, V]), 0, recorded, t, 1);
      sampleTokens(rt, logits, targets, {
        ...o,
        position: t,
        seed: o.seed,
        step: o.step,
        eos: o.eos,
        pad: o.pad,
        forced: forced ?? undefined,
      });
      logits.dispose();
      if (t === L - 1) break;
      if (every > 0 && (t + 1) % every === 0 && !recorded) {
        const finished = await rt.read(targets.finished);
        if (finished.every((f) => f === 1)) break;
      }
      stridedCopy(
        rt,
        targets.tokens,
        { offset: t, strides: [L, 0] },
        nextIds,
        { offset: 0, strides: [1, 0] },
        [R, 1, 1],
      );
      const positions = offsetPositions(rt, promptLens, t);
      const step: GpuBatch = { B: R, T: 1, ids: nextIds, positions, keyMask: cache.keyMask };
      ({ logits, hidden } = model.transformer.forward(params, step, {
        cache,
        start: Tp + t,
        lastOnly: true,
      }));
      passes++;
      hidden.dispose();
      logits = guided(logits, refForward(step, Tp + t));
      positions.dispose();
    }
    const read = await rt.readMany([
      targets.tokens,
      targets.logprobs,
      targets.entropies,
      ...(recorded ? [recorded] : []),
    ]);
    const [tok, lp, ent] = read;
    const out: Generation = { tokens: [], logprobs: [], entropies: [], truncated: [], passes };
    for (let r = 0; r < R; r++) {
      const row: number[] = [];
      const rowLp: number[] = [];
      const rowH: number[] = [];
      let ended = false;
      for (let t = 0; t < L; t++) {
        row.push(tok[r * L + t]);
        rowLp.push(lp[r * L + t]);
        rowH.push(ent[r * L + t]);
        if (tok[r * L + t] === o.eos) {
          ended = true;
          break;
        }
      }
      out.tokens.push(row);
      out.logprobs.push(rowLp);
      out.entropies.push(rowH);
      out.truncated.push(!ended);
    }
    if (recorded) out.logits = read[3] as Float32Array;
    return out;
  } finally {
    for (const t of toFree) t.dispose();
  }
}
