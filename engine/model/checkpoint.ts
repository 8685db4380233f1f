/**
 * A checkpoint folder in the Hugging Face layout, as plain data: config.json, model.safetensors (or
 * shards with model.safetensors.index.json), tokenizer.json + tokenizer_config.json (+ chat_template.jinja,
 * where newer transformers saves the chat template), and optional TabRL training state in
 * trainer_state.json + trainer_state.safetensors (names `transformers` ignores, so the
 * folder still loads there). Files go through `CheckpointFs`, so Node uses node:fs (checkpoint-node.ts)
 * and the browser File/OPFS/IndexedDB.
 */

import { ConfigError, type ModelConfig, parseHfConfig, toHfConfig } from './config.js';
import {
  loadShardedSafetensors,
  parseSafetensors,
  readParams,
  SafetensorsError,
  singleFileSource,
  type TensorToWrite,
  writeParams,
  writeSafetensors,
} from './safetensors.js';

/** A folder: paths are file names relative to it. `readFile` returns null when the file does not exist. */
export interface CheckpointFs {
  readFile(name: string): Promise<Uint8Array | null>;
  writeFile(name: string, data: Uint8Array): Promise<void>;
}

export interface TrainerState {
  /** Free-form JSON (step, RunConfig, optimizer hyper-parameters, RNG state, ...). */
  json: Record<string, unknown>;
  /** Named float32 tensors (e.g. AdamW moments `exp_avg.<param>`), any names. */
  tensors: Map<string, { shape: number[]; data: Float32Array }>;
}

export interface Checkpoint {
  config: ModelConfig;
  /** Parameters by canonical HF name (param-names.ts), float32. */
  params: Map<string, Float32Array>;
  /** tokenizer.json as parsed JSON, or null when the folder has none. */
  tokenizer: Record<string, unknown> | null;
  /**
   * tokenizer_config.json (special-token names etc.), or null. A chat_template.jinja beside it is read
   * into its `chat_template`, as transformers reads it (below).
   */
  tokenizerConfig: Record<string, unknown> | null;
  trainerState: TrainerState | null;
}

export const CHECKPOINT_FILES = {
  config: 'config.json',
  weights: 'model.safetensors',
  weightsIndex: 'model.safetensors.index.json',
  tokenizer: 'tokenizer.json',
  tokenizerConfig: 'tokenizer_config.json',
  chatTemplate: 'chat_template.jinja',
  trainerJson: 'trainer_state.json',
  trainerTensors: 'trainer_state.safetensors',
} as const;

export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}

function parseJsonFile(name: string, bytes: Uint8Array): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new CheckpointError(`${name}: not valid JSON (${(e as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new CheckpointError(`${name}: expected a JSON object`);
  return value as Record<string, unknown>;
}

const jsonBytes = (value: unknown) => new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`);

/** Reads a checkpoint folder; every refusal names the file (and the tensor or field). */
export async function readCheckpoint(fs: CheckpointFs): Promise<Checkpoint> {
  const F = CHECKPOINT_FILES;
  const configBytes = await fs.readFile(F.config);
  if (!configBytes) throw new CheckpointError(`${F.config}: not found in the checkpoint folder`);
  let config: ModelConfig;
  try {
    config = parseHfConfig(parseJsonFile(F.config, configBytes));
  } catch (e) {
    if (e instanceof ConfigError) throw new CheckpointError(e.message);
    throw e;
  }

  let params: Map<string, Float32Array>;
  try {
    const single = await fs.readFile(F.weights);
    if (single) {
      params = readParams(config, singleFileSource(parseSafetensors(single)));
    } else {
      const index = await fs.readFile(F.weightsIndex);
      if (!index)
        throw new CheckpointError(
          `neither ${F.weights} nor ${F.weightsIndex} found in the checkpoint folder`,
        );
      const source = await loadShardedSafetensors(parseJsonFile(F.weightsIndex, index), async (shard) => {
        const bytes = await fs.readFile(shard);
        if (!bytes) throw new CheckpointError(`${shard}: listed in ${F.weightsIndex} but not found`);
        return bytes;
      });
      params = readParams(config, source);
    }
  } catch (e) {
    if (e instanceof SafetensorsError) throw new CheckpointError(`${F.weights}: ${e.message}`);
    throw e;
  }

  const tokenizerBytes = await fs.readFile(F.tokenizer);
  const tokenizerConfigBytes = await fs.readFile(F.tokenizerConfig);
  const tokenizerConfig = tokenizerConfigBytes
    ? parseJsonFile(F.tokenizerConfig, tokenizerConfigBytes)
    : null;
  return {
    config,
    params,
    tokenizer: tokenizerBytes ? parseJsonFile(F.tokenizer, tokenizerBytes) : null,
    tokenizerConfig: withChatTemplateFile(tokenizerConfig, await fs.readFile(F.chatTemplate)),
    trainerState: await readTrainerState(fs),
  };
}

/**
 * tokenizer_config.json with chat_template.jinja's text as its `chat_template`. transformers (4.5x and
 * 5.x save_pretrained) writes the template to that file instead of the config, and from_pretrained lets
 * the file win over a `chat_template` the config also carries; TabRL follows, so a run and the exported
 * TRL script see the same template. No file (the common case) leaves the config as it is.
 */
export function withChatTemplateFile(
  tokenizerConfig: Record<string, unknown> | null,
  jinja: Uint8Array | null,
): Record<string, unknown> | null {
  if (!jinja) return tokenizerConfig;
  return { ...(tokenizerConfig ?? {}), chat_template: new TextDecoder().decode(jinja) };
}

async function readTrainerState(fs: CheckpointFs): Promise<TrainerState | null> {
  const F = CHECKPOINT_FILES;
  const jsonFile = await fs.readFile(F.trainerJson);
  const tensorFile = await fs.readFile(F.trainerTensors);
  if (!jsonFile && !tensorFile) return null;
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  if (tensorFile) {
    try {
      const file = parseSafetensors(tensorFile);
      for (const [name, e] of file.tensors) tensors.set(name, { shape: e.shape, data: file.float32(name) });
    } catch (e) {
      if (e instanceof SafetensorsError) throw new CheckpointError(`${F.trainerTensors}: ${e.message}`);
      throw e;
    }
  }
  return { json: jsonFile ? parseJsonFile(F.trainerJson, jsonFile) : {}, tensors };
}

/** Writes a checkpoint folder that `transformers` loads unchanged (F32 weights, canonical names). */
export async function writeCheckpoint(fs: CheckpointFs, ckpt: Checkpoint): Promise<void> {
  const F = CHECKPOINT_FILES;
  await fs.writeFile(F.config, jsonBytes({ ...toHfConfig({ ...ckpt.config, torchDtype: 'float32' }) }));
  await fs.writeFile(F.weights, writeParams(ckpt.config, ckpt.params));
  if (ckpt.tokenizer) await fs.writeFile(F.tokenizer, jsonBytes(ckpt.tokenizer));
  if (ckpt.tokenizerConfig) await fs.writeFile(F.tokenizerConfig, jsonBytes(ckpt.tokenizerConfig));
  if (ckpt.trainerState) {
    await fs.writeFile(F.trainerJson, jsonBytes(ckpt.trainerState.json));
    const tensors: TensorToWrite[] = [...ckpt.trainerState.tensors].map(([name, t]) => ({ name, ...t }));
    await fs.writeFile(F.trainerTensors, writeSafetensors(tensors, { format: 'tabrl-trainer-state' }));
  }
}

/** An in-memory folder (tests, and the browser before it persists to OPFS/IndexedDB). */
export function memoryFs(
  files = new Map<string, Uint8Array>(),
): CheckpointFs & { files: Map<string, Uint8Array> } {
  return {
    files,
    readFile: async (name) => files.get(name) ?? null,
    writeFile: async (name, data) => {
      files.set(name, data);
    },
  };
}
