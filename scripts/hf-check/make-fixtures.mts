/**
 * Writes what scripts/hf-check/check.py needs to prove that real `transformers` and PEFT load TabRL's
 * exports: tiny random gpt2 / llama / qwen2 folders exported exactly as the lab exports them, PEFT adapter
 * folders (base, adapter, merged) for LoRA runs, the logits TabRL's float64 reference model gives on fixed
 * token ids, the state dict the committed tables expect, and the TRL script of every preset (plus a LoRA
 * run and a chat-template run with a system prompt on a pinned hub model). Run:
 *   node --import tsx --import ./cli/raw-loader.mjs scripts/hf-check/make-fixtures.mts OUTDIR
 * Everything is seeded, so two runs write the same bytes.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PRESETS, presetConfig } from '../../engine/config/presets.js';
import { resolveRunConfig } from '../../engine/config/resolve.js';
import { exportHfFolder } from '../../engine/export/hf-folder.js';
import { expectedStateDict, HF_TABLES } from '../../engine/export/hf-tables.js';
import { peftAdapterFiles } from '../../engine/export/peft.js';
import fields from '../../engine/export/trl-grpo-config-fields.json';
import { trlScript } from '../../engine/export/trl-script.js';
import { tinyCheckpoint } from '../../engine/hub/fixtures.js';
import { nodeCheckpointFs } from '../../engine/model/checkpoint-node.js';
import { type ModelConfig, modelPreset, parseHfConfig, toHfConfig } from '../../engine/model/config.js';
import { initParams } from '../../engine/model/init.js';
import { type LoraOptions, loraParamSpecs, mergeLora, mergeLora64 } from '../../engine/model/lora.js';
import { referenceForward } from '../../engine/model/reference/model.js';
import { CharTokenizer, DEFAULT_ALPHABET } from '../../engine/tokenizers/char-tokenizer.js';
import { rng } from '../../kernels/testing/random.js';

const out = process.argv[2];
if (!out) {
  console.error('usage: make-fixtures.mts OUTDIR');
  process.exit(2);
}
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const tokenizer = new CharTokenizer({ alphabet: DEFAULT_ALPHABET });
const TEXT = '12+34=46 (7*8)';
// two rows of equal length T = 9 inside every fixture's vocabulary and context
const inputIds = [tokenizer.encode('12+34=46<eos>').slice(0, 9), tokenizer.encode('(7*8)=56?').slice(0, 9)];

interface Model {
  config: ModelConfig;
  params: Map<string, Float32Array>;
}

/** Logits [B][T][V] of the float64 reference on `inputIds`. */
function referenceLogits(config: ModelConfig, params: ReadonlyMap<string, ArrayLike<number>>): number[][][] {
  const flat = referenceForward(config, params, { inputIds }).logits;
  const V = config.vocabSize;
  const T = inputIds[0].length;
  return inputIds.map((_, b) =>
    Array.from({ length: T }, (_, t) => Array.from(flat.subarray((b * T + t) * V, (b * T + t + 1) * V))),
  );
}

async function writeHfFolder(dir: string, m: Model): Promise<void> {
  await exportHfFolder(
    {
      config: m.config,
      params: m.params,
      tokenizer: tokenizer.toJSON(),
      tokenizerConfig: tokenizer.tokenizerConfig(),
    },
    nodeCheckpointFs(dir),
  );
}

/** The names and shapes the committed table expects in model.safetensors for this model's config.json. */
function tableStateDict(config: ModelConfig) {
  return expectedStateDict(HF_TABLES[config.family], toHfConfig(config));
}

const json = (v: unknown) => `${JSON.stringify(v)}\n`;

async function fullModel(name: string, m: Model, note: string): Promise<void> {
  const dir = join(out, name);
  await writeHfFolder(dir, m);
  writeFileSync(
    join(dir, 'expected.json'),
    json({
      kind: 'full',
      note,
      family: m.config.family,
      input_ids: inputIds,
      logits: referenceLogits(m.config, m.params),
      table_state_dict: tableStateDict(m.config),
      tokenizer_text: TEXT,
      tokenizer_ids: tokenizer.encode(TEXT),
    }),
  );
}

/** Random non-zero adapters (PEFT's own init has B = 0, which would hide a wrong B or a wrong transpose). */
function randomAdapters(config: ModelConfig, lora: LoraOptions, seed: number): Map<string, Float32Array> {
  const r = rng(seed);
  return new Map(
    loraParamSpecs(config, lora).map((s) => [
      s.name,
      Float32Array.from({ length: s.shape[0] * s.shape[1] }, () => 0.3 * (2 * r() - 1)),
    ]),
  );
}

async function loraModel(name: string, base: Model, lora: LoraOptions, seed: number, note: string) {
  const dir = join(out, name);
  const adapters = randomAdapters(base.config, lora, seed);
  await writeHfFolder(join(dir, 'base'), base);
  const adapterFs = nodeCheckpointFs(join(dir, 'adapter'));
  for (const [file, bytes] of peftAdapterFiles({ config: base.config, lora, adapters, baseModel: '../base' }))
    await adapterFs.writeFile(file, bytes);
  const merged = mergeLora(base.config, lora, base.params, adapters);
  await writeHfFolder(join(dir, 'merged'), { config: base.config, params: merged });
  writeFileSync(
    join(dir, 'expected.json'),
    json({
      kind: 'peft',
      note,
      family: base.config.family,
      lora: { rank: lora.rank, alpha: lora.alpha, target_modules: lora.targetModules },
      input_ids: inputIds,
      // the adapted model in float64 (W + alpha/r * B A unrounded); PEFT's unmerged forward and the merged
      // float32 export both approximate it
      logits: referenceLogits(base.config, mergeLora64(base.config, lora, base.params, adapters)),
      table_state_dict: tableStateDict(base.config),
      tokenizer_text: TEXT,
      tokenizer_ids: tokenizer.encode(TEXT),
    }),
  );
}

const untied = (preset: string, seed: number): Model => {
  const config = parseHfConfig({ ...toHfConfig(modelPreset(preset)), tie_word_embeddings: false });
  return { config, params: initParams(config, rng(seed)) };
};
const preset = (name: string, seed: number): Model => {
  const config = modelPreset(name);
  return { config, params: initParams(config, rng(seed)) };
};

await fullModel('gpt2', tinyCheckpoint('gpt2', 11), 'GPT-2, tied lm_head, Conv1D [in,out] weights');
await fullModel('gpt2-untied', untied('smoke', 12), 'GPT-2 smoke preset with its own lm_head');
await fullModel(
  'llama',
  tinyCheckpoint('llama', 13),
  'SmolLM2-like llama: GQA 6:2, head_dim 4, tied embeddings, rope_theta 1e5',
);
await fullModel(
  'qwen2',
  tinyCheckpoint('qwen2-sharded-bf16', 14),
  'Qwen2.5-like: q/k/v bias, GQA 7:1, tied embeddings, bf16-rounded weights exported as f32',
);
await fullModel('qwen2-untied', preset('qwen2-micro', 15), 'qwen2-micro preset, untied lm_head');
await loraModel(
  'gpt2-lora',
  preset('smoke', 16),
  { rank: 2, alpha: 4, targetModules: ['q', 'o', 'up', 'down'] },
  17,
  'LoRA on GPT-2 Conv1D layers (c_attn, c_proj x2, c_fc): fan_in_fan_out',
);
await loraModel(
  'llama-lora',
  preset('llama-micro', 18),
  { rank: 4, alpha: 8, targetModules: ['k', 'o', 'gate'] },
  19,
  'LoRA on llama k_proj, o_proj, gate_proj',
);

// TRL scripts: every preset, plus a LoRA run on an exported folder and a chat-template run
const trl = join(out, 'trl');
mkdirSync(trl, { recursive: true });
for (const p of PRESETS)
  writeFileSync(
    join(trl, `${p.name}.py`),
    trlScript(presetConfig(p.name), { modelPath: '../gpt2', maxPrompts: 64 }),
  );
const loraRun = resolveRunConfig({
  model: { name: 'llama-micro', overrides: {} },
  lora: { rank: 4, alpha: 8, target_modules: ['q', 'v', 'down'] },
  max_steps: 3,
});
writeFileSync(
  join(trl, 'llama-lora.py'),
  trlScript(loraRun, {
    modelPath: '../llama-lora/base',
    modelConfig: modelPreset('llama-micro'),
    maxPrompts: 64,
  }),
);
// conversational prompts with a system message, and a pinned revision (REVISION, model_init_kwargs)
const chatRun = resolveRunConfig({
  model: { name: 'Qwen/Qwen2.5-0.5B-Instruct@7ae557604adf67be50417f59c2c2f167def9a775', overrides: {} },
  chat_template: 'auto',
  system_prompt: 'Answer with the number only.',
  max_steps: 3,
});
writeFileSync(join(trl, 'chat-template.py'), trlScript(chatRun, { maxPrompts: 64 }));
writeFileSync(join(trl, 'grpo-config-fields.json'), json(fields));
console.log(`wrote ${out}`);
