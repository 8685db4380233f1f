/**
 * A learned reward: a sequence-classification model exported to ONNX (inputs `input_ids` and
 * `attention_mask` int64 [B,T], optional `token_type_ids`; output `logits` [B,L]) with its own
 * tokenizer.json, run through onnxruntime-web. Each completion's text (after the prompt, or alone)
 * is tokenized, right-padded into batches, classified, and the reward is the configured label's
 * softmax probability or raw logit. Departures from HF pipelines: a text longer than max_length keeps
 * its last tokens (the completion is what is judged), and an empty text is one pad token, attended.
 */

import type * as Ort from 'onnxruntime-web';
import { previewJson } from '../json-depth.js';
import { type CheckpointFs, readOptional, readRequired } from '../model/checkpoint.js';
import { describeLoadProblem, LoadError, parseJsonObjectFile } from '../model/load-error.js';
import { tokenizerFromJSON } from '../tokenizers/load.js';
import type { Tokenizer } from '../tokenizers/tokenizer.js';
import type { RewardModelInfo } from './onnx-info.js';
import type { RewardModelInput, RewardModelOptions, RewardModelOutput } from './onnx-options.js';
import {
  createOnnxSession,
  loadOnnxRuntime,
  type OnnxPlacement,
  type OrtExecutionProvider,
  type OrtProviderRefusal,
} from './onnx-runtime.js';

/** The files of a reward-model folder, as read. */
export interface RewardModelFiles {
  /** model.onnx */
  model: Uint8Array;
  /** tokenizer.json */
  tokenizer: unknown;
  /** tokenizer_config.json, when present. */
  tokenizerConfig: Record<string, unknown> | null;
  /** config.json (id2label, pad_token_id), when present. */
  config: Record<string, unknown> | null;
}

/** One text to classify: the prompt and its completion (EOS stripped). */
export interface RewardModelText {
  prompt: string;
  completion: string;
}

/** A padded batch: ids and mask [B,T] row-major. */
export interface PaddedBatch {
  ids: number[];
  mask: number[];
  rows: number;
  length: number;
}

/** The text the classifier reads. prompt_completion: '12+34=' + '46' -> '12+34=46'; completion: '46'. */
export function classifierText(input: RewardModelInput, text: RewardModelText): string {
  switch (input) {
    case 'prompt_completion':
      return text.prompt + text.completion;
    case 'completion':
      return text.completion;
    default:
      return input satisfies never;
  }
}

/**
 * Right-pads token lists to the longest (after keeping each one's last `maxLength` tokens).
 * [[5,6,7],[8]] with pad 0 -> ids [5,6,7, 8,0,0], mask [1,1,1, 1,0,0]; [] becomes [pad] attended.
 */
export function padBatch(tokenLists: readonly number[][], padId: number, maxLength: number): PaddedBatch {
  const kept = tokenLists.map((ids) => (ids.length === 0 ? [padId] : ids.slice(-maxLength)));
  const length = Math.max(1, ...kept.map((ids) => ids.length));
  const ids: number[] = [];
  const mask: number[] = [];
  for (const row of kept) {
    for (let t = 0; t < length; t++) {
      ids.push(t < row.length ? row[t] : padId);
      mask.push(t < row.length ? 1 : 0);
    }
  }
  return { ids, mask, rows: kept.length, length };
}

/**
 * The class index a `label` names: an index in [0, numLabels), or a name from config.json's id2label
 * ({"0": "NEGATIVE", "1": "POSITIVE"}: 'POSITIVE' -> 1; names match exactly, then ignoring case).
 */
export function resolveLabel(
  label: number | string,
  id2label: Record<string, string> | null,
  numLabels: number,
): number {
  if (typeof label === 'number') {
    if (label < numLabels) return label;
    throw new Error(`label ${label} is outside the model's ${numLabels} classes (0..${numLabels - 1})`);
  }
  const entries = Object.entries(id2label ?? {});
  const found =
    entries.find(([, name]) => name === label) ??
    entries.find(([, name]) => name.toLowerCase() === label.toLowerCase());
  if (found) {
    const index = Number(found[0]);
    if (Number.isInteger(index) && index >= 0 && index < numLabels) return index;
    throw new Error(`label "${label}" has id ${found[0]} in id2label, outside 0..${numLabels - 1}`);
  }
  if (/^\d+$/.test(label) && Number(label) < numLabels) return Number(label);
  const names = entries.map(([, name]) => JSON.stringify(name)).join(', ');
  throw new Error(
    `label "${label}" is not in config.json's id2label (${names || 'the folder has none'}); give a class index or one of those names`,
  );
}

/** One row's reward from its logits [L]: softmax probability (float64, max-shifted) or the raw logit. */
export function labelReward(
  logits: ArrayLike<number>,
  labelIndex: number,
  output: RewardModelOutput,
): number {
  switch (output) {
    case 'logit':
      return logits[labelIndex];
    case 'probability': {
      let max = Number.NEGATIVE_INFINITY;
      for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]);
      let sum = 0;
      for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i] - max);
      return Math.exp(logits[labelIndex] - max) / sum;
    }
    default:
      return output satisfies never;
  }
}

/**
 * What TabRL reads of a reward model's config.json, checked: id2label ({"0": "NEGATIVE", "1":
 * "POSITIVE"}, null when absent) and pad_token_id. A number as id2label made resolveLabel fail with a
 * TypeError, and a pad id of 1.5 made BigInt() fail while scoring; both are LoadErrors here.
 */
export function readRewardConfig(
  config: Record<string, unknown>,
  where: string,
): { id2label: Record<string, string> | null; padId: number | undefined } {
  const refuse = (problem: string, fix: string) =>
    new LoadError(describeLoadProblem({ file: 'config.json', where, problem, fix }));
  const id2label = config.id2label ?? null;
  if (
    id2label !== null &&
    (typeof id2label !== 'object' ||
      Array.isArray(id2label) ||
      Object.values(id2label).some((name) => typeof name !== 'string'))
  )
    throw refuse(
      `id2label must map class indices to names (got ${previewJson(id2label)})`,
      'Write it as {"0": "NEGATIVE", "1": "POSITIVE"}, as transformers saves it, or remove it and give reward_models[].label as an index',
    );
  const pad = config.pad_token_id ?? undefined;
  if (pad !== undefined && !(Number.isSafeInteger(pad) && (pad as number) >= 0))
    throw refuse(
      `pad_token_id must be a token id (got ${previewJson(pad)})`,
      "Set it to the tokenizer's pad id or null",
    );
  return { id2label: id2label as Record<string, string> | null, padId: pad as number | undefined };
}

const REWARD_FOLDER_FIX =
  'A reward model folder holds model.onnx, tokenizer.json and config.json (with id2label), as optimum exports them: check reward_models[].path';

/** Reads model.onnx, tokenizer.json, and (when present) tokenizer_config.json and config.json. */
export async function readRewardModelFiles(folder: CheckpointFs, where: string): Promise<RewardModelFiles> {
  const json = (file: string, bytes: Uint8Array) =>
    parseJsonObjectFile(file, bytes, {
      where: `reward model ${where}${folder.where ? `, ${folder.where(file)}` : ''}`,
      fix: REWARD_FOLDER_FIX,
    });
  const required = (file: string) =>
    readRequired(folder, file, REWARD_FOLDER_FIX).catch((e: Error) => {
      throw new LoadError(`reward model ${where}: ${e.message}`);
    });
  const [model, tokenizer, tokenizerConfig, config] = await Promise.all([
    required('model.onnx'),
    required('tokenizer.json'),
    readOptional(folder, 'tokenizer_config.json'),
    readOptional(folder, 'config.json'),
  ]);
  return {
    model,
    tokenizer: json('tokenizer.json', tokenizer),
    tokenizerConfig: tokenizerConfig ? json('tokenizer_config.json', tokenizerConfig) : null,
    config: config ? json('config.json', config) : null,
  };
}

export class OnnxRewardModel {
  private disposed = false;

  private constructor(
    readonly options: RewardModelOptions,
    readonly tokenizer: Tokenizer,
    private readonly session: Ort.InferenceSession,
    private readonly ort: typeof Ort,
    readonly executionProvider: OrtExecutionProvider,
    /** Providers that refused the model before `executionProvider`, with onnxruntime-web's message. */
    readonly refused: readonly OrtProviderRefusal[],
    readonly labelIndex: number,
    readonly numLabels: number,
    readonly padId: number,
    private readonly logitsName: string,
    private readonly wantsTokenTypes: boolean,
  ) {}

  /** Loads the folder `options.path` names, opened by `open` (the CLI maps it to disk, the lab to fetch). */
  static async load(
    options: RewardModelOptions,
    open: (path: string) => CheckpointFs,
    placement: OnnxPlacement = {},
  ): Promise<OnnxRewardModel> {
    const where = `"${options.name}" (${options.path})`;
    return OnnxRewardModel.fromFiles(
      options,
      await readRewardModelFiles(open(options.path), where),
      placement,
    );
  }

  static async fromFiles(
    options: RewardModelOptions,
    files: RewardModelFiles,
    placement: OnnxPlacement = {},
  ): Promise<OnnxRewardModel> {
    const where = `reward model "${options.name}" (${options.path})`;
    const tokenizer = tokenizerFromJSON(files.tokenizer, files.tokenizerConfig);
    const ort = await loadOnnxRuntime();
    const { session, executionProvider, refused } = await createOnnxSession(files.model, placement);
    try {
      for (const name of ['input_ids', 'attention_mask']) {
        if (!session.inputNames.includes(name)) {
          throw new Error(
            `${where}: model.onnx has no input "${name}" (inputs: ${session.inputNames.join(', ')})`,
          );
        }
      }
      const extra = session.inputNames.filter(
        (n) => n !== 'input_ids' && n !== 'attention_mask' && n !== 'token_type_ids',
      );
      if (extra.length > 0)
        throw new Error(`${where}: model.onnx wants inputs TabRL does not give: ${extra.join(', ')}`);
      const logitsName = session.outputNames.includes('logits') ? 'logits' : session.outputNames[0];
      const { id2label, padId: configPad } = readRewardConfig(files.config ?? {}, where);
      const numLabels = await OnnxRewardModel.countLabels(session, ort, logitsName, where);
      const labelIndex = resolveLabel(options.label, id2label, numLabels);
      const padId = tokenizer.padId ?? configPad ?? 0;
      return new OnnxRewardModel(
        options,
        tokenizer,
        session,
        ort,
        executionProvider,
        refused,
        labelIndex,
        numLabels,
        padId,
        logitsName,
        session.inputNames.includes('token_type_ids'),
      );
    } catch (e) {
      await session.release();
      throw e instanceof Error && e.message.startsWith(where)
        ? e
        : new Error(`${where}: ${(e as Error).message}`);
    }
  }

  /** L of logits [B,L], from one probe run on a single pad token (the ONNX output shape may be symbolic). */
  private static async countLabels(
    session: Ort.InferenceSession,
    ort: typeof Ort,
    logitsName: string,
    where: string,
  ): Promise<number> {
    const one = () => new ort.Tensor('int64', new BigInt64Array([1n]), [1, 1]);
    const feeds: Record<string, Ort.Tensor> = {
      input_ids: new ort.Tensor('int64', new BigInt64Array(1), [1, 1]),
    };
    feeds.attention_mask = one();
    if (session.inputNames.includes('token_type_ids'))
      feeds.token_type_ids = new ort.Tensor('int64', new BigInt64Array(1), [1, 1]);
    const out = (await session.run(feeds))[logitsName];
    if (out.dims.length !== 2 || out.dims[0] !== 1) {
      throw new Error(
        `${where}: output "${logitsName}" has shape [${out.dims.join(',')}] for one text, not [1,L]`,
      );
    }
    return out.dims[1];
  }

  /** Name, label and execution provider, as the lab and the CLI report them (onnx-info.ts). */
  get info(): RewardModelInfo {
    return {
      name: this.options.name,
      label: this.options.label,
      labelIndex: this.labelIndex,
      executionProvider: this.executionProvider,
      refused: this.refused.map((r) => ({ ...r })),
    };
  }

  /** Token ids of one text (special tokens added as the tokenizer's post-processor says). */
  encode(text: RewardModelText): number[] {
    return this.tokenizer.encode(classifierText(this.options.input, text), { addSpecialTokens: true });
  }

  /** Logits [B,L] of the texts, row-major, in batches of `batch_size`. */
  async logits(texts: readonly RewardModelText[]): Promise<Float64Array> {
    if (this.disposed) throw new Error(`reward model "${this.options.name}" was disposed`);
    const L = this.numLabels;
    const out = new Float64Array(texts.length * L);
    const { batch_size: batchSize, max_length: maxLength } = this.options;
    for (let start = 0; start < texts.length; start += batchSize) {
      const chunk = texts.slice(start, start + batchSize);
      const batch = padBatch(
        chunk.map((t) => this.encode(t)),
        this.padId,
        maxLength,
      );
      const dims = [batch.rows, batch.length];
      const int64 = (values: number[]) =>
        new this.ort.Tensor('int64', BigInt64Array.from(values, BigInt), dims);
      const feeds: Record<string, Ort.Tensor> = {
        input_ids: int64(batch.ids),
        attention_mask: int64(batch.mask),
      };
      if (this.wantsTokenTypes) feeds.token_type_ids = int64(new Array(batch.ids.length).fill(0));
      const results = await this.session.run(feeds);
      const logits = results[this.logitsName];
      try {
        if (logits.type !== 'float32' && logits.type !== 'float64') {
          throw new Error(
            `reward model "${this.options.name}": logits are ${logits.type}; export them as float32`,
          );
        }
        if (logits.dims[0] !== batch.rows || logits.dims[1] !== L) {
          throw new Error(
            `reward model "${this.options.name}": logits have shape [${logits.dims.join(',')}], expected [${batch.rows},${L}]`,
          );
        }
        const data = logits.data as Float32Array | Float64Array;
        out.set(data, start * L);
      } finally {
        for (const t of Object.values(results)) t.dispose();
      }
    }
    return out;
  }

  /** One reward per text: the label's probability or logit. */
  async score(texts: readonly RewardModelText[]): Promise<number[]> {
    const logits = await this.logits(texts);
    const L = this.numLabels;
    return texts.map((_, i) =>
      labelReward(logits.subarray(i * L, (i + 1) * L), this.labelIndex, this.options.output),
    );
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    void this.session.release();
  }
}
