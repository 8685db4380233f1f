/**
 * Fresh weights for a config, the way `transformers` initialises these families: normal(0, 0.02)
 * matrices and embeddings, zero biases, unit norm weights; GPT-2 additionally scales the residual
 * output projections (attn.c_proj, mlp.c_proj) by 1/√(2·n_layer) as GPT2PreTrainedModel._init_weights does.
 * Randomness is passed in (a uniform [0,1) generator), so a run replays.
 */

import type { ModelConfig } from './config.js';
import { paramSpecs } from './param-names.js';

export const INITIALIZER_RANGE = 0.02;

/** Standard normal samples from a uniform generator (Box-Muller). */
export function normalSampler(uniform: () => number): () => number {
  return () => {
    const u = Math.max(uniform(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
  };
}

export function initParams(config: ModelConfig, uniform: () => number): Map<string, Float32Array> {
  const normal = normalSampler(uniform);
  const residualScale = config.family === 'gpt2' ? 1 / Math.sqrt(2 * config.numLayers) : 1;
  const params = new Map<string, Float32Array>();
  for (const { name, shape } of paramSpecs(config)) {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    const isNormWeight = /(ln_\d|ln_f|layernorm|norm)\.weight$/.test(name);
    if (name.endsWith('.bias')) {
      // zeros
    } else if (isNormWeight) {
      data.fill(1);
    } else {
      const std = /(attn\.c_proj|mlp\.c_proj)\.weight$/.test(name)
        ? INITIALIZER_RANGE * residualScale
        : INITIALIZER_RANGE;
      for (let i = 0; i < data.length; i++) data[i] = normal() * std;
    }
    params.set(name, data);
  }
  return params;
}
