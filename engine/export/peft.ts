/**
 * A LoRA adapter alone in PEFT's layout, loadable with PeftModel.from_pretrained(base, folder):
 * adapter_config.json (peft_type LORA, r, lora_alpha, target_modules, base_model_name_or_path, ...) and
 * adapter_model.safetensors with keys `base_model.model.<module>.lora_A.weight` [r,in] /
 * `lora_B.weight` [out,r]. GPT-2's targets are Conv1D layers, so fan_in_fan_out is true there; when only
 * one of attn.c_proj / mlp.c_proj is adapted, target_modules is a full-match regex (PEFT matches a plain
 * "c_proj" on both).
 */
import type { ModelConfig } from '../model/config.js';
import { type LoraOptions, loraAName, loraBName, loraModules } from '../model/lora.js';
import { writeSafetensors } from '../model/safetensors.js';

export interface PeftExportInput {
  config: ModelConfig;
  lora: LoraOptions;
  /** `<module>.lora_A.weight` / `<module>.lora_B.weight`, as TrainingSession.adapterWeights gives. */
  adapters: Map<string, Float32Array>;
  /** The hub id (or path) of the base model the adapter belongs to. */
  baseModel: string | null;
}

/** PEFT's `target_modules` for the adapted layers: module-name suffixes, or a regex when suffixes are ambiguous. */
export function peftTargetModules(config: ModelConfig, lora: LoraOptions): string[] | string {
  const suffixes = [...new Set(loraModules(config, lora).map((m) => m.path.split('.').slice(-2).join('.')))];
  const names = [...new Set(suffixes.map((s) => s.split('.')[1]))].sort();
  const bothProjections = suffixes.includes('attn.c_proj') && suffixes.includes('mlp.c_proj');
  if (config.family === 'gpt2' && names.includes('c_proj') && !bothProjections)
    return `.*\\.(${suffixes.map((s) => s.replace('.', '\\.')).join('|')})`;
  return names;
}

export function peftAdapterFiles(input: PeftExportInput): Map<string, Uint8Array> {
  const { config, lora, adapters } = input;
  const tensors = loraModules(config, lora).flatMap((m) =>
    (
      [
        ['A', loraAName(m.path), [lora.rank, m.inFeatures]],
        ['B', loraBName(m.path), [m.outFeatures, lora.rank]],
      ] as const
    ).map(([ab, name, shape]) => {
      const data = adapters.get(name);
      if (!data || data.length !== shape[0] * shape[1])
        throw new Error(`PEFT export: adapter ${name} missing or not of shape [${shape.join(',')}]`);
      return { name: `base_model.model.${m.path}.lora_${ab}.weight`, shape: [...shape], data };
    }),
  );
  const adapterConfig = {
    peft_type: 'LORA',
    task_type: 'CAUSAL_LM',
    base_model_name_or_path: input.baseModel,
    revision: null,
    r: lora.rank,
    lora_alpha: lora.alpha,
    lora_dropout: 0.0,
    target_modules: peftTargetModules(config, lora),
    bias: 'none',
    fan_in_fan_out: config.family === 'gpt2',
    inference_mode: true,
    init_lora_weights: true,
    modules_to_save: null,
    layers_to_transform: null,
    layers_pattern: null,
    rank_pattern: {},
    alpha_pattern: {},
    use_rslora: false,
    use_dora: false,
  };
  const json = new TextEncoder().encode(`${JSON.stringify(adapterConfig, null, 2)}\n`);
  return new Map([
    ['adapter_config.json', json],
    ['adapter_model.safetensors', writeSafetensors(tensors, { format: 'pt' })],
  ]);
}
