/**
 * Where a run's starting policy comes from: a named architecture preset initialised from the run's
 * seed (with a character tokenizer over the task's alphabet), or a checkpoint folder in HF layout
 * (a shipped warm start such as /models/arithmetic-sft, or a user's folder) that the host opens.
 */

import {
  type HubOptions,
  hubCheckpointFs,
  isLocalModelName,
  localCheckpointFs,
  parseHubId,
} from '../hub/index.js';
import {
  type Checkpoint,
  type CheckpointFs,
  readCheckpoint,
  readCheckpointConfig,
} from '../model/checkpoint.js';
import { MODEL_PRESETS, type ModelConfig, modelPreset, parseHfConfig, toHfConfig } from '../model/config.js';
import { initParams } from '../model/init.js';
import { describeLoadProblem, LoadError, looksLikeHtml } from '../model/load-error.js';
import type { Rng } from '../rl/random.js';
import type { Task } from '../tasks/types.js';
import { CharTokenizer, DEFAULT_ALPHABET } from '../tokenizers/char-tokenizer.js';
import { tokenizerFromJSON } from '../tokenizers/load.js';
import { type Tokenizer, TokenizerError } from '../tokenizers/tokenizer.js';

/** Opens a checkpoint folder by the name a RunConfig gives (the CLI maps to disk, the lab to fetch/IndexedDB). */
export type OpenCheckpoint = (name: string) => CheckpointFs;

export interface StartingPolicy {
  config: ModelConfig;
  values: Map<string, Float32Array>;
  tokenizer: Tokenizer;
  /** The checkpoint read, when the policy came from one (its trainer state resumes a run). */
  checkpoint: Checkpoint | null;
}

/** Applies RunConfig `model.overrides` (HF field names) to a config by round-tripping through config.json. */
export function applyOverrides(
  config: ModelConfig,
  overrides: Record<string, number | boolean | string>,
): ModelConfig {
  if (Object.keys(overrides).length === 0) return config;
  return parseHfConfig({ ...toHfConfig(config), ...overrides });
}

export interface PolicyLoadOptions {
  /** Hub ids (`org/name[@revision]`) download through this (base URL, cache, progress). */
  hub?: HubOptions;
  /** Called with the checkpoint's config before any weights are read; throws to refuse the model. */
  checkFits?: (config: ModelConfig) => void;
}

export async function loadStartingPolicy(
  choice: { name: string; overrides: Record<string, number | boolean | string> },
  task: Task,
  initRng: Rng,
  open?: OpenCheckpoint,
  options: PolicyLoadOptions = {},
): Promise<StartingPolicy> {
  if (choice.name in MODEL_PRESETS) {
    const extra = [...task.alphabet].filter((ch) => !DEFAULT_ALPHABET.includes(ch)).join('');
    const tokenizer = new CharTokenizer({ alphabet: DEFAULT_ALPHABET + extra });
    const base = {
      ...modelPreset(choice.name),
      vocabSize: tokenizer.vocabSize,
      eosTokenId: tokenizer.eosId,
      padTokenId: tokenizer.padId,
    };
    const config = applyOverrides(base, choice.overrides);
    if (config.vocabSize < tokenizer.vocabSize) {
      throw new Error(
        `model.overrides: vocab_size ${config.vocabSize} is smaller than the task's ${tokenizer.vocabSize} tokens`,
      );
    }
    return { config, values: initParams(config, () => initRng.next()), tokenizer, checkpoint: null };
  }
  const fs = await openPolicyFolder(choice.name, open, options.hub);
  if (!fs) {
    throw new Error(
      `model "${choice.name}" is neither a preset (${Object.keys(MODEL_PRESETS).join(', ')}) nor openable here`,
    );
  }
  if (options.checkFits) {
    // config.json alone (a few KB) decides whether the weights are worth downloading
    options.checkFits(applyOverrides(await readCheckpointConfig(fs), choice.overrides));
  }
  const checkpoint = await readCheckpoint(fs);
  const tokenizer = checkpointTokenizer(checkpoint, (f) => fs.where?.(f) ?? `${f} of model "${choice.name}"`);
  const config = applyOverrides(checkpoint.config, choice.overrides);
  for (const ch of task.alphabet) {
    try {
      tokenizer.encode(ch, { addSpecialTokens: false });
    } catch {
      throw new Error(
        `model "${choice.name}": its tokenizer cannot encode "${ch}", which task ${task.name} uses`,
      );
    }
  }
  return { config, values: checkpoint.params, tokenizer, checkpoint };
}

/**
 * The tokenizer of a checkpoint, or a LoadError naming tokenizer.json, where it is (`where(file)`), what
 * is wrong with it and what to do.
 */
export function checkpointTokenizer(checkpoint: Checkpoint, where: (file: string) => string): Tokenizer {
  const fix =
    'TabRL reads the tokenizer.json (and tokenizer_config.json) that transformers saves with the model: copy them from the model it came from';
  if (!checkpoint.tokenizer)
    throw new LoadError(
      describeLoadProblem({
        file: 'tokenizer.json',
        where: where('tokenizer.json'),
        problem: 'not found',
        fix,
      }),
    );
  try {
    return tokenizerFromJSON(checkpoint.tokenizer, checkpoint.tokenizerConfig);
  } catch (e) {
    if (!(e instanceof TokenizerError)) throw e;
    throw new LoadError(
      describeLoadProblem({
        file: 'tokenizer.json',
        where: where('tokenizer.json'),
        problem: e.message.replace(/^tokenizer\.json: /, ''),
        fix,
      }),
    );
  }
}

/**
 * The folder a model name names: a dropped folder (`local:NAME`, from the hub cache), else the host's
 * folder (shipped warm starts, paths on disk), else for `org/name[@revision]` ids the host does not
 * have, the Hugging Face hub.
 */
async function openPolicyFolder(
  name: string,
  open: OpenCheckpoint | undefined,
  hub: HubOptions | undefined,
): Promise<CheckpointFs | null> {
  if (isLocalModelName(name)) {
    if (!hub?.cache)
      throw new Error(
        `model "${name}": dropped model folders need the hub cache, which is not available here`,
      );
    return localCheckpointFs(name, hub.cache);
  }
  const ref = parseHubId(name, hub?.revision);
  if (open) {
    const fs = open(name);
    if (!ref || looksLikeJson(await fs.readFile('config.json').catch(() => null))) return fs;
  }
  return ref ? hubCheckpointFs(ref, hub) : null;
}

/** A found config.json, not absent nor a static host's index.html in place of a missing path. */
function looksLikeJson(bytes: Uint8Array | null): boolean {
  return (
    bytes !== null && !looksLikeHtml(bytes) && /^\s*\{/.test(new TextDecoder().decode(bytes.subarray(0, 64)))
  );
}
