/**
 * Any Hugging Face tokenizer.json (byte-level BPE as GPT-2/Qwen2/SmolLM2 use, SentencePiece-style BPE
 * with byte fallback as Llama uses, ...) through @huggingface/tokenizers, the pure-JS port that runs
 * in the browser and Node. Two departures from that library's defaults: decoding does not "clean up
 * tokenization spaces" unless tokenizer_config.json asks for it (so decode(encode(x)) = x, which reward
 * functions rely on), and an empty id list decodes to "" instead of throwing.
 */

import { Tokenizer as HfBackend } from '@huggingface/tokenizers';
import { previewJson } from '../json-depth.js';
import { type DecodeOptions, type EncodeOptions, type Tokenizer, TokenizerError } from './tokenizer.js';

/** EOS names tried, in order, when tokenizer_config.json does not name one. */
const KNOWN_EOS = ['<|endoftext|>', '<|end_of_text|>', '<|im_end|>', '</s>', '<eos>'];

export interface SpecialIds {
  eosId?: number;
  bosId?: number;
  padId?: number;
}

function tokenName(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as { content?: unknown }).content === 'string')
    return (v as { content: string }).content;
  return undefined;
}

export class HfTokenizer implements Tokenizer {
  readonly vocabSize: number;
  readonly eosId: number;
  readonly bosId?: number;
  readonly padId?: number;
  private readonly cleanUpSpaces: boolean;

  private constructor(
    private readonly backend: HfBackend,
    private readonly json: Record<string, unknown>,
    private readonly config: Record<string, unknown>,
    ids: SpecialIds,
  ) {
    let max = -1;
    for (const id of backend.get_vocab(true).values()) max = Math.max(max, id);
    this.vocabSize = max + 1;
    const idOf = (key: string) => {
      const name = tokenName(config[key]);
      return name === undefined ? undefined : backend.token_to_id(name);
    };
    const eos =
      ids.eosId ??
      idOf('eos_token') ??
      KNOWN_EOS.map((t) => backend.token_to_id(t)).find((id) => id !== undefined);
    if (eos === undefined)
      throw new TokenizerError(
        'tokenizer.json: no end-of-sequence token found (name one as eos_token in tokenizer_config.json)',
      );
    this.eosId = eos;
    this.bosId = ids.bosId ?? idOf('bos_token');
    this.padId = ids.padId ?? idOf('pad_token');
    this.cleanUpSpaces = config.clean_up_tokenization_spaces === true;
  }

  /** Wraps a parsed tokenizer.json; `config` is tokenizer_config.json ({} when absent). */
  static fromJSON(json: unknown, config: Record<string, unknown> = {}, ids: SpecialIds = {}): HfTokenizer {
    if (typeof json !== 'object' || json === null || Array.isArray(json))
      throw new TokenizerError('tokenizer.json: expected a JSON object');
    const full = {
      added_tokens: [],
      normalizer: null,
      pre_tokenizer: null,
      post_processor: null,
      decoder: null,
      ...json,
    };
    if (!('model' in full)) throw new TokenizerError('tokenizer.json: missing "model"');
    checkShape(full);
    if (typeof config !== 'object' || config === null || Array.isArray(config))
      throw new TokenizerError(`tokenizer_config.json: expected a JSON object (got ${previewJson(config)})`);
    // the library checks little up front and may fail later with a TypeError: all of it is wrapped
    try {
      return new HfTokenizer(new HfBackend(full, config), json as Record<string, unknown>, config, ids);
    } catch (e) {
      if (e instanceof TokenizerError) throw e;
      throw new TokenizerError(
        `tokenizer.json: @huggingface/tokenizers cannot load it (${(e as Error).message})`,
      );
    }
  }

  encode(text: string, options: EncodeOptions = {}): number[] {
    try {
      return this.backend.encode(text, { add_special_tokens: options.addSpecialTokens ?? true }).ids;
    } catch (e) {
      throw new TokenizerError(
        `tokenizer: @huggingface/tokenizers failed to encode ${previewJson(text)} (${(e as Error).message}); is tokenizer.json damaged?`,
      );
    }
  }

  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    if (ids.length === 0) return '';
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize)
        throw new TokenizerError(`tokenizer: id ${id} outside [0, ${this.vocabSize})`);
    }
    try {
      return this.backend.decode([...ids], {
        skip_special_tokens: options.skipSpecialTokens ?? false,
        clean_up_tokenization_spaces: this.cleanUpSpaces,
      });
    } catch (e) {
      throw new TokenizerError(
        `tokenizer: @huggingface/tokenizers failed to decode ids ${previewJson(ids)} (${(e as Error).message}); is tokenizer.json damaged?`,
      );
    }
  }

  toJSON(): Record<string, unknown> {
    return this.json;
  }

  tokenizerConfig(): Record<string, unknown> {
    return this.config;
  }
}

/**
 * The largest token id accepted: the library allocates a table as long as the largest id (an id of
 * 2^31 took minutes and gigabytes), and the largest real vocabularies have about 262,144 entries.
 */
const MAX_TOKEN_ID = 2 ** 21 - 1;

/** What the library reads without checking: `model` an object with a `type`, added tokens `{id, content}`. */
function checkShape(full: Record<string, unknown>): void {
  const model = full.model;
  if (typeof model !== 'object' || model === null || Array.isArray(model))
    throw new TokenizerError(`tokenizer.json: "model" must be an object (got ${previewJson(model)})`);
  if (typeof (model as { type?: unknown }).type !== 'string')
    throw new TokenizerError(
      `tokenizer.json: "model" has no "type" (BPE, WordPiece, Unigram); got ${previewJson((model as { type?: unknown }).type)}`,
    );
  const vocab = (model as { vocab?: unknown }).vocab;
  if (vocab !== null && typeof vocab === 'object' && !Array.isArray(vocab)) {
    for (const [token, id] of Object.entries(vocab)) {
      if (!Number.isSafeInteger(id) || id < 0 || id > MAX_TOKEN_ID)
        throw new TokenizerError(
          `tokenizer.json: model.vocab gives ${previewJson(token)} the id ${previewJson(id)}; ids are integers 0..${MAX_TOKEN_ID}`,
        );
    }
  }
  const added = full.added_tokens;
  if (!Array.isArray(added))
    throw new TokenizerError(`tokenizer.json: "added_tokens" must be a list (got ${previewJson(added)})`);
  added.forEach((t, i) => {
    const { id, content } = (t ?? {}) as { id?: unknown; content?: unknown };
    if (
      typeof t !== 'object' ||
      !Number.isSafeInteger(id) ||
      (id as number) < 0 ||
      (id as number) > MAX_TOKEN_ID ||
      typeof content !== 'string'
    )
      throw new TokenizerError(
        `tokenizer.json: added_tokens[${i}] must be {"id": an integer 0..${MAX_TOKEN_ID}, "content": a string, ...} (got ${previewJson(t)})`,
      );
  });
}
