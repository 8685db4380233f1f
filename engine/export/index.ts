/** Leaving TabRL: an HF folder transformers loads, a PEFT adapter, and a TRL GRPOTrainer script. */
export { exportHfFolder, HF_EXPORT_FILES, type HfExportInput } from './hf-folder.js';
export { type PeftExportInput, peftAdapterFiles, peftTargetModules } from './peft.js';
export {
  GRPO_CONFIG_FIELDS,
  grpoConfigKwargs,
  PY_PROMPTS,
  PY_REWARDS,
  runPrompts,
  TRANSFORMERS_REQUIREMENT,
  TRL_VERSION,
  type TrlScriptOptions,
  trlScript,
} from './trl-script.js';
