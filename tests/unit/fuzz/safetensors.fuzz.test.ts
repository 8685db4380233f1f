/**
 * safetensors files and sharded indexes fuzzed along the checkpoint loader's path: parseSafetensors,
 * every tensor's raw bytes and float32 view, then readParams against the model config (names, shapes,
 * layouts); and loadShardedSafetensors over a model.safetensors.index.json and its shards. Anything
 * refused must be a SafetensorsError with a message. Starting points: a micro llama checkpoint (both
 * name layouts) and a file of every dtype, with bytes flipped, truncated or spliced, the 8-byte header
 * length rewritten, and header JSON fields given wrong types, offsets or nesting.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MODEL_PRESETS } from '../../../engine/model/config.js';
import { paramSpecs } from '../../../engine/model/param-names.js';
import {
  loadShardedSafetensors,
  parseSafetensors,
  readParams,
  SafetensorsError,
  singleFileSource,
  writeParams,
  writeSafetensors,
} from '../../../engine/model/safetensors.js';
import { family, fuzzParser, fuzzParserAsync, fuzzTimeout } from './harness.js';
import { mutatedBytes, mutatedJsonText, mutatedJsonValue } from './mutate.js';

const config = MODEL_PRESETS['llama-micro']();
const params = new Map(
  paramSpecs(config).map((s) => {
    const n = s.shape.reduce((a, b) => a * b, 1);
    return [s.name, Float32Array.from({ length: n }, (_, i) => Math.sin(i))];
  }),
);
const CHECKPOINTS = [writeParams(config, params), writeParams(config, params, 'bare')];
const ALL_DTYPES = writeSafetensors(
  [
    { name: 'f32', shape: [2, 3], data: Float32Array.of(1, -2, 3.5, 0, Number.NaN, 1e-40) },
    { name: 'f16', shape: [3], dtype: 'F16', bytes: Uint8Array.of(0, 0x3c, 0xff, 0x7b, 1, 0) },
    { name: 'bf16', shape: [2], dtype: 'BF16', bytes: Uint8Array.of(0x80, 0x3f, 0, 0xff) },
    { name: 'f64', shape: [1], dtype: 'F64', bytes: new Uint8Array(Float64Array.of(Math.PI).buffer) },
    { name: 'i32', shape: [2], dtype: 'I32', bytes: new Uint8Array(8) },
    { name: 'bool', shape: [0], dtype: 'BOOL', bytes: new Uint8Array(0) },
    { name: 'u8', shape: [1, 1, 1], dtype: 'U8', bytes: Uint8Array.of(7) },
  ],
  { format: 'pt' },
);
const FILES = [...CHECKPOINTS, ALL_DTYPES];

/** The header text and the data bytes of a file this test wrote. */
function split(file: Uint8Array): { header: unknown; data: Uint8Array } {
  const n = new DataView(file.buffer, file.byteOffset).getUint32(0, true);
  return {
    header: JSON.parse(new TextDecoder().decode(file.subarray(8, 8 + n))),
    data: file.subarray(8 + n),
  };
}

/** A file from header text and data, the length prefix set to the text's byte length. */
function join(headerText: string, data: Uint8Array): Uint8Array {
  const text = new TextEncoder().encode(headerText);
  const out = new Uint8Array(8 + text.length + data.length);
  new DataView(out.buffer).setUint32(0, text.length, true);
  out.set(text, 8);
  out.set(data, 8 + text.length);
  return out;
}

/** Parses, reads every tensor, and matches the parameters as the checkpoint loader does. */
function loadCheckpoint(bytes: Uint8Array): 'parsed' {
  const file = parseSafetensors(bytes);
  for (const name of file.tensors.keys()) {
    file.raw(name);
    try {
      file.float32(name);
    } catch (e) {
      if (!(e instanceof SafetensorsError)) throw e; // integer dtypes are refused as weights
    }
  }
  if (file.tensors.has('f32')) return 'parsed'; // the dtype file is no checkpoint
  readParams(config, singleFileSource(file));
  return 'parsed';
}

const headerMutated = fc.constantFrom(...FILES).chain((f) => {
  const { header, data } = split(f);
  return mutatedJsonText(header).map((text) => join(text, data));
});
const lengthRewritten = fc
  .tuple(
    fc.constantFrom(...FILES),
    fc.oneof(fc.nat(), fc.constantFrom(0, 1, 2 ** 32 - 1)),
    fc.nat(0xffffffff),
  )
  .map(([f, lo, hi]) => {
    const out = Uint8Array.from(f);
    const view = new DataView(out.buffer);
    view.setUint32(0, lo % 2 ** 32, true);
    view.setUint32(4, hi % 4 === 0 ? hi : 0, true);
    return out;
  });
const files = fc.oneof(
  family('random bytes', fc.uint8Array({ maxLength: 2000 })),
  family(
    'random header JSON',
    fc.json({ maxDepth: 4 }).map((t) => join(t, new Uint8Array(64))),
  ),
  family('valid', fc.constantFrom(...FILES)),
  family('valid, bytes mutated', fc.constantFrom(...FILES).chain(mutatedBytes)),
  family('valid, header length rewritten', lengthRewritten),
  family('valid, header JSON fields mutated', headerMutated),
);

/** A checkpoint split in two shards with its index, as `save_pretrained(max_shard_size=...)` writes. */
function sharded(): { index: unknown; shards: Record<string, Uint8Array> } {
  const file = parseSafetensors(CHECKPOINTS[0]);
  const names = [...file.tensors.keys()];
  const shards: Record<string, Uint8Array> = {};
  const weightMap: Record<string, string> = {};
  [names.slice(0, names.length >> 1), names.slice(names.length >> 1)].forEach((group, i) => {
    const shard = `model-0000${i + 1}-of-00002.safetensors`;
    shards[shard] = writeSafetensors(
      group.map((name) => {
        const e = file.tensors.get(name)!;
        return { name, shape: e.shape, dtype: e.dtype, bytes: file.raw(name) };
      }),
    );
    for (const name of group) weightMap[name] = shard;
  });
  return { index: { metadata: {}, weight_map: weightMap }, shards };
}
const SHARDED = sharded();
const shardNames = Object.keys(SHARDED.shards);

const shardedInputs = fc.oneof(
  family('valid', fc.constant({ index: SHARDED.index, shards: SHARDED.shards })),
  family(
    'random index JSON',
    fc.jsonValue({ maxDepth: 4 }).map((index) => ({ index, shards: SHARDED.shards })),
  ),
  family(
    'index fields mutated',
    mutatedJsonValue(SHARDED.index).map((index) => ({ index, shards: SHARDED.shards })),
  ),
  family(
    'a shard mutated',
    fc
      .tuple(
        fc.constantFrom(...shardNames),
        fc.constantFrom(...shardNames).chain((s) => mutatedBytes(SHARDED.shards[s])),
      )
      .map(([name, bytes]) => ({ index: SHARDED.index, shards: { ...SHARDED.shards, [name]: bytes } })),
  ),
);

describe('fuzz: safetensors', () => {
  it(
    'every file parses, reads and matches the config, or is refused with a SafetensorsError',
    () => {
      const report = fuzzParser('safetensors', files, loadCheckpoint, (e) => e instanceof SafetensorsError);
      expect(report.families.valid.refused).toBe(0);
    },
    fuzzTimeout(),
  );

  it(
    'every sharded checkpoint loads or is refused with a SafetensorsError',
    async () => {
      const report = await fuzzParserAsync(
        'sharded safetensors',
        shardedInputs,
        async ({ index, shards }) => {
          // a shard the folder lacks arrives as no bytes (the checkpoint reader's own error is not under test)
          const source = await loadShardedSafetensors(
            index,
            async (name) => shards[name] ?? new Uint8Array(0),
          );
          readParams(config, source);
          return 'parsed';
        },
        (e) => e instanceof SafetensorsError,
      );
      expect(report.families.valid.refused).toBe(0);
    },
    fuzzTimeout(),
  );

  it('regression: header fields nested 20,000 deep are a SafetensorsError (was a RangeError in the message)', async () => {
    const deep = '['.repeat(20_000) + ']'.repeat(20_000);
    for (const field of ['dtype', 'shape', 'data_offsets']) {
      const entry = { dtype: 'F32', shape: [0], data_offsets: [0, 0], [field]: 'DEEP' };
      const bytes = join(JSON.stringify({ t: entry }).replace('"DEEP"', deep), new Uint8Array(0));
      expect(() => parseSafetensors(bytes)).toThrow(SafetensorsError);
    }
    const index = { weight_map: { t: JSON.parse(deep) } };
    await expect(loadShardedSafetensors(index, async () => new Uint8Array(0))).rejects.toThrow(
      /weight_map points at \(a value nested more than 64 levels deep\)/,
    );
  });
});
