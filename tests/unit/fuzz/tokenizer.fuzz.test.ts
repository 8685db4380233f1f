/**
 * tokenizer.json + tokenizer_config.json fuzzed through tokenizerFromJSON, and every tokenizer that
 * loads is then used as the trainer and the reward models use it: encode a corpus (special-token names,
 * emoji, a lone surrogate), decode the ids back, with and without special tokens, and decode ids out of
 * range. Anything refused must be a TokenizerError with a message. Starting points: TabRL's char
 * tokenizer and small hand-built byte-level BPE (GPT-2 layout), SentencePiece BPE with byte fallback
 * (Llama), WordPiece (BERT, as reward classifiers use) and Unigram files, mutated field by field.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CharTokenizer } from '../../../engine/tokenizers/char-tokenizer.js';
import { tokenizerFromJSON } from '../../../engine/tokenizers/load.js';
import { bytesToUnicode } from '../../../engine/tokenizers/tiktoken-to-hf.js';
import { TokenizerError } from '../../../engine/tokenizers/tokenizer.js';
import { family, fuzzParser, fuzzTimeout } from './harness.js';
import { mutatedJsonValue, wrongValue } from './mutate.js';

const added = (contents: string[], first = 0) =>
  contents.map((content, i) => ({
    id: first + i,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  }));

function byteLevelBpe(): Record<string, unknown> {
  const u = bytesToUnicode();
  const vocab: Record<string, number> = {};
  u.forEach((ch, i) => {
    vocab[ch] = i;
  });
  const merges = [
    ['Ġ', 't'],
    ['h', 'e'],
    ['Ġt', 'he'],
    ['i', 'n'],
    ['Ġ', 'a'],
  ];
  for (const [a, b] of merges) vocab[a + b] = Object.keys(vocab).length;
  const eos = Object.keys(vocab).length;
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
  return {
    version: '1.0',
    added_tokens: added(['<|endoftext|>'], eos),
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: { ...byteLevel, trim_offsets: false },
    decoder: byteLevel,
    model: { type: 'BPE', dropout: null, unk_token: null, byte_fallback: false, vocab, merges },
  };
}

function sentencePieceBpe(): Record<string, unknown> {
  const vocab: Record<string, number> = { '<unk>': 0, '<s>': 1, '</s>': 2 };
  for (let b = 0; b < 256; b++) vocab[`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`] = 3 + b;
  for (const p of ['▁', 'h', 'e', 'l', 'o', '▁h', 'll', '▁he', '▁hell', '▁hello'])
    vocab[p] = Object.keys(vocab).length;
  return {
    version: '1.0',
    added_tokens: added(['<unk>', '<s>', '</s>']),
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'Prepend', prepend: '▁' },
        { type: 'Replace', pattern: { String: ' ' }, content: '▁' },
      ],
    },
    pre_tokenizer: null,
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [{ Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }],
      special_tokens: { '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] } },
    },
    decoder: {
      type: 'Sequence',
      decoders: [
        { type: 'Replace', pattern: { String: '▁' }, content: ' ' },
        { type: 'ByteFallback' },
        { type: 'Fuse' },
        { type: 'Strip', content: ' ', start: 1, stop: 0 },
      ],
    },
    model: {
      type: 'BPE',
      unk_token: '<unk>',
      fuse_unk: true,
      byte_fallback: true,
      vocab,
      merges: ['▁ h', 'l l', '▁h e', '▁he ll', '▁hell o'],
    },
  };
}

function wordPiece(): Record<string, unknown> {
  const words = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'good', 'bad', '##s', 'a', 'b', '1', '+', '='];
  return {
    version: '1.0',
    added_tokens: added(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']),
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: null,
      lowercase: true,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: { type: 'BertProcessing', sep: ['[SEP]', 3], cls: ['[CLS]', 2] },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: '[UNK]',
      continuing_subword_prefix: '##',
      max_input_chars_per_word: 100,
      vocab: Object.fromEntries(words.map((w, i) => [w, i])),
    },
  };
}

function unigram(): Record<string, unknown> {
  return {
    version: '1.0',
    added_tokens: added(['<pad>', '</s>', '<unk>']),
    normalizer: null,
    pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
    post_processor: null,
    decoder: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
    model: {
      type: 'Unigram',
      unk_id: 2,
      vocab: [
        ['<pad>', 0],
        ['</s>', 0],
        ['<unk>', 0],
        ['▁', -2],
        ['a', -3],
        ['b', -3],
        ['▁a', -1.5],
        ['1', -3],
      ],
      byte_fallback: false,
    },
  };
}

const char = new CharTokenizer({ bos: '<bos>' });
const BASES: [Record<string, unknown>, Record<string, unknown>][] = [
  [char.toJSON(), char.tokenizerConfig()],
  [byteLevelBpe(), { eos_token: '<|endoftext|>', clean_up_tokenization_spaces: false }],
  [sentencePieceBpe(), { bos_token: '<s>', eos_token: { content: '</s>' }, pad_token: null }],
  [wordPiece(), { pad_token: '[PAD]', eos_token: '[SEP]', clean_up_tokenization_spaces: true }],
  [unigram(), { eos_token: '</s>', pad_token: '<pad>' }],
];

const CORPUS = ['12+34=46 the cat', 'café 日本 😀\uD800', '<|endoftext|></s>[SEP]<eos>', ''];

/** Runs `use`; a TokenizerError is an allowed answer (the char tokenizer refuses characters it lacks). */
function allowRefusal(use: () => unknown): void {
  try {
    use();
  } catch (e) {
    if (!(e instanceof TokenizerError) || e.message === '') throw e;
  }
}

/** Loads, then encodes, decodes and decodes bad ids as the trainer and reward models would. */
function loadAndUse([json, config]: [unknown, unknown]): 'parsed' {
  const tok = tokenizerFromJSON(json, config as Record<string, unknown> | null);
  for (const text of CORPUS) {
    allowRefusal(() => {
      const ids = tok.encode(text);
      tok.decode(ids);
      tok.decode(ids, { skipSpecialTokens: true });
    });
    allowRefusal(() => tok.encode(text, { addSpecialTokens: false }));
  }
  for (const bad of [-1, tok.vocabSize, 1.5, Number.NaN]) allowRefusal(() => tok.decode([bad]));
  tok.toJSON();
  tok.tokenizerConfig();
  return 'parsed';
}

const base = fc.constantFrom(...BASES);
const inputs = fc.oneof(
  family('random JSON', fc.tuple(fc.jsonValue({ maxDepth: 4 }), fc.jsonValue({ maxDepth: 2 }))),
  family('valid', base),
  family(
    'tokenizer.json fields mutated',
    fc.oneof(...BASES.map(([j, c]) => mutatedJsonValue(j).map((m): [unknown, unknown] => [m, c]))),
  ),
  family(
    'tokenizer_config.json fields mutated',
    fc.oneof(...BASES.map(([j, c]) => mutatedJsonValue(c).map((m): [unknown, unknown] => [j, m]))),
  ),
  family(
    'model section replaced',
    fc.tuple(base, wrongValue).map(([[j, c], v]): [unknown, unknown] => [{ ...j, model: v }, c]),
  ),
);

describe('fuzz: tokenizer.json and tokenizer_config.json', () => {
  it(
    'every tokenizer loads and encodes/decodes, or is refused with a TokenizerError',
    () => {
      const report = fuzzParser('tokenizer', inputs, loadAndUse, (e) => e instanceof TokenizerError);
      expect(report.families.valid.refused).toBe(0);
    },
    fuzzTimeout(),
  );

  it('regression: an added token whose content is not a string is refused at load (was a TypeError in decode)', () => {
    const [json, config] = BASES[3];
    const bad = structuredClone(json) as { added_tokens: { content: unknown }[] };
    bad.added_tokens[1].content = -1e308;
    expect(() => tokenizerFromJSON(bad, config)).toThrow(/added_tokens\[1\] must be \{"id"/);
  });

  it('regression: a vocab id of 2^31 is refused at once (the library spent minutes allocating a table)', () => {
    const [json, config] = BASES[3];
    const bad = structuredClone(json) as { model: { vocab: Record<string, number> } };
    bad.model.vocab['[PAD]'] = 2 ** 31;
    expect(() => tokenizerFromJSON(bad, config)).toThrow(/"\[PAD\]" the id 2147483648; ids are integers/);
  });

  it('regression: a tokenizer.json nested 20,000 levels deep is a TokenizerError (was a RangeError)', () => {
    const deep = JSON.parse('['.repeat(20_000) + ']'.repeat(20_000));
    const json = { ...BASES[0][0], pre_tokenizer: deep };
    expect(() => tokenizerFromJSON(json, {})).toThrow(TokenizerError);
    expect(() => tokenizerFromJSON(json, {})).toThrow(/nests more than 64 levels/);
  });

  it('regression: added_tokens that is not a list is refused with a message (the char loader spread it)', () => {
    const json = { ...BASES[0][0], added_tokens: 5 };
    expect(() => tokenizerFromJSON(json, {})).toThrow(/"added_tokens" must be a list/);
  });

  it('regression: a vocab id that is an object is refused with a message (the char loader sorted it: TypeError)', () => {
    const json = structuredClone(BASES[0][0]) as { model: { vocab: Record<string, unknown> } };
    json.model.vocab['0'] = Object.create(null);
    expect(() => tokenizerFromJSON(json, {})).toThrow(/model.vocab gives "0" the id/);
  });

  it('regression: a char tokenizer.json whose vocab is shorter than its special tokens goes to the HF loader (was a TypeError)', () => {
    const json = structuredClone(BASES[0][0]) as { model: { vocab: Record<string, number> } };
    json.model.vocab = {};
    expect(tokenizerFromJSON(json, {}).eosId).toBe(1); // <eos>, an added token
  });
});
