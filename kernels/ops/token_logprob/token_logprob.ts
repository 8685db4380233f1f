/**
 * What policy-gradient losses need from the logits: lp = log softmax(z/T)[token] over the FULL
 * vocabulary (top-k/top-p never change it, see docs/ALGORITHMS.md), the entropy H of softmax(z/T), and lse,
 * in one pass over each row; the backward takes d(a*lp + b*H)/dz without materialising probabilities.
 * Tokens outside [0,V) (e.g. -1 padding) get lp = 0 and no lp gradient; their entropy still counts.
 */
import { expectShape, makeShader, type Runtime, type Tensor, uniforms } from '../../runtime/index.js';
import src from './token_logprob.wgsl?raw';

const CODE = makeShader(src);
const WG = 64;

export interface TokenLogprobOptions {
  /** Sampling temperature T > 0; the distribution is softmax(logits / T). */
  temperature: number;
}

export interface TokenLogprobOutput {
  /** [N] log softmax(z/T)[token], 0 for tokens outside [0,V). */
  logprob: Tensor;
  /** [N] entropy of softmax(z/T) in nats. */
  entropy: Tensor;
  /** [N] log-sum-exp of z/T, what the backward needs. */
  lse: Tensor;
}

function checkTemperature(op: string, temperature: number): void {
  if (!(temperature > 0) || !Number.isFinite(temperature)) {
    throw new Error(`${op}: temperature must be a positive finite number, got ${temperature}`);
  }
}

export function tokenLogprobEntropy(
  rt: Runtime,
  logits: Tensor,
  tokens: Tensor,
  opts: TokenLogprobOptions,
): TokenLogprobOutput {
  const op = 'tokenLogprobEntropy';
  checkTemperature(op, opts.temperature);
  expectShape(op, 'logits', logits, [undefined, undefined]);
  const [n, v] = logits.shape;
  expectShape(op, 'tokens', tokens, [n]);
  const logprob = rt.empty([n], 'tokenLogprob.logprob');
  const entropy = rt.empty([n], 'tokenLogprob.entropy');
  const lse = rt.empty([n], 'tokenLogprob.lse');
  rt.dispatch({
    kernel: 'tokenLogprob.forward',
    code: CODE,
    entry: 'forward',
    read: [logits, tokens],
    write: [logprob, entropy, lse],
    uniforms: uniforms().u32(n, v).f32(opts.temperature).u32(0, 0),
    workgroups: { linear: Math.ceil(n / WG) },
  });
  return { logprob, entropy, lse };
}

/**
 * dlogits[N,V] = d/dz sum_r (dlogprob[r] * lp[r] + dentropy[r] * H[r]); either upstream may be omitted
 * (treated as zero). The entropy term recomputes H from lse in one extra row pass.
 */
export function tokenLogprobEntropyBackward(
  rt: Runtime,
  logits: Tensor,
  tokens: Tensor,
  lse: Tensor,
  dlogprob: Tensor | undefined,
  dentropy: Tensor | undefined,
  opts: TokenLogprobOptions,
): Tensor {
  const op = 'tokenLogprobEntropyBackward';
  checkTemperature(op, opts.temperature);
  expectShape(op, 'logits', logits, [undefined, undefined]);
  const [n, v] = logits.shape;
  expectShape(op, 'tokens', tokens, [n]);
  expectShape(op, 'lse', lse, [n]);
  if (dlogprob) expectShape(op, 'dlogprob', dlogprob, [n]);
  if (dentropy) expectShape(op, 'dentropy', dentropy, [n]);
  const params = () =>
    uniforms()
      .u32(n, v)
      .f32(opts.temperature)
      .u32(dlogprob ? 1 : 0, dentropy ? 1 : 0);
  let entropy: Tensor | undefined;
  if (dentropy) {
    entropy = rt.empty([n], 'tokenLogprob.entropy');
    rt.dispatch({
      kernel: 'tokenLogprob.rowEntropy',
      code: CODE,
      entry: 'rowEntropy',
      read: [logits, lse],
      write: [entropy],
      uniforms: params(),
      workgroups: { linear: Math.ceil(n / WG) },
    });
  }
  const dlogits = rt.empty([n, v], 'tokenLogprob.dlogits');
  rt.dispatch({
    kernel: 'tokenLogprob.backward',
    code: CODE,
    entry: 'backward',
    // unused inputs are bound to lse (same shape, never read: the flags in Params say so)
    read: [logits, tokens, lse, dlogprob ?? lse, dentropy ?? lse, entropy ?? lse],
    write: [dlogits],
    uniforms: params(),
    workgroups: { linear: Math.ceil((n * v) / WG) },
  });
  entropy?.dispose();
  return dlogits;
}
