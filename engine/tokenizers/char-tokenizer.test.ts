/**
 * The character tokenizer: ids as documented, special-token texts honoured, clear refusals, and its
 * tokenizer.json checked by an independent loader (@huggingface/tokenizers) giving the same ids and text.
 */

import { describe, expect, it } from 'vitest';
import { modelPreset } from '../model/config.js';
import { CharTokenizer, DEFAULT_ALPHABET } from './char-tokenizer.js';
import { HfTokenizer } from './hf-tokenizer.js';
import { tokenizerFromJSON } from './load.js';

describe('char tokenizer', () => {
  it('default: <pad>=0, <eos>=1, then the alphabet; 32 tokens = the default preset vocab', () => {
    const tok = new CharTokenizer();
    expect([tok.padId, tok.eosId, tok.bosId, tok.vocabSize]).toEqual([0, 1, undefined, 32]);
    expect(tok.vocabSize).toBe(modelPreset('default').vocabSize);
    expect(tok.encode('12+3=15')).toEqual([3, 4, 13, 5, 18, 3, 7]); // digits 2..11, ' ' 12, '+' 13, ... '=' 18
    expect(tok.encode('7*6<eos><pad>')).toEqual([9, 15, 8, 1, 0]);
    expect(tok.decode([9, 15, 8, 1, 0])).toBe('7*6<eos><pad>');
    expect(tok.decode([9, 15, 8, 1, 0], { skipSpecialTokens: true })).toBe('7*6');
    expect(tok.alphabet).toBe(DEFAULT_ALPHABET);
  });

  it('refuses unknown characters and ids, and bad alphabets, with the culprit named', () => {
    const tok = new CharTokenizer();
    expect(() => tok.encode('12a')).toThrow(/character "a" at 2 is not in the alphabet/);
    expect(() => tok.decode([40])).toThrow(/id 40 outside \[0, 32\)/);
    expect(() => new CharTokenizer({ alphabet: 'abca' })).toThrow(/repeats/);
    expect(() => new CharTokenizer({ eos: 'E' })).toThrow(/longer than one character/);
  });

  it('its tokenizer.json loads in @huggingface/tokenizers with identical ids and text', () => {
    const tok = new CharTokenizer({
      alphabet: 'abcdefghijklmnopqrstuvwxyz0123456789 \n\t.,!?é😀',
      bos: '<bos>',
    });
    const json = JSON.parse(JSON.stringify(tok.toJSON()));
    const hf = HfTokenizer.fromJSON(json, tok.tokenizerConfig());
    expect([hf.vocabSize, hf.eosId, hf.padId, hf.bosId]).toEqual([
      tok.vocabSize,
      tok.eosId,
      tok.padId,
      tok.bosId,
    ]);
    const corpus = ['hello world', 'a  b\n\nc\td', 'é😀é!', 'x<eos>y<pad>', ' 12, 34. ', '<bos>q?'];
    for (const text of corpus) {
      const ids = tok.encode(text);
      expect(hf.encode(text), JSON.stringify(text)).toEqual(ids);
      expect(hf.decode(ids)).toBe(text);
      expect(hf.decode(ids, { skipSpecialTokens: true })).toBe(tok.decode(ids, { skipSpecialTokens: true }));
    }
  });

  it('tokenizerFromJSON recognises its own files and rebuilds the same tokenizer', () => {
    const tok = new CharTokenizer({ alphabet: 'xyz019 ', pad: '[PAD]', eos: '[EOS]' });
    const back = tokenizerFromJSON(JSON.parse(JSON.stringify(tok.toJSON())));
    expect(back).toBeInstanceOf(CharTokenizer);
    expect((back as CharTokenizer).tokens).toEqual(tok.tokens);
    expect(back.encode('x 10[EOS]')).toEqual(tok.encode('x 10[EOS]'));
    // A BPE file with merges is not a char tokenizer.
    const other = tok.toJSON() as { model: { merges: string[] } };
    other.model.merges = ['x y'];
    expect(CharTokenizer.fromJSON(other)).toBeNull();
  });
});
