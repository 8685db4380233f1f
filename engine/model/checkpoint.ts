/**
 * A checkpoint folder in the Hugging Face layout, as plain data: config.json, model.safetensors (or
 * shards with model.safetensors.index.json), tokenizer.json + tokenizer_config.json (+ chat_template.jinja,
 * where newer transformers saves the chat template), and optional TabRL training state in
 * trainer_state.json + trainer_state.safetensors (names `transformers` ignores, so the
 * folder still loads there). Files go through `CheckpointFs`, so Node uses node:fs (checkpoint-node.ts)
 * and the browser File/OPFS/IndexedDB.
 */

import { ConfigError, type ModelConfig, parseHfConfig, toHfConfig } from './config.js';
import { folderManifest, MANIFEST_FILE, manifestBytes } from './folder-manifest.js';
import {
  describeArrival,
  describeLoadProblem,
  expectedKind,
  HTML_FIX,
  LoadError,
  looksLikeHtml,
  parseJsonObjectFile,
} from './load-error.js';
import type { NameLayout } from './param-names.js';
import {
  loadShardedSafetensors,
  parseSafetensors,
  readParams,
  SafetensorsError,
  type StoredParams,
  singleFileSource,
  type TensorToWrite,
  writeParams,
  writeSafetensors,
} from './safetensors.js';

/** A folder: paths are file names relative to it. `readFile` returns null when the file does not exist. */
export interface CheckpointFs {
  readFile(name: string): Promise<Uint8Array | null>;
  writeFile(name: string, data: Uint8Array): Promise<void>;
  /** Where a file of this folder lives (its URL or path), for messages. */
  where?(name: string): string;
  /** Why `readFile` returned null, when it was more than "no such file" (e.g. an HTML page arrived). */
  absentReason?(name: string): string | undefined;
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
  /**
   * How model.safetensors spelled the names (param-names.ts); writing the checkpoint back uses the same
   * names. Absent: `prefixed`, what save_pretrained writes.
   */
  nameLayout?: NameLayout;
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

export class CheckpointError extends LoadError {
  constructor(message: string) {
    super(message);
    this.name = 'CheckpointError';
  }
}

/** The advice for a checkpoint file that arrived but is unusable. */
const REPLACE_FIX =
  'Copy the file again from the checkpoint it came from (a download or copy may have been cut short), or choose another model';

const whereIn = (fs: CheckpointFs, name: string) => fs.where?.(name) ?? name;

function parseJsonFile(fs: CheckpointFs, name: string, bytes: Uint8Array): Record<string, unknown> {
  return parseJsonObjectFile(name, bytes, {
    where: whereIn(fs, name),
    fix: REPLACE_FIX,
    error: CheckpointError,
  });
}

/** A file the folder may lack: null when absent, also when an HTML page arrived in its place. */
export async function readOptional(fs: CheckpointFs, name: string): Promise<Uint8Array | null> {
  const bytes = await fs.readFile(name);
  return bytes && !looksLikeHtml(bytes) ? bytes : null;
}

/** A file the folder must have: its bytes, or a CheckpointError saying what arrived and what to do. */
export async function readRequired(fs: CheckpointFs, name: string, fix: string): Promise<Uint8Array> {
  const bytes = await fs.readFile(name);
  const where = whereIn(fs, name);
  if (bytes && looksLikeHtml(bytes))
    throw new CheckpointError(
      describeLoadProblem({
        file: name,
        where,
        problem: `an HTML page arrived instead of the ${expectedKind(name)}`,
        fix: HTML_FIX,
      }),
    );
  if (!bytes) {
    const why = fs.absentReason?.(name);
    throw new CheckpointError(
      describeLoadProblem({ file: name, where, problem: `not found${why ? ` (${why})` : ''}`, fix }),
    );
  }
  return bytes;
}

/** A safetensors file's refusal: what arrived first, the parser's words on the second line. */
function safetensorsProblem(
  fs: CheckpointFs,
  name: string,
  bytes: Uint8Array,
  e: SafetensorsError,
): CheckpointError {
  const where = whereIn(fs, name);
  if (e.tensor !== undefined || /does not contain|not in this|weight_map/.test(e.message)) {
    const what = e.message.replace(/^safetensors: (tensor "[^"]*": )?/, '');
    return new CheckpointError(
      describeLoadProblem({
        file: name,
        where,
        problem: `${e.tensor !== undefined ? `tensor "${e.tensor}" does not fit config.json` : 'its tensors do not fit config.json'} (${what})`,
        fix: 'Use the config.json that was saved with these weights (same model_type, sizes and layer count)',
      }),
    );
  }
  const problem =
    bytes.length < 8
      ? `not a safetensors file: ${describeArrival(bytes)}`
      : /runs past the end|truncated/.test(e.message)
        ? `the file is cut short (${bytes.length} bytes, fewer than its header says)`
        : `not a readable safetensors file (${describeArrival(bytes)})`;
  return new CheckpointError(
    describeLoadProblem({ file: name, where, problem, fix: REPLACE_FIX, detail: e.message }),
  );
}

const jsonBytes = (value: unknown) => new TextEncoder().encode(`${JSON.stringify(value, null, 2)}\n`);

/** The folder's config.json as a ModelConfig (a few KB: enough to decide whether the weights are worth reading). */
export async function readCheckpointConfig(fs: CheckpointFs): Promise<ModelConfig> {
  const F = CHECKPOINT_FILES;
  const configBytes = await readRequired(
    fs,
    F.config,
    'A model folder needs its config.json beside model.safetensors: check the model name or path',
  );
  try {
    return parseHfConfig(parseJsonFile(fs, F.config, configBytes));
  } catch (e) {
    if (e instanceof ConfigError)
      throw new CheckpointError(
        describeLoadProblem({
          file: F.config,
          where: whereIn(fs, F.config),
          problem: e.message.replace(/^config\.json: /, ''),
          fix: 'TabRL reads gpt2, llama and qwen2 configs as transformers saves them: fix the field, or re-save the model with transformers',
        }),
      );
    throw e;
  }
}

/**
 * Reads a checkpoint folder; every refusal names the file, where it came from, what is wrong and what
 * to do. Optional files (sharded index, tokenizer files, chat_template.jinja, trainer state) that are
 * absent, or that arrive as an HTML page (a static host's answer for a missing file), count as absent.
 */
export async function readCheckpoint(fs: CheckpointFs): Promise<Checkpoint> {
  const F = CHECKPOINT_FILES;
  const config = await readCheckpointConfig(fs);

  let stored: StoredParams;
  const weightsFile = await fs.readFile(F.weights);
  const single = weightsFile && !looksLikeHtml(weightsFile) ? weightsFile : null;
  if (single) {
    try {
      stored = readParams(config, singleFileSource(parseSafetensors(single)));
    } catch (e) {
      if (e instanceof SafetensorsError) throw safetensorsProblem(fs, F.weights, single, e);
      throw e;
    }
  } else {
    const index = await readOptional(fs, F.weightsIndex);
    if (!index && weightsFile) await readRequired(fs, F.weights, ''); // an HTML page: say so
    if (!index)
      throw new CheckpointError(
        describeLoadProblem({
          file: F.weights,
          where: whereIn(fs, F.weights),
          problem: `not found, and no ${F.weightsIndex} for sharded weights either${fs.absentReason?.(F.weights) ? ` (${fs.absentReason(F.weights)})` : ''}`,
          fix: 'A model folder needs its weights beside config.json: copy model.safetensors (or its shards and index) into it',
        }),
      );
    let shardName: string = F.weightsIndex;
    let shardBytes = index;
    try {
      const source = await loadShardedSafetensors(parseJsonFile(fs, F.weightsIndex, index), async (shard) => {
        shardName = shard;
        const bytes = await readRequired(
          fs,
          shard,
          `${F.weightsIndex} lists it: copy every shard into the folder`,
        );
        shardBytes = bytes;
        return bytes;
      });
      stored = readParams(config, source);
    } catch (e) {
      if (e instanceof SafetensorsError) throw safetensorsProblem(fs, shardName, shardBytes, e);
      throw e;
    }
  }

  const tokenizerBytes = await readOptional(fs, F.tokenizer);
  const tokenizerConfigBytes = await readOptional(fs, F.tokenizerConfig);
  const tokenizerConfig = tokenizerConfigBytes
    ? parseJsonFile(fs, F.tokenizerConfig, tokenizerConfigBytes)
    : null;
  return {
    config,
    params: stored.params,
    nameLayout: stored.layout,
    tokenizer: tokenizerBytes ? parseJsonFile(fs, F.tokenizer, tokenizerBytes) : null,
    tokenizerConfig: withChatTemplateFile(tokenizerConfig, await readOptional(fs, F.chatTemplate)),
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
  const jsonFile = await readOptional(fs, F.trainerJson);
  const tensorFile = await readOptional(fs, F.trainerTensors);
  if (!jsonFile && !tensorFile) return null;
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  if (tensorFile) {
    try {
      const file = parseSafetensors(tensorFile);
      for (const [name, e] of file.tensors) tensors.set(name, { shape: e.shape, data: file.float32(name) });
    } catch (e) {
      if (e instanceof SafetensorsError) throw safetensorsProblem(fs, F.trainerTensors, tensorFile, e);
      throw e;
    }
  }
  return { json: jsonFile ? parseJsonFile(fs, F.trainerJson, jsonFile) : {}, tensors };
}

/**
 * Writes a checkpoint folder that `transformers` loads unchanged (F32 weights, names in ckpt.nameLayout),
 * with files.json listing what it wrote (folder-manifest.ts), so the folder can be served from any host.
 */
export async function writeCheckpoint(fs: CheckpointFs, ckpt: Checkpoint): Promise<void> {
  const F = CHECKPOINT_FILES;
  // every file goes through `put`, so files.json lists exactly what this call wrote
  const written = new Map<string, Uint8Array>();
  const put = async (name: string, bytes: Uint8Array) => {
    written.set(name, bytes);
    await fs.writeFile(name, bytes);
  };
  await put(F.config, jsonBytes({ ...toHfConfig({ ...ckpt.config, torchDtype: 'float32' }) }));
  await put(F.weights, writeParams(ckpt.config, ckpt.params, ckpt.nameLayout));
  if (ckpt.tokenizer) await put(F.tokenizer, jsonBytes(ckpt.tokenizer));
  if (ckpt.tokenizerConfig) await put(F.tokenizerConfig, jsonBytes(ckpt.tokenizerConfig));
  if (ckpt.trainerState) {
    await put(F.trainerJson, jsonBytes(ckpt.trainerState.json));
    const tensors: TensorToWrite[] = [...ckpt.trainerState.tensors].map(([name, t]) => ({ name, ...t }));
    await put(F.trainerTensors, writeSafetensors(tensors, { format: 'tabrl-trainer-state' }));
  }
  await fs.writeFile(MANIFEST_FILE, manifestBytes(await folderManifest(written)));
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
