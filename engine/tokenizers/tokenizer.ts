/**
 * What the engine needs from a tokenizer, whatever its kind: ids in and out, the special ids the
 * sampler and trainer stop and pad on, and the HF `tokenizer.json` it is saved as in a checkpoint.
 * Implementations: char-tokenizer.ts (built-in tasks) and hf-tokenizer.ts (any HF tokenizer.json);
 * load.ts picks between them.
 */

export interface EncodeOptions {
  /** Add what the tokenizer's post-processor adds (e.g. Llama's BOS). Default true, as HF. */
  addSpecialTokens?: boolean;
}

export interface DecodeOptions {
  /** Drop special tokens (pad, eos, bos, ...) from the text. Default false, as HF. */
  skipSpecialTokens?: boolean;
}

export interface Tokenizer {
  /** One past the largest id the tokenizer can produce (the model's vocab_size may be larger). */
  readonly vocabSize: number;
  readonly eosId: number;
  readonly bosId?: number;
  readonly padId?: number;
  encode(text: string, options?: EncodeOptions): number[];
  decode(ids: readonly number[], options?: DecodeOptions): string;
  /** The HF tokenizer.json object. */
  toJSON(): Record<string, unknown>;
  /** The HF tokenizer_config.json object that goes beside it (special-token names, tokenizer class). */
  tokenizerConfig(): Record<string, unknown>;
}

export class TokenizerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenizerError';
  }
}
