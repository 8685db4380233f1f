/**
 * A stand-in tokenizer.json of a given vocabulary size, built in code so the device check needs no
 * download: GPT-2's byte-level BPE with no merges (every byte one token, so any prompt encodes), the
 * end-of-text token at the model's eos id, and the remaining ids filled with distinct two- and
 * three-byte tokens (as merged tokens are) so every id a random model samples decodes.
 */

/** GPT-2's bytes_to_unicode: the printable character that stands for each byte. */
export function byteLevelAlphabet(): string[] {
  const bs: number[] = [];
  for (let b = 33; b <= 126; b++) bs.push(b);
  for (let b = 161; b <= 172; b++) bs.push(b);
  for (let b = 174; b <= 255; b++) bs.push(b);
  const cs = [...bs];
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n++);
    }
  }
  const out = new Array<string>(256);
  bs.forEach((b, i) => {
    out[b] = String.fromCodePoint(cs[i]);
  });
  return out;
}

export const END_OF_TEXT = '<|endoftext|>';

/**
 * tokenizer.json and tokenizer_config.json with `vocabSize` ids, `<|endoftext|>` at `eosId` (also the
 * pad token). syntheticTokenizer(300, 0).json.model.vocab['<|endoftext|>'] = 0.
 */
export function syntheticTokenizer(
  vocabSize: number,
  eosId: number,
): { json: Record<string, unknown>; config: Record<string, unknown> } {
  if (vocabSize < 257 || eosId < 0 || eosId >= vocabSize)
    throw new Error(`synthetic tokenizer: vocab ${vocabSize} must exceed 256 and hold eos ${eosId}`);
  const bytes = byteLevelAlphabet();
  const vocab: Record<string, number> = {};
  let next = 0;
  vocab[END_OF_TEXT] = eosId;
  for (const ch of bytes) vocab[ch] = takeId();
  let filler = 0;
  for (let count = 1 + bytes.length; count < vocabSize; count++) {
    const n = filler++;
    const pair = bytes[(n >> 8) & 255] + bytes[n & 255];
    const token = n < 65536 ? pair : bytes[n >> 16] + pair;
    vocab[token] = takeId();
  }
  return {
    json: {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: [
        {
          id: eosId,
          content: END_OF_TEXT,
          single_word: false,
          lstrip: false,
          rstrip: false,
          normalized: false,
          special: true,
        },
      ],
      normalizer: null,
      pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
      post_processor: null,
      decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
      model: {
        type: 'BPE',
        dropout: null,
        unk_token: null,
        continuing_subword_prefix: null,
        end_of_word_suffix: null,
        fuse_unk: false,
        byte_fallback: false,
        vocab,
        merges: [],
      },
    },
    config: { eos_token: END_OF_TEXT, pad_token: END_OF_TEXT, clean_up_tokenization_spaces: false },
  };

  function takeId(): number {
    if (next === eosId) next++; // the eos id is taken
    return next++;
  }
}
