/**
 * The fine-tuned model as a folder `transformers` loads with from_pretrained: config.json (HF field
 * names, float32), model.safetensors (state-dict order, GPT-2's Conv1D kept [in,out]; canonical names, or
 * the checkpoint's own layout when it came without the base-model prefix - transformers loads both),
 * tokenizer.json and tokenizer_config.json. No TabRL trainer state: this is for leaving TabRL. LoRA runs
 * pass merged weights (TrainingSession.policyWeights) or export the adapter alone (peft.ts).
 */
import { type CheckpointFs, memoryFs, writeCheckpoint } from '../model/checkpoint.js';
import type { ModelConfig } from '../model/config.js';
import type { NameLayout } from '../model/param-names.js';

export interface HfExportInput {
  config: ModelConfig;
  params: Map<string, Float32Array>;
  /** The names model.safetensors uses (absent: canonical); a checkpoint's `nameLayout`. */
  nameLayout?: NameLayout;
  tokenizer: Record<string, unknown>;
  tokenizerConfig: Record<string, unknown> | null;
}

export const HF_EXPORT_FILES = [
  'config.json',
  'model.safetensors',
  'tokenizer.json',
  'tokenizer_config.json',
] as const;

/** Writes the four files into `fs` (default: an in-memory folder) and returns it. */
export async function exportHfFolder(
  input: HfExportInput,
  fs: CheckpointFs & { files?: Map<string, Uint8Array> } = memoryFs(),
): Promise<CheckpointFs & { files?: Map<string, Uint8Array> }> {
  await writeCheckpoint(fs, {
    config: input.config,
    params: input.params,
    nameLayout: input.nameLayout,
    tokenizer: input.tokenizer,
    // transformers needs tokenizer_config.json to pick PreTrainedTokenizerFast; write a minimal one if absent
    tokenizerConfig: input.tokenizerConfig ?? { tokenizer_class: 'PreTrainedTokenizerFast' },
    trainerState: null,
  });
  return fs;
}
