/**
 * θ_ref for `tabrl generate --guidance w` and `tabrl eval --guidance w` (docs/ALGORITHMS.md "Guidance at
 * inference"): the folder `--reference DIR` names, or else the θ_ref a TabRL run checkpoint saved in its
 * trainer state (KL's `ref.*` or guidance's `guidance_ref.*`). The reference must share the policy's
 * tokenizer and vocabulary; a difference is refused by name.
 */
import { type Checkpoint, readCheckpoint } from '../../engine/model/checkpoint.js';
import type { ModelConfig } from '../../engine/model/config.js';
import { checkpointReference, checkSameTokenizer } from '../../engine/train/guidance.js';
import { modelNameFromArg } from '../commands/eval.js';
import { openCheckpointOnDisk } from './training.js';

export { checkSameTokenizer };

export interface ReferenceWeights {
  config: ModelConfig;
  values: Map<string, Float32Array>;
  /** Where it came from, for the log line. */
  source: string;
}

/** --guidance w: a number in [0, 2] (default 1, the policy alone). */
export function guidanceArg(value: string | undefined): number {
  if (value === undefined) return 1;
  const w = Number(value);
  if (!(Number.isFinite(w) && w >= 0 && w <= 2))
    throw new Error(
      `--guidance must be a number from 0 to 2 (got ${value}): 0 samples the reference, 1 the policy`,
    );
  return w;
}

/** θ_ref for the policy checkpoint `policy` (read from `policyName`), from --reference or its trainer state. */
export async function loadReference(
  policy: Checkpoint,
  policyName: string,
  referenceArg: string | undefined,
): Promise<ReferenceWeights> {
  if (referenceArg !== undefined) {
    const name = modelNameFromArg(referenceArg);
    const ref = await readCheckpoint(openCheckpointOnDisk(name));
    checkSameTokenizer(policy, ref, referenceArg);
    return { config: ref.config, values: ref.params, source: name };
  }
  const saved = checkpointReference(policy.trainerState);
  const runConfig = policy.trainerState?.json.run_config as
    | { lora?: unknown; model?: { name?: string } }
    | undefined;
  if (!saved && runConfig?.lora) {
    throw new Error(
      `--guidance: ${policyName} is a LoRA run, whose θ_ref is its base with adapters off (${runConfig.model?.name ?? 'model.name'}); ` +
        'pass that base as --reference DIR',
    );
  }
  if (!saved) {
    throw new Error(
      `--guidance: ${policyName} holds no reference θ_ref (only a full fine-tune with beta > 0 or ` +
        'guidance_weight ≠ 1 saves one in its trainer state); pass --reference DIR, e.g. the model the run started from',
    );
  }
  return { config: policy.config, values: saved, source: `${policyName} (the run's θ_ref)` };
}
