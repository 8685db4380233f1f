/**
 * Loading a tokenizer from a checkpoint: the exact, fast character tokenizer for tokenizer.json files
 * TabRL wrote, the @huggingface/tokenizers-backed one for everything else.
 */

import { MAX_JSON_DEPTH, nestedDeeperThan } from '../json-depth.js';
import { CharTokenizer } from './char-tokenizer.js';
import { HfTokenizer } from './hf-tokenizer.js';
import { type Tokenizer, TokenizerError } from './tokenizer.js';

/** A tokenizer from tokenizer.json (+ tokenizer_config.json when the folder has one). */
export function tokenizerFromJSON(json: unknown, config: Record<string, unknown> | null = null): Tokenizer {
  // both loaders (and the library) recurse into the JSON; real tokenizer files nest a few levels
  for (const [name, value] of [
    ['tokenizer.json', json],
    ['tokenizer_config.json', config],
  ] as const)
    if (nestedDeeperThan(value))
      throw new TokenizerError(
        `${name} nests more than ${MAX_JSON_DEPTH} levels deep; is it a tokenizer file?`,
      );
  return CharTokenizer.fromJSON(json, config ?? {}) ?? HfTokenizer.fromJSON(json, config ?? {});
}
