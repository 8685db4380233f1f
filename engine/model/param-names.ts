/**
 * The Hugging Face parameter names and shapes each config demands, in the orientation `transformers`
 * stores them: GPT-2 uses Conv1D ([in,out], so y = x W + b), Llama/Qwen2 use nn.Linear ([out,in], y = x Wᵀ).
 *
 * Canonical names are the causal-LM state dict `save_pretrained` writes: GPT2LMHeadModel's keys carry the
 * `transformer.` prefix (the GPT2Model sits in `self.transformer`), Llama/Qwen2's the `model.` prefix;
 * a tied `lm_head.weight` is dropped by save_pretrained's shared-tensor dedup, and GPT-2's causal-mask
 * buffers `attn.bias`/`attn.masked_bias` are `persistent=False` in recent modeling_gpt2. A checkpoint
 * saved from the base model alone has no prefix (the hub's original `gpt2`, which also keeps
 * `h.N.attn.bias`): `transformers` loads both layouts, so TabRL reads both, ignores the buffers, and
 * records the layout (`NameLayout`) so that what it writes back for that checkpoint uses the same names.
 */

import type { ModelConfig } from './config.js';

export interface ParamSpec {
  name: string; // canonical HF name (the `prefixed` layout)
  shape: number[];
}

/**
 * How a checkpoint spells its parameter names: `prefixed` (canonical, what save_pretrained writes for
 * the causal-LM class) or `bare` (without the base model's prefix). `lm_head.weight` lives outside the
 * base model and is unprefixed in both.
 */
export type NameLayout = 'prefixed' | 'bare';

/** transformers' `base_model_prefix` of the family's causal-LM class, dot included. */
function basePrefix(c: ModelConfig): string {
  switch (c.family) {
    case 'gpt2':
      return 'transformer.';
    case 'llama':
    case 'qwen2':
      return 'model.';
    default:
      throw c.family satisfies never;
  }
}

/** A canonical parameter name as a checkpoint of `layout` stores it. */
export function storedParamName(c: ModelConfig, canonical: string, layout: NameLayout): string {
  switch (layout) {
    case 'prefixed':
      return canonical;
    case 'bare': {
      const p = basePrefix(c);
      return canonical.startsWith(p) ? canonical.slice(p.length) : canonical;
    }
    default:
      throw layout satisfies never;
  }
}

/** Every parameter the config needs, in the order `transformers` lists them. */
export function paramSpecs(c: ModelConfig): ParamSpec[] {
  const C = c.hiddenSize;
  const F = c.intermediateSize;
  const V = c.vocabSize;
  const out: ParamSpec[] = [];
  const add = (name: string, ...shape: number[]) => out.push({ name, shape });
  switch (c.family) {
    case 'gpt2': {
      add('transformer.wte.weight', V, C);
      add('transformer.wpe.weight', c.maxPositions, C);
      for (let l = 0; l < c.numLayers; l++) {
        const p = `transformer.h.${l}`;
        add(`${p}.ln_1.weight`, C);
        add(`${p}.ln_1.bias`, C);
        add(`${p}.attn.c_attn.weight`, C, 3 * C);
        add(`${p}.attn.c_attn.bias`, 3 * C);
        add(`${p}.attn.c_proj.weight`, C, C);
        add(`${p}.attn.c_proj.bias`, C);
        add(`${p}.ln_2.weight`, C);
        add(`${p}.ln_2.bias`, C);
        add(`${p}.mlp.c_fc.weight`, C, F);
        add(`${p}.mlp.c_fc.bias`, F);
        add(`${p}.mlp.c_proj.weight`, F, C);
        add(`${p}.mlp.c_proj.bias`, C);
      }
      add('transformer.ln_f.weight', C);
      add('transformer.ln_f.bias', C);
      if (!c.tieWordEmbeddings) add('lm_head.weight', V, C);
      return out;
    }
    case 'llama':
    case 'qwen2': {
      const qDim = c.numHeads * c.headDim;
      const kvDim = c.numKvHeads * c.headDim;
      add('model.embed_tokens.weight', V, C);
      for (let l = 0; l < c.numLayers; l++) {
        const p = `model.layers.${l}`;
        add(`${p}.self_attn.q_proj.weight`, qDim, C);
        if (c.qkvBias) add(`${p}.self_attn.q_proj.bias`, qDim);
        add(`${p}.self_attn.k_proj.weight`, kvDim, C);
        if (c.qkvBias) add(`${p}.self_attn.k_proj.bias`, kvDim);
        add(`${p}.self_attn.v_proj.weight`, kvDim, C);
        if (c.qkvBias) add(`${p}.self_attn.v_proj.bias`, kvDim);
        add(`${p}.self_attn.o_proj.weight`, C, qDim);
        if (c.outputBias) add(`${p}.self_attn.o_proj.bias`, C);
        add(`${p}.mlp.gate_proj.weight`, F, C);
        add(`${p}.mlp.up_proj.weight`, F, C);
        add(`${p}.mlp.down_proj.weight`, C, F);
        add(`${p}.input_layernorm.weight`, C);
        add(`${p}.post_attention_layernorm.weight`, C);
      }
      add('model.norm.weight', C);
      if (!c.tieWordEmbeddings) add('lm_head.weight', V, C);
      return out;
    }
    default:
      throw c.family satisfies never;
  }
}

/** How a name found in a checkpoint maps onto the config's parameters. */
export type NameResolution =
  | { kind: 'param'; name: string; layout: NameLayout | null } // canonical name; null: `lm_head.weight`, in both layouts
  | { kind: 'ignored'; why: string } // a buffer or a tied duplicate that carries no information
  | { kind: 'unexpected' };

const GPT2_BUFFER = /^(transformer\.)?h\.\d+\.attn\.(bias|masked_bias)$/;
const ROPE_BUFFER = /^(model\.)?layers\.\d+\.self_attn\.rotary_emb\.inv_freq$/;

/** Resolves a stored tensor name against the config (either layout, legacy buffers, tied heads). */
export function resolveParamName(c: ModelConfig, stored: string, known: ReadonlySet<string>): NameResolution {
  const prefix = basePrefix(c);
  if (known.has(stored))
    return { kind: 'param', name: stored, layout: stored.startsWith(prefix) ? 'prefixed' : null };
  if (!stored.startsWith(prefix) && known.has(prefix + stored))
    return { kind: 'param', name: prefix + stored, layout: 'bare' };
  switch (c.family) {
    case 'gpt2':
      if (GPT2_BUFFER.test(stored)) return { kind: 'ignored', why: 'causal-mask buffer' };
      break;
    case 'llama':
    case 'qwen2':
      if (ROPE_BUFFER.test(stored)) return { kind: 'ignored', why: 'RoPE inverse-frequency buffer' };
      break;
    default:
      throw c.family satisfies never;
  }
  if (stored === 'lm_head.weight' && c.tieWordEmbeddings)
    return { kind: 'ignored', why: 'tied to the token embedding' };
  return { kind: 'unexpected' };
}

/** The token-embedding name (also the output projection when tied). */
export function embeddingName(c: ModelConfig): string {
  return c.family === 'gpt2' ? 'transformer.wte.weight' : 'model.embed_tokens.weight';
}

/**
 * The [V,C] tables that may be stored as row chunks when larger than one storage binding: the token
 * embedding and an untied LM head, the only parameters whose ops (gather, scatter, head matmul) take
 * chunks. Every other parameter must fit one binding.
 */
export function splittableParams(c: ModelConfig): Set<string> {
  return new Set([embeddingName(c), ...(c.tieWordEmbeddings ? [] : ['lm_head.weight'])]);
}
