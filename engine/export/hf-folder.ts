/**
 * The fine-tuned model as a folder `transformers` loads with from_pretrained: config.json (HF field
 * names, float32), model.safetensors (canonical names in state-dict order, GPT-2's Conv1D kept [in,out]),
 * tokenizer.json and tokenizer_config.json. No TabRL trainer state: this is for leaving TabRL. LoRA runs
 * pass merged weights (TrainingSession.policyWeights) or export the adapter alone (peft.ts).
 */
import { type CheckpointFs, memoryFs, writeCheckpoint } from '../model/checkpoint.js';
import type { ModelConfig } from '../model/config.js';

export interface HfExportInput {
  config: ModelConfig;
  params: Map<string, Float32Array>;
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
    tokenizer: input.tokenizer,
    // transformers needs tokenizer_config.json to pick PreTrainedTokenizerFast; write a minimal one if absent
    tokenizerConfig: input.tokenizerConfig ?? { tokenizer_class: 'PreTrainedTokenizerFast' },
    trainerState: null,
  });
  return fs;
}
