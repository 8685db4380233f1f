/**
 * LoRA (Hu et al. 2106.09685) on the host side: which linear layers a run adapts, the adapter tensors'
 * names and shapes, their initialisation and the merge into the base weights. Conventions follow PEFT so
 * an exported adapter loads there: A [r,in] kaiming-uniform (bound 1/√in), B [out,r] zeros, scale
 * alpha/r, names `<module>.lora_A.weight` / `<module>.lora_B.weight`. GPT-2's fused c_attn is adapted as
 * one layer whenever any of q, k, v is targeted (PEFT does the same: it adapts modules, not slices).
 */

import type { ModelConfig } from './config.js';
import type { ParamSpec } from './param-names.js';

/** The projections a run may adapt (TabRL's names, the same across families). */
export const LORA_TARGETS = ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] as const;
export type LoraTarget = (typeof LORA_TARGETS)[number];

export interface LoraOptions {
  rank: number;
  alpha: number;
  targetModules: readonly LoraTarget[];
}

/** One adapted linear layer: its HF module path (the weight is `${path}.weight`) and sizes. */
export interface LoraModule {
  path: string;
  inFeatures: number;
  outFeatures: number;
  /** GPT-2 Conv1D stores W as [in,out]; nn.Linear as [out,in]. */
  orientation: 'in_out' | 'out_in';
}

export const loraScale = (o: LoraOptions): number => o.alpha / o.rank;

/** The module-name suffix each target means in a family (null: the family has no such layer). */
export function targetSuffix(family: ModelConfig['family'], target: LoraTarget): string | null {
  switch (family) {
    case 'gpt2':
      switch (target) {
        case 'q':
        case 'k':
        case 'v':
          return 'attn.c_attn';
        case 'o':
          return 'attn.c_proj';
        case 'up':
          return 'mlp.c_fc';
        case 'down':
          return 'mlp.c_proj';
        case 'gate':
          return null;
        default:
          throw target satisfies never;
      }
    case 'llama':
    case 'qwen2':
      switch (target) {
        case 'q':
        case 'k':
        case 'v':
        case 'o':
          return `self_attn.${target}_proj`;
        case 'gate':
        case 'up':
        case 'down':
          return `mlp.${target}_proj`;
        default:
          throw target satisfies never;
      }
    default:
      throw family satisfies never;
  }
}

/** Every adapted layer, layer by layer in `transformers` order; refuses options that adapt nothing. */
export function loraModules(c: ModelConfig, o: LoraOptions): LoraModule[] {
  if (!Number.isInteger(o.rank) || o.rank < 1)
    throw new Error(`lora.rank must be a positive integer, got ${o.rank}`);
  const C = c.hiddenSize;
  const F = c.intermediateSize;
  const qDim = c.numHeads * c.headDim;
  const kvDim = c.numKvHeads * c.headDim;
  const sizes: Record<string, [number, number]> =
    c.family === 'gpt2'
      ? {
          'attn.c_attn': [C, qDim + 2 * kvDim],
          'attn.c_proj': [qDim, C],
          'mlp.c_fc': [C, F],
          'mlp.c_proj': [F, C],
        }
      : {
          'self_attn.q_proj': [C, qDim],
          'self_attn.k_proj': [C, kvDim],
          'self_attn.v_proj': [C, kvDim],
          'self_attn.o_proj': [qDim, C],
          'mlp.gate_proj': [C, F],
          'mlp.up_proj': [C, F],
          'mlp.down_proj': [F, C],
        };
  const suffixes = new Set<string>();
  for (const t of o.targetModules) {
    const s = targetSuffix(c.family, t);
    if (s) suffixes.add(s);
  }
  if (suffixes.size === 0)
    throw new Error(
      `lora.target_modules [${o.targetModules.join(', ')}] name no layer of a ${c.family} model`,
    );
  const order = Object.keys(sizes).filter((s) => suffixes.has(s));
  const out: LoraModule[] = [];
  for (let l = 0; l < c.numLayers; l++) {
    const prefix = c.family === 'gpt2' ? `transformer.h.${l}` : `model.layers.${l}`;
    for (const s of order) {
      const [inFeatures, outFeatures] = sizes[s];
      out.push({
        path: `${prefix}.${s}`,
        inFeatures,
        outFeatures,
        orientation: c.family === 'gpt2' ? 'in_out' : 'out_in',
      });
    }
  }
  return out;
}

export const loraAName = (path: string) => `${path}.lora_A.weight`;
export const loraBName = (path: string) => `${path}.lora_B.weight`;

/** Adapter tensors: A [r,in] then B [out,r] per module. */
export function loraParamSpecs(c: ModelConfig, o: LoraOptions): ParamSpec[] {
  return loraModules(c, o).flatMap((m) => [
    { name: loraAName(m.path), shape: [o.rank, m.inFeatures] },
    { name: loraBName(m.path), shape: [m.outFeatures, o.rank] },
  ]);
}

/** PEFT's init: A ~ U(−1/√in, 1/√in) (kaiming_uniform with a = √5), B = 0, so the adapted model starts equal to the base. */
export function initLoraParams(
  c: ModelConfig,
  o: LoraOptions,
  uniform: () => number,
): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const m of loraModules(c, o)) {
    const bound = 1 / Math.sqrt(m.inFeatures);
    const a = new Float32Array(o.rank * m.inFeatures);
    for (let i = 0; i < a.length; i++) a[i] = (2 * uniform() - 1) * bound;
    out.set(loraAName(m.path), a);
    out.set(loraBName(m.path), new Float32Array(m.outFeatures * o.rank));
  }
  return out;
}

/**
 * W' = W + scale·B·A in the stored orientation ([out,in] as is, GPT-2's [in,out] transposed), computed in
 * float64 and rounded once to float32. Returns a new map; the base is not modified.
 */
export function mergeLora(
  c: ModelConfig,
  o: LoraOptions,
  base: ReadonlyMap<string, Float32Array>,
  adapters: ReadonlyMap<string, ArrayLike<number>>,
): Map<string, Float32Array> {
  return mergeWith(c, o, base, adapters, (n) => new Float32Array(n));
}

/** The same merge kept in float64 (the finite-difference oracle of the adapter gradients). */
export function mergeLora64(
  c: ModelConfig,
  o: LoraOptions,
  base: ReadonlyMap<string, ArrayLike<number>>,
  adapters: ReadonlyMap<string, ArrayLike<number>>,
): Map<string, Float64Array> {
  const merged = new Map<string, Float64Array>();
  for (const [k, v] of base) merged.set(k, Float64Array.from(v));
  return mergeWith(c, o, merged, adapters, (n) => new Float64Array(n));
}

function mergeWith<A extends Float32Array | Float64Array>(
  c: ModelConfig,
  o: LoraOptions,
  base: ReadonlyMap<string, ArrayLike<number>>,
  adapters: ReadonlyMap<string, ArrayLike<number>>,
  make: (n: number) => A,
): Map<string, A> {
  const merged = new Map(base) as Map<string, A>;
  const s = loraScale(o);
  const r = o.rank;
  for (const m of loraModules(c, o)) {
    const w = base.get(`${m.path}.weight`);
    const a = adapters.get(loraAName(m.path));
    const b = adapters.get(loraBName(m.path));
    if (!w || !a || !b) throw new Error(`mergeLora: ${m.path} is missing its weight or adapter`);
    const out = make(w.length);
    const [I, O] = [m.inFeatures, m.outFeatures];
    for (let i = 0; i < O; i++) {
      for (let j = 0; j < I; j++) {
        let d = 0;
        for (let k = 0; k < r; k++) d += b[i * r + k] * a[k * I + j];
        const at = m.orientation === 'out_in' ? i * I + j : j * O + i;
        out[at] = w[at] + s * d;
      }
    }
    merged.set(`${m.path}.weight`, out);
  }
  return merged;
}
