/**
 * Half fine-tuning (`freeze`, after "HFT: Half Fine-Tuning for Large Language Models"; docs/ALGORITHMS.md
 * "Half fine-tuning (`freeze`)"): at a stage's first step, in every transformer block, ⌊ρ·n_att⌋ of its
 * attention matrices and ⌊ρ·n_mlp⌋ of its MLP matrices are drawn by a partial Fisher–Yates shuffle and
 * frozen for the stage with their biases. Frozen tensors take no AdamW update (their bytes and moments
 * are untouched) and stay out of the gradient norm and clipping (engine/optim/adamw.ts). Under LoRA
 * the units are the adapted modules (A and B together; GPT-2's fused c_attn is one unit). Embeddings,
 * LM head, norms and the value head always train. Departure: their gradients are still computed by
 * the backward pass; they are ignored, not skipped.
 */
import type { ModelConfig } from '../model/config.js';
import { type LoraOptions, loraAName, loraBName, loraModules } from '../model/lora.js';
import { paramSpecs } from '../model/param-names.js';
import type { Rng } from '../rl/random.js';

/** One thing that freezes as a whole: a matrix with its bias, or a LoRA module's A and B. */
export interface FreezeUnit {
  /** Module path, e.g. `transformer.h.0.attn.c_attn`. */
  name: string;
  /** The trainable tensors it holds. */
  tensors: string[];
  /** Their element count. */
  params: number;
}

/** A block's units, attention and MLP apart (each drawn on its own). */
export interface FreezeBlock {
  attention: FreezeUnit[];
  mlp: FreezeUnit[];
}

/** One stage's choice: what `freeze` froze, and `freeze/fraction`. */
export interface FreezeChoice {
  stage: number;
  /** Frozen unit names, block by block, attention then MLP, in draw order. */
  units: string[];
  /** Every tensor of those units (the names the optimizer skips). */
  tensors: ReadonlySet<string>;
  /** Frozen parameters / parameters that would train. */
  fraction: number;
}

const ATTENTION: Record<ModelConfig['family'], string[]> = {
  gpt2: ['attn.c_attn', 'attn.c_proj'],
  llama: ['self_attn.q_proj', 'self_attn.k_proj', 'self_attn.v_proj', 'self_attn.o_proj'],
  qwen2: ['self_attn.q_proj', 'self_attn.k_proj', 'self_attn.v_proj', 'self_attn.o_proj'],
};
const MLP: Record<ModelConfig['family'], string[]> = {
  gpt2: ['mlp.c_fc', 'mlp.c_proj'],
  llama: ['mlp.gate_proj', 'mlp.up_proj', 'mlp.down_proj'],
  qwen2: ['mlp.gate_proj', 'mlp.up_proj', 'mlp.down_proj'],
};

const blockPrefix = (c: ModelConfig, l: number) =>
  c.family === 'gpt2' ? `transformer.h.${l}` : `model.layers.${l}`;

/**
 * The freezable units of every block, in `transformers` order: the weight matrices with their biases
 * (full fine-tuning), or the adapted modules (LoRA: `<module>.lora_A.weight` and `.lora_B.weight`).
 */
export function freezeBlocks(c: ModelConfig, lora: LoraOptions | null): FreezeBlock[] {
  const size = new Map<string, number>();
  if (lora) {
    for (const m of loraModules(c, lora)) {
      size.set(loraAName(m.path), lora.rank * m.inFeatures);
      size.set(loraBName(m.path), m.outFeatures * lora.rank);
    }
  } else
    for (const s of paramSpecs(c))
      size.set(
        s.name,
        s.shape.reduce((a, b) => a * b, 1),
      );
  const unit = (path: string): FreezeUnit | null => {
    const names = lora ? [loraAName(path), loraBName(path)] : [`${path}.weight`, `${path}.bias`];
    const tensors = names.filter((n) => size.has(n));
    if (tensors.length === 0) return null;
    return { name: path, tensors, params: tensors.reduce((n, t) => n + (size.get(t) ?? 0), 0) };
  };
  return Array.from({ length: c.numLayers }, (_, l) => {
    const units = (suffixes: string[]) =>
      suffixes.map((s) => unit(`${blockPrefix(c, l)}.${s}`)).filter((u): u is FreezeUnit => u !== null);
    return { attention: units(ATTENTION[c.family]), mlp: units(MLP[c.family]) };
  });
}

/**
 * The first `k` items of a partial Fisher–Yates shuffle of `items`: for i < k, swap item i with item
 * j = rng.int(i, n − 1). Example: [a, b, c, d], k = 2, draws j = 2 then 3 -> [c, d].
 */
export function partialShuffle<T>(items: readonly T[], k: number, rng: Rng): T[] {
  const a = [...items];
  for (let i = 0; i < k; i++) {
    const j = rng.int(i, a.length - 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a.slice(0, k);
}

/**
 * Which units freeze: per block in order, ⌊ρ·n_att⌋ attention units then ⌊ρ·n_mlp⌋ MLP units by
 * partialShuffle from one stream. `trainableParams` is what would train without freezing (the
 * denominator of `freeze/fraction`).
 */
export function chooseFrozen(
  blocks: readonly FreezeBlock[],
  fraction: number,
  rng: Rng,
  trainableParams: number,
  stage: number,
): FreezeChoice {
  if (!(fraction >= 0 && fraction <= 1))
    throw new Error(`freeze.fraction must be in [0, 1] (got ${fraction})`);
  const chosen: FreezeUnit[] = [];
  for (const b of blocks) {
    chosen.push(...partialShuffle(b.attention, Math.floor(fraction * b.attention.length), rng));
    chosen.push(...partialShuffle(b.mlp, Math.floor(fraction * b.mlp.length), rng));
  }
  const frozen = chosen.reduce((n, u) => n + u.params, 0);
  return {
    stage,
    units: chosen.map((u) => u.name),
    tensors: new Set(chosen.flatMap((u) => u.tensors)),
    fraction: trainableParams > 0 ? frozen / trainableParams : 0,
  };
}

/** The stream of stage `stage`'s draw: `rng.split('freeze').split('stage:<stage>')` of the run's generator. */
export function freezeStream(runRng: Rng, stage: number): Rng {
  return runRng.split('freeze').split(`stage:${stage}`);
}

/** A choice rebuilt from its unit names (trainer state), checked against the model. */
export function choiceFromUnits(
  blocks: readonly FreezeBlock[],
  units: readonly string[],
  trainableParams: number,
  stage: number,
): FreezeChoice {
  const byName = new Map(blocks.flatMap((b) => [...b.attention, ...b.mlp]).map((u) => [u.name, u]));
  const chosen = units.map((name) => {
    const u = byName.get(name);
    if (!u) throw new Error(`resume: the saved freeze choice names ${name}, which this model does not have`);
    return u;
  });
  const frozen = chosen.reduce((n, u) => n + u.params, 0);
  return {
    stage,
    units: [...units],
    tensors: new Set(chosen.flatMap((u) => u.tensors)),
    fraction: trainableParams > 0 ? frozen / trainableParams : 0,
  };
}

/** What beginFreezeStage reads and sets (a run's TrainerContext). */
export interface FreezeHolder {
  config: {
    freeze: { fraction: number } | null;
    lora: { rank: number; alpha: number; target_modules: LoraOptions['targetModules'] } | null;
  };
  model: { config: ModelConfig };
  rng: Rng;
  trainable: { specs: readonly { shape: readonly number[] }[] };
  freeze: FreezeChoice | null;
}

/** The run's LoRA options as freezeBlocks takes them (null: full fine-tuning). */
function loraOf(h: FreezeHolder): LoraOptions | null {
  const l = h.config.lora;
  return l ? { rank: l.rank, alpha: l.alpha, targetModules: l.target_modules } : null;
}

/** Elements of every tensor that trains without freezing (the policy's, or its adapters'). */
export function trainableParamCount(h: FreezeHolder): number {
  return h.trainable.specs.reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
}

/**
 * Draws stage `stage`'s frozen half and holds it in `h.freeze` (the optimizer skips its tensors from
 * the next update on); returns the row's `freeze/fraction`. The session calls it at the run's first
 * step for stage 0; a stage machinery calls it at each stage's first step. Nothing (and {}) without
 * `freeze`.
 */
export function beginFreezeStage(h: FreezeHolder, stage: number): Record<string, number> {
  const f = h.config.freeze;
  if (!f) {
    h.freeze = null;
    return {};
  }
  const blocks = freezeBlocks(h.model.config, loraOf(h));
  h.freeze = chooseFrozen(blocks, f.fraction, freezeStream(h.rng, stage), trainableParamCount(h), stage);
  return { 'freeze/fraction': h.freeze.fraction };
}

/** A saved choice (trainer state's `freeze`) put back into `h.freeze`. */
export function restoreFreeze(h: FreezeHolder, saved: { stage: number; units: string[] } | undefined): void {
  if (!h.config.freeze || !saved) return;
  const blocks = freezeBlocks(h.model.config, loraOf(h));
  h.freeze = choiceFromUnits(blocks, saved.units, trainableParamCount(h), saved.stage);
}
