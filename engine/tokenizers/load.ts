/**
 * Loading a tokenizer from a checkpoint: the exact, fast character tokenizer for tokenizer.json files
 * TabRL wrote, the @huggingface/tokenizers-backed one for everything else.
 */

import { CharTokenizer } from './char-tokenizer.js';
import { HfTokenizer } from './hf-tokenizer.js';
import type { Tokenizer } from './tokenizer.js';

/** A tokenizer from tokenizer.json (+ tokenizer_config.json when the folder has one). */
export function tokenizerFromJSON(json: unknown, config: Record<string, unknown> | null = null): Tokenizer {
  return CharTokenizer.fromJSON(json, config ?? {}) ?? HfTokenizer.fromJSON(json, config ?? {});
}
