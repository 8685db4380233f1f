import { describe, expect, it } from 'vitest';
import { rng } from '../../kernels/testing/random.js';
import { CharTokenizer } from '../tokenizers/char-tokenizer.js';
import { memoryFs, writeCheckpoint } from './checkpoint.js';
import { modelPreset } from './config.js';
import { initParams } from './init.js';
import { interpolateCheckpoints, interpolateTensorBytes } from './interpolate.js';
import {
  parseSafetensors,
  type SafetensorsDType,
  type TensorToWrite,
  writeSafetensors,
} from './safetensors.js';

const f32 = (xs: number[]) => new Uint8Array(new Float32Array(xs).buffer);
const u16 = (xs: number[]) => new Uint8Array(new Uint16Array(xs).buffer);
const asF32 = (b: Uint8Array) => [...new Float32Array(b.buffer, b.byteOffset, b.length / 4)];
const asU16 = (b: Uint8Array) => [...new Uint16Array(b.buffer, b.byteOffset, b.length / 2)];

describe('interpolateTensorBytes', () => {
  it('computes (1 − α)·a + α·b by hand, F32', () => {
    // α = 0.25: 0.75·1 + 0.25·3 = 1.5; 0.75·(−2) + 0.25·2 = −1; α = 1.5: −0.5·1 + 1.5·3 = 4; −0.5·(−2) + 1.5·2 = 4
    expect(asF32(interpolateTensorBytes('F32', f32([1, -2]), f32([3, 2]), 0.25))).toEqual([1.5, -1]);
    expect(asF32(interpolateTensorBytes('F32', f32([1, -2]), f32([3, 2]), 1.5))).toEqual([4, 4]);
  });
  it('α = 0 and α = 1 give A and B bit for bit (−0 and a NaN payload too)', () => {
    const a = f32([-0, 1]);
    new DataView(a.buffer).setUint32(4, 0x7fa00001, true); // a signalling NaN
    const b = f32([5, 7]);
    expect([...interpolateTensorBytes('F32', a, b, 0)]).toEqual([...a]);
    expect([...interpolateTensorBytes('F32', a, b, 1)]).toEqual([...b]);
  });
  it('F16 rounds once from float64: 1 and 1 + 2^-10 at α = 0.5 + 2^-12 go up, ties to even', () => {
    // a = 1 (0x3c00), b = 1 + 2^-10 (0x3c01). α = 0.5: exactly halfway, ties to even -> 0x3c00.
    expect(asU16(interpolateTensorBytes('F16', u16([0x3c00]), u16([0x3c01]), 0.5))).toEqual([0x3c00]);
    // α = 0.5 + 2^-30: just above the tie in float64 (a float32 intermediate would round it to the tie) -> 0x3c01
    expect(asU16(interpolateTensorBytes('F16', u16([0x3c00]), u16([0x3c01]), 0.5 + 2 ** -30))).toEqual([
      0x3c01,
    ]);
    // α = 1.5 between 2 (0x4000) and 4 (0x4400): −0.5·2 + 1.5·4 = 5 (0x4500)
    expect(asU16(interpolateTensorBytes('F16', u16([0x4000]), u16([0x4400]), 1.5))).toEqual([0x4500]);
  });
  it('BF16 rounds once: 1 (0x3f80) and 1 + 2^-7 (0x3f81)', () => {
    expect(asU16(interpolateTensorBytes('BF16', u16([0x3f80]), u16([0x3f81]), 0.5))).toEqual([0x3f80]);
    expect(asU16(interpolateTensorBytes('BF16', u16([0x3f81]), u16([0x3f82]), 0.5))).toEqual([0x3f82]); // tie -> even
    expect(asU16(interpolateTensorBytes('BF16', u16([0x3f80]), u16([0x3f81]), 0.75))).toEqual([0x3f81]);
  });
});

async function folder(
  seed: number,
  edit?: (c: ReturnType<typeof modelPreset>) => void,
  nameLayout: 'bare' | 'prefixed' = 'prefixed',
  preset = 'qwen2-micro',
) {
  const config = modelPreset(preset);
  edit?.(config);
  const tok = new CharTokenizer();
  const fs = memoryFs();
  await writeCheckpoint(fs, {
    config,
    params: initParams(config, rng(seed)),
    nameLayout,
    tokenizer: tok.toJSON(),
    tokenizerConfig: tok.tokenizerConfig(),
    trainerState: null,
  });
  return fs;
}

type RawTensor = { name: string; shape: number[]; dtype: SafetensorsDType; bytes: Uint8Array };

/** Rewrites a folder's model.safetensors through `edit` (tensors in file order, bytes copied). */
function rewriteWeights(fs: ReturnType<typeof memoryFs>, edit: (tensors: RawTensor[]) => RawTensor[]) {
  const file = parseSafetensors(fs.files.get('model.safetensors')!);
  const tensors = [...file.tensors].map(
    ([name, e]): RawTensor => ({
      name,
      shape: e.shape,
      dtype: e.dtype,
      bytes: file.raw(name).slice(),
    }),
  );
  fs.files.set(
    'model.safetensors',
    writeSafetensors(edit(tensors) as TensorToWrite[], file.metadata ?? undefined),
  );
}

describe('interpolateCheckpoints', () => {
  it('interpolates every tensor of two folders', async () => {
    const [a, b] = [await folder(1), await folder(2)];
    const r = await interpolateCheckpoints({ fs: a, label: 'A' }, { fs: b, label: 'B' }, 0.3);
    const out = parseSafetensors(r.weights);
    const fa = parseSafetensors(a.files.get('model.safetensors')!);
    const fb = parseSafetensors(b.files.get('model.safetensors')!);
    expect(r.floatTensors).toBe(fa.tensors.size);
    for (const name of fa.tensors.keys()) {
      const [x, y, z] = [fa.float32(name), fb.float32(name), out.float32(name)];
      for (let i = 0; i < x.length; i++) expect(z[i]).toBe(Math.fround(0.7 * x[i] + 0.3 * y[i]));
    }
  });
  it('refuses α outside [0, 1.5]', async () => {
    const [a, b] = [await folder(1), await folder(2)];
    await expect(interpolateCheckpoints({ fs: a, label: 'A' }, { fs: b, label: 'B' }, 1.6)).rejects.toThrow(
      /alpha must be in \[0, 1.5\] \(got 1.6\)/,
    );
  });
  it('names the first config.json difference', async () => {
    const [a, b] = [await folder(1), await folder(2, (c) => (c.normEps = 1e-5))];
    await expect(interpolateCheckpoints({ fs: a, label: 'A' }, { fs: b, label: 'B' }, 0.5)).rejects.toThrow(
      /config\.json field "rms_norm_eps" differs/,
    );
  });
  it('names the first tokenizer.json difference', async () => {
    const [a, b] = [await folder(1), await folder(2)];
    const tok = JSON.parse(new TextDecoder().decode(b.files.get('tokenizer.json')!));
    tok.model.vocab = { ...tok.model.vocab, x: 999 };
    b.files.set('tokenizer.json', new TextEncoder().encode(JSON.stringify(tok)));
    await expect(interpolateCheckpoints({ fs: a, label: 'A' }, { fs: b, label: 'B' }, 0.5)).rejects.toThrow(
      /tokenizer\.json differs at model\.vocab/,
    );
  });
  it('names the first tensor that only one folder has', async () => {
    const [a, b] = [await folder(1), await folder(2, undefined, 'bare')];
    await expect(interpolateCheckpoints({ fs: a, label: 'A' }, { fs: b, label: 'B' }, 0.5)).rejects.toThrow(
      /tensor "model\.embed_tokens\.weight" is in A but not in B/,
    );
  });
  it('names the first tensor whose dtype differs', async () => {
    const [a, b] = [await folder(1), await folder(2)];
    const order = [...parseSafetensors(a.files.get('model.safetensors')!).tensors.keys()];
    const half = new Set([order[1], order[3]]);
    rewriteWeights(b, (tensors) =>
      tensors.map((t) =>
        half.has(t.name) ? { ...t, dtype: 'F16', bytes: new Uint8Array(t.bytes.length / 2) } : t,
      ),
    );
    await expect(interpolateCheckpoints({ fs: a, label: 'A' }, { fs: b, label: 'B' }, 0.5)).rejects.toThrow(
      `tensor "${order[1]}" is F32 in one, F16 in the other`,
    );
  });
  it('copies equal non-float tensors and names the first one whose values differ', async () => {
    // GPT-2's causal-mask buffers (h.N.attn.bias) carry no parameters; here they are U8 tensors
    const mask = (layer: number, values: number[]): RawTensor => ({
      name: `h.${layer}.attn.bias`,
      shape: [1, 1, 2, 2],
      dtype: 'U8',
      bytes: Uint8Array.from(values),
    });
    const [a, b, c] = [
      await folder(1, undefined, 'bare', 'smoke'),
      await folder(2, undefined, 'bare', 'smoke'),
      await folder(3, undefined, 'bare', 'smoke'),
    ];
    rewriteWeights(a, (t) => [...t, mask(0, [1, 0, 1, 1]), mask(1, [1, 0, 1, 1])]);
    rewriteWeights(b, (t) => [...t, mask(0, [1, 0, 1, 1]), mask(1, [1, 0, 1, 1])]);
    rewriteWeights(c, (t) => [...t, mask(0, [1, 0, 1, 1]), mask(1, [1, 1, 1, 1])]);
    const r = await interpolateCheckpoints({ fs: a, label: 'A' }, { fs: b, label: 'B' }, 0.5);
    expect(r.copiedTensors).toBe(2);
    const out = parseSafetensors(r.weights);
    expect([...out.raw('h.1.attn.bias')]).toEqual([1, 0, 1, 1]);
    await expect(interpolateCheckpoints({ fs: a, label: 'A' }, { fs: c, label: 'C' }, 0.5)).rejects.toThrow(
      'tensor "h.1.attn.bias" (U8, not a float) differs; non-float tensors must be equal',
    );
  });
});
