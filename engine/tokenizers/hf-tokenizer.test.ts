/**
 * HF tokenizer.json loading against independent oracles: GPT-2's tokenizer.json rebuilt from the BPE
 * ranks js-tiktoken ships must give exactly tiktoken's gpt2 ids on a varied corpus (and decode back);
 * the same for cl100k in Qwen2's layout (Split regex + ByteLevel without regex); and a hand-built
 * SentencePiece-style (Llama) tokenizer with byte fallback gives hand-computed ids.
 */

import { Tiktoken } from 'js-tiktoken/lite';
import cl100k from 'js-tiktoken/ranks/cl100k_base';
import gpt2 from 'js-tiktoken/ranks/gpt2';
import { describe, expect, it } from 'vitest';
import { HfTokenizer } from './hf-tokenizer.js';
import { tokenizerFromJSON } from './load.js';
import { tiktokenToHfJson } from './tiktoken-to-hf.js';

const CORPUS = [
  'Hello world',
  "I'm sure they'll say it's fine, we've done what we'd planned. DON'T SHOUT'S",
  'Numbers: 0 7 42 1234567 3.14159 -12,345.67 1e-9 2024-06-01',
  'spaces:   three, \t\ttabs,     five    and trailing   ',
  'line one\nline two\n\n\nafter blank lines\r\nwindows line\n',
  'Unicode: café naïve Ærøskøbing Straße Ελληνικά русский 日本語のテキスト 한국어 العربية',
  'Emoji: 😀👍🏽 👩‍👩‍👧‍👦 🇫🇷 ✨🚀 and a lone ❤',
  'Code: def f(x):\n    return x**2  # square\n\tif (a&&b) { c += 1; }',
  'Mixed: 12apples, $5.00!!! ...??? «quotes» — dashes – and ‘smart’ “quotes”',
  '    leading spaces and a final space ',
  'Q: 17+25=? A: 42<|endoftext|>next document',
  '',
];

describe('HF tokenizer.json via @huggingface/tokenizers', () => {
  it("GPT-2 (byte-level BPE): exactly tiktoken's gpt2 ids, and decode is the identity", () => {
    const json = tiktokenToHfJson(gpt2);
    expect(Object.keys(json.model as object)).toContain('merges');
    expect((json.model as { merges: unknown[] }).merges.length).toBe(50000);
    const hf = tokenizerFromJSON(json);
    expect(hf).toBeInstanceOf(HfTokenizer);
    expect(hf.vocabSize).toBe(50257);
    expect(hf.eosId).toBe(50256);
    const tk = new Tiktoken(gpt2);
    for (const text of CORPUS) {
      const want = tk.encode(text, 'all');
      const got = hf.encode(text);
      expect(got, JSON.stringify(text)).toEqual(want);
      expect(hf.decode(got)).toBe(text);
    }
    expect(hf.decode(hf.encode('a<|endoftext|>b'), { skipSpecialTokens: true })).toBe('ab');
  });

  it("Qwen2 layout (Split regex + ByteLevel without regex): exactly tiktoken's cl100k ids", () => {
    // cl100k's pattern in Oniguruma form, as a Qwen2-style tokenizer.json writes it.
    const pattern =
      "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    const hf = tokenizerFromJSON(tiktokenToHfJson(cl100k, { splitRegex: pattern }));
    expect(hf.eosId).toBe(100257);
    const tk = new Tiktoken(cl100k);
    for (const text of CORPUS) {
      const got = hf.encode(text);
      expect(got, JSON.stringify(text)).toEqual(tk.encode(text, 'all'));
      expect(hf.decode(got)).toBe(text);
    }
  });

  it('SentencePiece-style BPE (Llama): ▁ prefix, merges, byte fallback, BOS template; hand-computed ids', () => {
    const bytes = Object.fromEntries(
      Array.from({ length: 256 }, (_, b) => [`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`, 3 + b]),
    );
    const pieces = [
      '▁',
      'h',
      'e',
      'l',
      'o',
      'w',
      'r',
      'd',
      '▁h',
      'll',
      '▁he',
      '▁hell',
      '▁hello',
      '▁w',
      '▁wor',
      'or',
    ];
    const vocab: Record<string, number> = { '<unk>': 0, '<s>': 1, '</s>': 2, ...bytes };
    pieces.forEach((p, i) => {
      vocab[p] = 259 + i;
    });
    const json = {
      version: '1.0',
      added_tokens: ['<unk>', '<s>', '</s>'].map((content, id) => ({
        id,
        content,
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: false,
        special: true,
      })),
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
        pair: [
          { SpecialToken: { id: '<s>', type_id: 0 } },
          { Sequence: { id: 'A', type_id: 0 } },
          { Sequence: { id: 'B', type_id: 1 } },
        ],
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
        dropout: null,
        unk_token: '<unk>',
        continuing_subword_prefix: null,
        end_of_word_suffix: null,
        fuse_unk: true,
        byte_fallback: true,
        ignore_merges: false,
        vocab,
        merges: ['▁ h', 'l l', '▁h e', '▁he ll', '▁hell o', '▁ w', 'o r', '▁w or'],
      },
    };
    const tok = tokenizerFromJSON(json, {
      bos_token: '<s>',
      eos_token: '</s>',
      clean_up_tokenization_spaces: false,
    });
    expect([tok.bosId, tok.eosId, tok.vocabSize]).toEqual([1, 2, 259 + pieces.length]);
    const id = (p: string) => vocab[p];
    // "hello world!" -> "▁hello▁world!": ▁hello | ▁wor l d | '!' is not in the vocab -> byte 0x21.
    expect(tok.encode('hello world!')).toEqual([1, id('▁hello'), id('▁wor'), id('l'), id('d'), 3 + 0x21]);
    expect(tok.encode('hello world!', { addSpecialTokens: false })[0]).toBe(id('▁hello'));
    // é (0xC3 0xA9) falls back to two bytes that decode back to é.
    const ids = tok.encode('hé');
    expect(ids).toEqual([1, id('▁h'), 3 + 0xc3, 3 + 0xa9]);
    expect(tok.decode(ids, { skipSpecialTokens: true })).toBe('hé');
    expect(tok.decode(tok.encode('hello world!'), { skipSpecialTokens: true })).toBe('hello world!');
  });

  it('refuses what it cannot load, with a message', () => {
    expect(() => tokenizerFromJSON([1])).toThrow(/expected a JSON object/);
    expect(() => tokenizerFromJSON({ version: '1.0' })).toThrow(/missing "model"/);
    const noEos = { model: { type: 'BPE', vocab: { a: 0 }, merges: [] } };
    expect(() => tokenizerFromJSON(noEos)).toThrow(/no end-of-sequence token/);
    expect(HfTokenizer.fromJSON(noEos, {}, { eosId: 0 }).decode([])).toBe('');
  });
});
