/**
 * Any Hugging Face tokenizer.json (byte-level BPE as GPT-2/Qwen2/SmolLM2 use, SentencePiece-style BPE
 * with byte fallback as Llama uses, ...) through @huggingface/tokenizers, the pure-JS port that runs
 * in the browser and Node. Two departures from that library's defaults: decoding does not "clean up
 * tokenization spaces" unless tokenizer_config.json asks for it (so decode(encode(x)) = x, which reward
 * functions rely on), and an empty id list decodes to "" instead of throwing.
 */

import { Tokenizer as HfBackend } from '@huggingface/tokenizers';
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
    let backend: HfBackend;
    try {
      backend = new HfBackend(full, config);
    } catch (e) {
      throw new TokenizerError(
        `tokenizer.json: @huggingface/tokenizers cannot load it (${(e as Error).message})`,
      );
    }
    return new HfTokenizer(backend, json as Record<string, unknown>, config, ids);
  }

  encode(text: string, options: EncodeOptions = {}): number[] {
    return this.backend.encode(text, { add_special_tokens: options.addSpecialTokens ?? true }).ids;
  }

  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    if (ids.length === 0) return '';
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || id >= this.vocabSize)
        throw new TokenizerError(`tokenizer: id ${id} outside [0, ${this.vocabSize})`);
    }
    return this.backend.decode([...ids], {
      skip_special_tokens: options.skipSpecialTokens ?? false,
      clean_up_tokenization_spaces: this.cleanUpSpaces,
    });
  }

  toJSON(): Record<string, unknown> {
    return this.json;
  }

  tokenizerConfig(): Record<string, unknown> {
    return this.config;
  }
}
