/**
 * safetensors as a hostile-input parser: round trips are bit-identical, each malformed file is refused
 * with a SafetensorsError naming what is wrong, and a seeded fuzz of mutated files never crashes with
 * anything else and never hangs.
 */

import { describe, expect, it } from 'vitest';
import { rng } from '../../kernels/testing/random.js';
import { modelPreset } from './config.js';
import { initParams } from './init.js';
import { paramSpecs } from './param-names.js';
import {
  f16ToF32,
  loadShardedSafetensors,
  matchParams,
  parseSafetensors,
  readParams,
  SafetensorsError,
  singleFileSource,
  writeParams,
  writeSafetensors,
} from './safetensors.js';

/** A hand-built file: header object as given, data bytes appended. */
function handBuilt(
  header: unknown,
  data: Uint8Array = new Uint8Array(0),
  lengthOverride?: number,
): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setUint32(0, lengthOverride ?? json.length, true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function refusal(fn: () => unknown): SafetensorsError {
  try {
    fn();
  } catch (e) {
    if (e instanceof SafetensorsError) return e;
    throw new Error(`expected a SafetensorsError, got ${e}`);
  }
  throw new Error('expected a refusal, the file was accepted');
}

const u32 = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

describe('safetensors round trip', () => {
  it('a written checkpoint reads back bit-identical (NaN payloads, -0, inf, subnormals included)', () => {
    const config = modelPreset('smoke');
    const params = initParams(config, rng(1));
    const special = params.get('transformer.ln_f.bias')!;
    new Uint32Array(special.buffer).set([0x7fc01234, 0x80000000, 0x7f800000, 0x00000001, 0xff812345]);
    const bytes = writeParams(config, params);
    const file = parseSafetensors(bytes);
    expect(file.metadata).toEqual({ format: 'pt' });
    expect(new DataView(bytes.buffer).getUint32(0, true) % 8).toBe(0); // data 8-byte aligned
    const { params: back, layout } = readParams(config, singleFileSource(file));
    expect(layout).toBe('prefixed');
    expect([...back.keys()]).toEqual(paramSpecs(config).map((s) => s.name));
    for (const [name, data] of params) expect(u32(back.get(name)!), name).toEqual(u32(data));
    // Writing what was read gives the same bytes.
    expect(writeParams(config, back)).toEqual(bytes);
  });

  it('reads F16 and BF16 (and exposes raw bytes for GPU unpacking)', () => {
    const f16 = new Uint8Array(new Uint16Array([0x3c00, 0xc000, 0x7bff, 0x0001, 0x7c00, 0x8000]).buffer);
    const bf16 = new Uint8Array(new Uint16Array([0x3f80, 0xc049, 0x0000]).buffer);
    const bytes = writeSafetensors([
      { name: 'h', shape: [2, 3], dtype: 'F16', bytes: f16 },
      { name: 'b', shape: [3], dtype: 'BF16', bytes: bf16 },
    ]);
    const file = parseSafetensors(bytes);
    expect(Array.from(file.float32('h'))).toEqual([1, -2, 65504, 2 ** -24, Number.POSITIVE_INFINITY, -0]);
    expect(Array.from(file.float32('b'))).toEqual([1, -3.140625, 0]);
    expect(file.raw('h')).toEqual(f16);
    expect(f16ToF32(0x7e00)).toBeNaN();
  });

  it('loads a sharded checkpoint through a fetch callback', async () => {
    const config = modelPreset('smoke');
    const params = initParams(config, rng(2));
    const specs = paramSpecs(config);
    const half = Math.floor(specs.length / 2);
    const shards = new Map<string, Uint8Array>();
    const weightMap: Record<string, string> = {};
    [specs.slice(0, half), specs.slice(half)].forEach((part, i) => {
      const shard = `model-0000${i + 1}-of-00002.safetensors`;
      shards.set(shard, writeSafetensors(part.map((s) => ({ ...s, data: params.get(s.name)! }))));
      for (const s of part) weightMap[s.name] = shard;
    });
    const fetched: string[] = [];
    const source = await loadShardedSafetensors({ metadata: {}, weight_map: weightMap }, async (name) => {
      fetched.push(name);
      return shards.get(name)!;
    });
    expect(fetched.sort()).toEqual([...shards.keys()].sort());
    const back = readParams(config, source).params;
    for (const [name, data] of params) expect(u32(back.get(name)!)).toEqual(u32(data));
    await expect(
      loadShardedSafetensors(
        { weight_map: { ...weightMap, 'transformer.wte.weight': 'model-00002-of-00002.safetensors' } },
        async (n) => shards.get(n)!,
      ),
    ).rejects.toThrow(/transformer\.wte\.weight.*does not contain it|not list/);
    await expect(
      loadShardedSafetensors({ weight_map: { x: '../etc/passwd' } }, async () => new Uint8Array()),
    ).rejects.toThrow(/not a file name/);
  });

  // What transformers saves from the base model alone (the hub's `gpt2`: bare names plus attn.bias
  // buffers; LlamaModel/Qwen2Model: no `model.`), tied and untied heads.
  const bareCases = [
    { preset: 'smoke', tied: true, prefix: 'transformer.', buffer: 'h.0.attn.bias' },
    { preset: 'smoke', tied: false, prefix: 'transformer.', buffer: 'h.1.attn.masked_bias' },
    { preset: 'llama-micro', tied: true, prefix: 'model.', buffer: 'layers.0.self_attn.rotary_emb.inv_freq' },
    { preset: 'qwen2-micro', tied: false, prefix: 'model.', buffer: null },
  ] as const;
  it.each(bareCases)(
    'reads $preset (tied $tied) without the $prefix prefix, records it, writes it back',
    (k) => {
      const config = { ...modelPreset(k.preset), tieWordEmbeddings: k.tied };
      const params = initParams(config, rng(3));
      const bare = (name: string) => (name.startsWith(k.prefix) ? name.slice(k.prefix.length) : name);
      const tensors = paramSpecs(config).map((s) => ({
        name: bare(s.name),
        shape: s.shape,
        data: params.get(s.name)!,
      }));
      const names = tensors.map((t) => t.name);
      if (k.buffer)
        tensors.push({ name: k.buffer, shape: [1, 1, 2, 2], data: new Float32Array([1, 0, 1, 1]) });
      const { params: back, layout } = readParams(
        config,
        singleFileSource(parseSafetensors(writeSafetensors(tensors))),
      );
      expect(layout).toBe('bare');
      expect([...back.keys()]).toEqual(paramSpecs(config).map((s) => s.name));
      for (const [name, data] of params) expect(u32(back.get(name)!), name).toEqual(u32(data));
      expect(names.some((n) => n.startsWith(k.prefix))).toBe(false);
      expect(names.includes('lm_head.weight')).toBe(!k.tied);
      const written = parseSafetensors(writeParams(config, back, layout));
      expect([...written.tensors.keys()]).toEqual(names);
      for (const t of tensors.slice(0, names.length))
        expect(u32(written.float32(t.name)), t.name).toEqual(u32(t.data));
      // One file, one layout: a prefixed name among bare ones is refused, naming both.
      const mixed = tensors.map((t, i) => (i === 1 ? { ...t, name: k.prefix + t.name } : t));
      expect(
        refusal(() => readParams(config, singleFileSource(parseSafetensors(writeSafetensors(mixed)))))
          .message,
      ).toMatch(
        new RegExp(
          `mixes prefixed names \\("${k.prefix.replace('.', '\\.')}${names[1].replace(/\./g, '\\.')}"\\)`,
        ),
      );
    },
  );
});

describe('safetensors refusals name what is wrong', () => {
  const good = writeSafetensors([
    { name: 'a', shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) },
    { name: 'b', shape: [3], data: new Float32Array([5, 6, 7]) },
  ]);
  const data = new Uint8Array(28);

  it('truncated files', () => {
    expect(refusal(() => parseSafetensors(good.subarray(0, 5))).message).toMatch(/too short/);
    expect(refusal(() => parseSafetensors(good.subarray(0, 20))).message).toMatch(
      /header length \d+ runs past/,
    );
    expect(refusal(() => parseSafetensors(good.subarray(0, good.length - 4))).message).toMatch(
      /tensor "b".*run past/,
    );
  });

  it('absurd header sizes', () => {
    const huge = good.slice();
    new DataView(huge.buffer).setUint32(4, 0xffff, true);
    expect(refusal(() => parseSafetensors(huge)).message).toMatch(/exceeds the 100000000-byte cap/);
  });

  it('out-of-range, reversed and overlapping offsets', () => {
    const e1 = refusal(() =>
      parseSafetensors(handBuilt({ a: { dtype: 'F32', shape: [2], data_offsets: [24, 32] } }, data)),
    );
    expect(e1.tensor).toBe('a');
    expect(e1.message).toMatch(/run past the 28 data bytes/);
    expect(
      refusal(() =>
        parseSafetensors(handBuilt({ a: { dtype: 'F32', shape: [0], data_offsets: [8, 4] } }, data)),
      ).message,
    ).toMatch(/end before/);
    const overlap = {
      a: { dtype: 'F32', shape: [4], data_offsets: [0, 16] },
      b: { dtype: 'F32', shape: [2], data_offsets: [8, 16] },
    };
    expect(refusal(() => parseSafetensors(handBuilt(overlap, data))).message).toMatch(
      /"b".*overlaps tensor "a"/,
    );
    expect(
      refusal(() =>
        parseSafetensors(handBuilt({ a: { dtype: 'F32', shape: [2], data_offsets: [-1, 7] } }, data)),
      ).message,
    ).toMatch(/data_offsets/);
  });

  it('size mismatches, unknown dtypes, bad shapes, duplicates, bad JSON, bad metadata', () => {
    expect(
      refusal(() =>
        parseSafetensors(handBuilt({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, data)),
      ).message,
    ).toMatch(/"a".*needs 12 bytes but data_offsets span 8/);
    expect(
      refusal(() =>
        parseSafetensors(handBuilt({ a: { dtype: 'F31', shape: [2], data_offsets: [0, 8] } }, data)),
      ).message,
    ).toMatch(/"a".*unknown dtype "F31"/);
    expect(
      refusal(() =>
        parseSafetensors(handBuilt({ a: { dtype: 'F32', shape: [2.5], data_offsets: [0, 10] } }, data)),
      ).message,
    ).toMatch(/shape/);
    const dup =
      '{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}';
    expect(refusal(() => parseSafetensors(handBuilt(dup, data))).message).toMatch(/"a": appears twice/);
    expect(refusal(() => parseSafetensors(handBuilt('{"a": [1,', data))).message).toMatch(/not valid JSON/);
    expect(refusal(() => parseSafetensors(handBuilt('[1, 2]', data))).message).toMatch(
      /start with|JSON object/,
    );
    expect(refusal(() => parseSafetensors(handBuilt({ __metadata__: { x: 1 } }, data))).message).toMatch(
      /__metadata__/,
    );
    const i32 = parseSafetensors(
      writeSafetensors([{ name: 'n', shape: [1], dtype: 'I32', bytes: new Uint8Array(4) }]),
    );
    expect(refusal(() => i32.float32('n')).message).toMatch(/"n".*I32 cannot be read as float32/);
  });

  it('missing, unexpected and wrong-shaped tensors against a config', () => {
    const config = modelPreset('smoke');
    const params = initParams(config, rng(4));
    const specs = paramSpecs(config);
    const build = (edit: (t: { name: string; shape: number[]; data: Float32Array }[]) => void) => {
      const t = specs.map((s) => ({ name: s.name, shape: [...s.shape], data: params.get(s.name)! }));
      edit(t);
      return parseSafetensors(writeSafetensors(t)).tensors;
    };
    const missing = refusal(() =>
      matchParams(
        config,
        build((t) => t.splice(3, 1)),
      ),
    );
    expect(missing.message).toMatch(/missing 1 parameter\(s\): transformer\.h\.0\.ln_1\.bias/);
    const extra = refusal(() =>
      matchParams(
        config,
        build((t) =>
          t.push({ name: 'transformer.h.9.mlp.c_fc.weight', shape: [1], data: new Float32Array(1) }),
        ),
      ),
    );
    expect(extra.message).toMatch(/"transformer\.h\.9\.mlp\.c_fc\.weight": unexpected/);
    const wrong = refusal(() =>
      matchParams(
        config,
        build((t) => {
          const c = t.find((x) => x.name === 'transformer.h.1.attn.c_attn.weight')!;
          c.shape = [c.shape[1], c.shape[0]]; // Linear orientation where Conv1D is expected
        }),
      ),
    );
    expect(wrong.message).toMatch(
      /"transformer\.h\.1\.attn\.c_attn\.weight": shape \[96,32\] but the config needs \[32,96\]/,
    );
  });
});

describe('safetensors fuzz', () => {
  it('1,500 mutated files: only SafetensorsError, no hang', () => {
    const config = modelPreset('smoke');
    const small = { ...config, numLayers: 1 };
    const base = writeParams(small, initParams(small, rng(5)));
    const headerLength = new DataView(base.buffer).getUint32(0, true);
    const header = new TextDecoder().decode(base.subarray(8, 8 + headerLength));
    const body = base.subarray(8 + headerLength);
    const r = rng(6);
    const pick = (n: number) => Math.floor(r() * n);
    const start = performance.now();
    const outcomes = { accepted: 0, refused: 0 };
    let slowest = 0;
    for (let i = 0; i < 1500; i++) {
      let bytes: Uint8Array;
      switch (i % 5) {
        case 0: {
          bytes = base.slice();
          for (let k = 0, n = 1 + pick(8); k < n; k++)
            bytes[pick(Math.min(bytes.length, 8 + headerLength + 16))] ^= 1 << pick(8);
          break;
        }
        case 1: {
          const at = pick(8 + headerLength + 8);
          const ins = Uint8Array.from({ length: 1 + pick(4) }, () => pick(256));
          bytes = new Uint8Array([...base.subarray(0, at), ...ins, ...base.subarray(at)]);
          break;
        }
        case 2: {
          const at = pick(base.length);
          bytes = new Uint8Array([...base.subarray(0, at), ...base.subarray(at + 1 + pick(16))]);
          break;
        }
        case 3: {
          // Mutate the header JSON as text: change a digit, a dtype, a quote or a bracket; keep the length word right.
          const chars = [...header];
          const at = pick(chars.length);
          const repl = ['0', '9', '"', '{', ']', ',', '-', 'e', '1e400', 'F16', ' ', '99999999999'][pick(12)];
          chars.splice(at, pick(3), repl);
          bytes = handBuilt(chars.join(''), body);
          break;
        }
        default: {
          // Structured header edits: offsets, shapes and dtypes of one tensor.
          const h = JSON.parse(header) as Record<
            string,
            { dtype: string; shape: number[]; data_offsets: number[] }
          >;
          const names = Object.keys(h).filter((n) => n !== '__metadata__');
          const t = h[names[pick(names.length)]];
          const which = pick(4);
          if (which === 0) t.data_offsets[pick(2)] += pick(64) - 32;
          else if (which === 1) t.shape = t.shape.map((d) => d + pick(3) - 1);
          else if (which === 2) t.dtype = ['F16', 'BF16', 'I64', 'U8', 'X9'][pick(5)];
          else t.data_offsets = [2 ** 53, 2 ** 53 + 4];
          bytes = handBuilt(h, body);
        }
      }
      const t0 = performance.now();
      try {
        const file = parseSafetensors(bytes);
        for (const name of file.tensors.keys()) file.float32(name);
        readParams(small, singleFileSource(file));
        outcomes.accepted++;
      } catch (e) {
        if (!(e instanceof SafetensorsError))
          throw new Error(`fuzz case ${i} (mode ${i % 5}) crashed with ${e}`);
        outcomes.refused++;
      }
      slowest = Math.max(slowest, performance.now() - t0);
    }
    const ms = performance.now() - start;
    console.log(
      `safetensors fuzz: ${outcomes.refused} refused, ${outcomes.accepted} accepted, ${ms.toFixed(0)} ms, slowest case ${slowest.toFixed(0)} ms`,
    );
    expect(outcomes.refused).toBeGreaterThan(1000);
    // a watchdog for a hang, not a speed claim: the slowest file parses in milliseconds on an idle machine
    expect(slowest).toBeLessThan(5_000);
  });
});
