/**
 * TabRL's own reading of a reward-model folder, fuzzed: readRewardModelFiles (tokenizer.json,
 * tokenizer_config.json, config.json as bytes), the tokenizer built from them, config.json's id2label and
 * pad_token_id (readRewardConfig), and the label resolved against them. model.onnx itself is
 * onnxruntime-web's to parse and is not under test. Refusals must be LoadError or TokenizerError, or
 * resolveLabel's plain Error about the label; inputs are the tiny test classifier's folder with files
 * replaced by random bytes, truncated, or with JSON fields of the wrong type.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CheckpointFs } from '../../../engine/model/checkpoint.js';
import { LoadError } from '../../../engine/model/load-error.js';
import { readRewardConfig, readRewardModelFiles, resolveLabel } from '../../../engine/rewards/onnx-model.js';
import { CharTokenizer } from '../../../engine/tokenizers/char-tokenizer.js';
import { tokenizerFromJSON } from '../../../engine/tokenizers/load.js';
import { TokenizerError } from '../../../engine/tokenizers/tokenizer.js';
import { family, fuzzParserAsync, fuzzTimeout } from './harness.js';
import { mutatedBytes, mutatedJsonText } from './mutate.js';

const LABELS = ['NEGATIVE', 'NEUTRAL', 'POSITIVE'];
const tokenizer = new CharTokenizer({ alphabet: '0123456789+=ab' });
const VALID: Record<string, unknown> = {
  'tokenizer.json': tokenizer.toJSON(),
  'tokenizer_config.json': tokenizer.tokenizerConfig(),
  'config.json': {
    architectures: ['TinyForSequenceClassification'],
    id2label: Object.fromEntries(LABELS.map((name, i) => [String(i), name])),
    label2id: Object.fromEntries(LABELS.map((name, i) => [name, i])),
    pad_token_id: tokenizer.padId,
  },
};
const FILES = Object.keys(VALID);
const encode = (text: string) => new TextEncoder().encode(text);
const validBytes = (file: string) => encode(JSON.stringify(VALID[file]));

type Folder = Record<string, Uint8Array | null>;
const validFolder = (): Folder => ({
  'model.onnx': Uint8Array.of(8, 7),
  ...Object.fromEntries(FILES.map((f) => [f, validBytes(f)])),
});

const memoryFs = (files: Folder): CheckpointFs => ({
  readFile: async (name) => files[name] ?? null,
  writeFile: async () => {},
  where: (name) => `/reward-models/fuzz/${name}`,
});

/** One file of the folder replaced by `bytes` (null: removed). */
const withFile = (file: string, bytes: Uint8Array | null): Folder => ({ ...validFolder(), [file]: bytes });
const oneFile = fc.constantFrom(...FILES);

const folders = fc.oneof(
  family('valid', fc.constant(null).map(validFolder)),
  family(
    'a file random bytes or missing',
    fc
      .tuple(oneFile, fc.option(fc.uint8Array({ maxLength: 500 }), { nil: null }))
      .map(([f, b]) => withFile(f, b)),
  ),
  family(
    'a file bytes mutated',
    oneFile.chain((f) => mutatedBytes(validBytes(f)).map((b) => withFile(f, b))),
  ),
  family(
    'a file JSON fields mutated',
    oneFile.chain((f) => mutatedJsonText(VALID[f]).map((text) => withFile(f, encode(text)))),
  ),
);
const labels = fc.oneof(
  fc.constantFrom<number | string>(0, 2, 5, 'POSITIVE', 'positive', '1', 'MISSING'),
  fc.string(),
);

/** What OnnxRewardModel.fromFiles reads before and after the ONNX session (which is not under test). */
async function readFolder([files, label, numLabels]: [Folder, number | string, number]): Promise<'parsed'> {
  const where = '"fuzz" (/reward-models/fuzz)';
  const read = await readRewardModelFiles(memoryFs(files), where);
  const tok = tokenizerFromJSON(read.tokenizer, read.tokenizerConfig);
  tok.encode('12+34=');
  const { id2label } = readRewardConfig(read.config ?? {}, where);
  try {
    resolveLabel(label, id2label, numLabels);
  } catch (e) {
    // a label the model lacks is the run config's mistake, said in resolveLabel's own words
    if (!(e instanceof Error && e.constructor === Error && /^label /.test(e.message))) throw e;
  }
  return 'parsed';
}

describe('fuzz: reward-model folders', () => {
  it(
    'every folder is read (tokenizer, id2label, label) or refused with a LoadError or TokenizerError',
    async () => {
      const report = await fuzzParserAsync(
        'reward-model folder',
        fc.tuple(folders, labels, fc.integer({ min: 1, max: 4 })).map(([f, label, n]) => ({
          family: f.family,
          input: [f.input, label, n] as [Folder, number | string, number],
        })),
        readFolder,
        (e) => e instanceof LoadError || e instanceof TokenizerError,
      );
      expect(report.families.valid.refused).toBe(0);
    },
    fuzzTimeout(),
  );

  it('regression: id2label of numbers, or a pad_token_id of 1.5, is a LoadError (were a TypeError, a RangeError)', () => {
    expect(() => readRewardConfig({ id2label: { 0: 5 } }, 'x')).toThrow(
      /id2label must map class indices to names/,
    );
    expect(() => readRewardConfig({ pad_token_id: 1.5 }, 'x')).toThrow(/pad_token_id must be a token id/);
    expect(readRewardConfig({ id2label: null, pad_token_id: null }, 'x')).toEqual({
      id2label: null,
      padId: undefined,
    });
  });
});
