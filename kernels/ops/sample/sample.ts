/**
 * GPU sampling for generation: one token per row from logits [R,V], with temperature, top-k, top-p,
 * min-p or greedy decoding, recording the log-prob and entropy of softmax(z/T) over the full vocabulary
 * in the same pass. Tokens land in column `position` of [R,L] buffers so a whole generation stays on
 * the GPU and is read back once.
 */
import { expectShape, makeShader, type Runtime, type Tensor, uniforms } from '../../runtime/index.js';
import src from './sample.wgsl?raw';

export interface SamplingOptions {
  temperature: number;
  /** 0 = off. */
  topK: number;
  /** 1 = off. */
  topP: number;
  /** 0 = off. */
  minP: number;
  greedy: boolean;
}

export interface SampleTargets {
  tokens: Tensor; // [R,L] i32
  logprobs: Tensor; // [R,L] f32
  entropies: Tensor; // [R,L] f32
  finished: Tensor; // [R] u32; rows already finished write `pad`, lp 0, H 0
}

export interface SampleStepOptions extends SamplingOptions {
  /** Column of [R,L] to write, also the Philox counter's position word. */
  position: number;
  seed: number;
  step: number;
  eos: number;
  pad: number;
  /** Added to the row index in the Philox counter (sampling a slice of a bigger batch). */
  rowBase?: number;
  /**
   * [R,L] i32 tokens to write instead of the drawn ones where >= 0 (teacher forcing: prefix sampling's
   * gold prefix); their log-prob and entropy are recorded under the same softmax(z/T) as a drawn token's.
   */
  forced?: Tensor;
}

const WG = 64;
const code = makeShader(src, {
  WG,
  FORCED_DECL: '',
  FORCED_PICK: '',
  B_TOKENS: 1,
  B_LOGPROBS: 2,
  B_ENTROPIES: 3,
  B_FINISHED: 4,
  B_PARAMS: 5,
});
/** The variant that reads forced tokens [R,L] (binding 1) and writes them where >= 0. */
const forcedCode = makeShader(src, {
  WG,
  FORCED_DECL: '@group(0) @binding(1) var<storage, read> forced: array<i32>;  // [R,L]: -1 = draw',
  FORCED_PICK: 'let f = forced[row * params.L + params.position]; if (f >= 0) { token = f; }',
  B_TOKENS: 2,
  B_LOGPROBS: 3,
  B_ENTROPIES: 4,
  B_FINISHED: 5,
  B_PARAMS: 6,
});

/** Samples one token for each row of `logits` [R,V] into column `position` of the targets. */
export function sampleTokens(
  rt: Runtime,
  logits: Tensor,
  targets: SampleTargets,
  o: SampleStepOptions,
): void {
  const [R, V] = logits.shape;
  expectShape('sampleTokens', 'logits', logits, [R, V]);
  const L = targets.tokens.shape[1];
  expectShape('sampleTokens', 'tokens', targets.tokens, [R, L]);
  expectShape('sampleTokens', 'logprobs', targets.logprobs, [R, L]);
  expectShape('sampleTokens', 'entropies', targets.entropies, [R, L]);
  expectShape('sampleTokens', 'finished', targets.finished, [R]);
  if (o.position < 0 || o.position >= L)
    throw new Error(`sampleTokens: position ${o.position} outside [0, ${L})`);
  if (!(o.temperature > 0)) throw new Error(`sampleTokens: temperature must be > 0 (got ${o.temperature})`);
  if (o.forced) expectShape('sampleTokens', 'forced', o.forced, [R, L]);
  rt.dispatch({
    kernel: o.forced ? 'sample.tokens.forced' : 'sample.tokens',
    code: o.forced ? forcedCode : code,
    read: o.forced ? [logits, o.forced] : [logits],
    write: [targets.tokens, targets.logprobs, targets.entropies, targets.finished],
    uniforms: uniforms()
      .u32(R, V, L, o.position, o.seed >>> 0, o.step >>> 0, Math.max(0, Math.floor(o.topK)), o.greedy ? 1 : 0)
      .f32(1 / o.temperature, o.topP, o.minP)
      .i32(o.eos, o.pad)
      .u32(o.rowBase ?? 0, 0, 0),
    workgroups: { linear: R },
    shapes: `logits[${R},${V}] L=${L}`,
  });
}
