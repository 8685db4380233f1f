/**
 * The character-level tokenizer of the built-in tasks: special tokens first (<pad> = 0, <eos> = 1,
 * optional <bos>), then one id per character of an explicit alphabet. Saved as an HF tokenizer.json that
 * `tokenizers`/`transformers` load: a BPE model with no merges (every character is a vocab entry, and
 * BPE without merges never joins them), a Split pre-tokenizer isolating each character, and a Fuse
 * decoder so decoding concatenates instead of joining with spaces. (WordLevel would serve too, but
 * @huggingface/tokenizers, the browser loader, has no WordLevel model.)
 */

import type { DecodeOptions, Tokenizer } from './tokenizer.js';
import { TokenizerError } from './tokenizer.js';

/** Digits, arithmetic and punctuation: with <pad> and <eos>, 32 tokens (the default preset's vocab_size). */
export const DEFAULT_ALPHABET = '0123456789 +-*/%=<>()[]{},.:?!';

export interface CharTokenizerOptions {
  alphabet?: string;
  pad?: string;
  eos?: string;
  /** A BOS token, added after <pad>/<eos>; none by default. */
  bos?: string | null;
}

const SPLIT_EVERY_CHARACTER = {
  type: 'Split',
  pattern: { Regex: '[\\s\\S]' },
  behavior: 'Isolated',
  invert: false,
};

export class CharTokenizer implements Tokenizer {
  readonly vocabSize: number;
  readonly eosId: number;
  readonly padId: number;
  readonly bosId?: number;
  /** id -> token text (specials included). */
  readonly tokens: readonly string[];
  private readonly ids: Map<string, number>;
  private readonly specials: readonly string[];
  /** tokenizer_config.json fields this tokenizer does not write itself (a chat_template), kept on save. */
  private readonly extraConfig: Record<string, unknown> = {};

  constructor(options: CharTokenizerOptions = {}) {
    const alphabet = [...(options.alphabet ?? DEFAULT_ALPHABET)];
    const specials = [options.pad ?? '<pad>', options.eos ?? '<eos>'];
    if (options.bos) specials.push(options.bos);
    if (new Set(alphabet).size !== alphabet.length)
      throw new TokenizerError('char tokenizer: alphabet repeats a character');
    for (const s of specials) {
      if ([...s].length < 2)
        throw new TokenizerError(`char tokenizer: special token "${s}" must be longer than one character`);
    }
    if (new Set(specials).size !== specials.length)
      throw new TokenizerError('char tokenizer: special tokens repeat');
    this.tokens = [...specials, ...alphabet];
    this.ids = new Map(this.tokens.map((t, i) => [t, i]));
    this.specials = specials;
    this.vocabSize = this.tokens.length;
    this.padId = 0;
    this.eosId = 1;
    if (options.bos) this.bosId = 2;
  }

  get alphabet(): string {
    return this.tokens.slice(this.specials.length).join('');
  }

  /** One id per character; special-token texts (e.g. "<eos>") map to their id, as HF added tokens do. */
  encode(text: string): number[] {
    const out: number[] = [];
    let i = 0;
    outer: while (i < text.length) {
      for (const s of this.specials) {
        if (text.startsWith(s, i)) {
          out.push(this.ids.get(s)!);
          i += s.length;
          continue outer;
        }
      }
      const ch = String.fromCodePoint(text.codePointAt(i)!);
      const id = this.ids.get(ch);
      if (id === undefined)
        throw new TokenizerError(
          `char tokenizer: character ${JSON.stringify(ch)} at ${i} is not in the alphabet ${JSON.stringify(this.alphabet)}`,
        );
      out.push(id);
      i += ch.length;
    }
    return out;
  }

  decode(ids: readonly number[], options: DecodeOptions = {}): string {
    let s = '';
    for (const id of ids) {
      const t = this.tokens[id];
      if (t === undefined)
        throw new TokenizerError(`char tokenizer: id ${id} outside [0, ${this.vocabSize})`);
      if (options.skipSpecialTokens && id < this.specials.length) continue;
      s += t;
    }
    return s;
  }

  toJSON(): Record<string, unknown> {
    return {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: this.specials.map((content, id) => ({
        id,
        content,
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: false,
        special: true,
      })),
      normalizer: null,
      pre_tokenizer: SPLIT_EVERY_CHARACTER,
      post_processor: null,
      decoder: { type: 'Fuse' },
      model: {
        type: 'BPE',
        dropout: null,
        unk_token: null,
        continuing_subword_prefix: null,
        end_of_word_suffix: null,
        fuse_unk: false,
        byte_fallback: false,
        ignore_merges: false,
        vocab: Object.fromEntries(this.tokens.map((t, i) => [t, i])),
        merges: [],
      },
    };
  }

  tokenizerConfig(): Record<string, unknown> {
    return {
      ...this.extraConfig,
      tokenizer_class: 'PreTrainedTokenizerFast',
      pad_token: this.tokens[this.padId],
      eos_token: this.tokens[this.eosId],
      ...(this.bosId !== undefined ? { bos_token: this.tokens[this.bosId] } : {}),
      clean_up_tokenization_spaces: false,
      model_max_length: 1_000_000,
    };
  }

  /**
   * Rebuilds a CharTokenizer from JSON it wrote; null when the file is some other tokenizer. `config`
   * (tokenizer_config.json) contributes the fields it does not derive, such as a chat_template.
   */
  static fromJSON(json: unknown, config: Record<string, unknown> = {}): CharTokenizer | null {
    const j = json as {
      added_tokens?: { id: number; content: string }[];
      pre_tokenizer?: unknown;
      model?: { type?: string; merges?: unknown[]; vocab?: Record<string, number> };
    } | null;
    if (j?.model?.type !== 'BPE' || !Array.isArray(j.model.merges) || j.model.merges.length !== 0)
      return null;
    if (JSON.stringify(j.pre_tokenizer) !== JSON.stringify(SPLIT_EVERY_CHARACTER)) return null;
    const addedTokens = j.added_tokens ?? [];
    const isToken = (t: unknown) =>
      typeof (t as { id?: unknown } | null)?.id === 'number' &&
      typeof (t as { content?: unknown }).content === 'string';
    // anything else is not a file this class wrote: HfTokenizer reads it, or says what is wrong
    if (!Array.isArray(addedTokens) || !addedTokens.every(isToken)) return null;
    if (typeof j.model.vocab !== 'object' || j.model.vocab === null) return null;
    if (!Object.values(j.model.vocab).every((id) => typeof id === 'number')) return null;
    const specials = [...addedTokens].sort((a, b) => a.id - b.id).map((t) => t.content);
    if (specials.length < 2 || specials.length > 3) return null;
    const vocab = Object.entries(j.model.vocab ?? {}).sort((a, b) => a[1] - b[1]);
    if (vocab.some(([, id], i) => id !== i)) return null;
    const alphabet = vocab.slice(specials.length).map(([t]) => t);
    if (alphabet.some((t) => [...t].length !== 1)) return null;
    const tok = new CharTokenizer({
      alphabet: alphabet.join(''),
      pad: specials[0],
      eos: specials[1],
      bos: specials[2] ?? null,
    });
    if (!tok.tokens.every((t, i) => vocab[i]?.[0] === t)) return null; // vocab may be shorter than the specials
    Object.assign(tok.extraConfig, config);
    return tok;
  }
}
