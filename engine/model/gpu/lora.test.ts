/**
 * LoRA on the GPU transformer, per family: adapter gradients (dA, dB) against central finite differences
 * of the float64 reference run on merged weights W + (alpha/r)·B·A; logits with adapters equal the merged
 * model's; with adapters off (or through `baseView`) the logits are bit-identical to the base model's.
 */
import { describe, expect, it } from 'vitest';
import { roundToF16 } from '../../../kernels/runtime/f16.js';
import { expectClose } from '../../../kernels/testing/compare.js';
import { numericalGradient } from '../../../kernels/testing/finite-diff.js';
import { testRuntime } from '../../../kernels/testing/gpu.js';
import { randint, rng } from '../../../kernels/testing/random.js';
import { adamwInit } from '../../optim/adamw.js';
import { type ModelConfig, modelPreset } from '../config.js';
import { initParams } from '../init.js';
import { LORA_TARGETS, type LoraOptions, loraParamSpecs, mergeLora, mergeLora64 } from '../lora.js';
import { type ParamSpec, paramSpecs } from '../param-names.js';
import { referenceForward } from '../reference/model.js';
import { disposeBatch, layoutSequences, uploadLayout } from './batch.js';
import { crossEntropyTrainingPass } from './head.js';
import { nextTokenTargets } from './lm-loss.js';
import { attachLora, baseView, GpuLora } from './lora.js';
import { GpuModel } from './model.js';
import { GpuParams } from './params.js';

const LOGITS = { atol: 3e-5, rtol: 1e-4 };
const GRADS = { atol: 3e-5, rtol: 3e-3 };

const FAMILIES: [string, () => ModelConfig][] = [
  ['gpt2', () => modelPreset('smoke')],
  ['llama', () => modelPreset('llama-micro')],
  ['qwen2', () => modelPreset('qwen2-micro')],
];

/** Adapters with B ≠ 0 (PEFT's init has B = 0, which would hide half of the math). */
function adapterValues(config: ModelConfig, o: LoraOptions, seed: number): Map<string, Float32Array> {
  const r = rng(seed);
  return new Map(
    loraParamSpecs(config, o).map((s) => {
      const v = new Float32Array(s.shape.reduce((a, b) => a * b, 1));
      for (let i = 0; i < v.length; i++) v[i] = (r() - 0.5) * 0.6;
      return [s.name, v];
    }),
  );
}

function baseValues(config: ModelConfig, seed: number): Map<string, Float32Array> {
  const values = initParams(config, rng(seed));
  for (const [name, v] of values) if (!/norm|ln_/.test(name)) for (let i = 0; i < v.length; i++) v[i] *= 8;
  return values;
}

function rows(seed: number, B: number, T: number, V: number): number[][] {
  const ids = randint(seed, B * T, V);
  return Array.from({ length: B }, (_, b) => Array.from(ids.subarray(b * T, (b + 1) * T)));
}

describe.each(FAMILIES)('LoRA on the GPU %s model', (_name, makeConfig) => {
  const options: LoraOptions = { rank: 3, alpha: 6, targetModules: [...LORA_TARGETS] };

  it.each(['f32', 'f16'] as const)(
    'adapter gradients over an %s base match central finite differences of the float64 reference',
    async (weights) => {
      const rt = await testRuntime();
      const config = makeConfig();
      // the reference sees what the GPU stores: an f16 base's matrices rounded to f16
      const base = storedBase(config, baseValues(config, 11), weights);
      const adapters = adapterValues(config, options, 12);
      const ids = rows(13, 2, 5, config.vocabSize);
      const model = GpuModel.load(rt, config, base, { frozenWeights: weights });
      const f16Params = model.params.list().filter((t) => t.dtype === 'f16').length;
      if (weights === 'f16') expect(f16Params).toBe(paramSpecs(config).filter((sp) => halfStored(sp)).length);
      else expect(f16Params).toBe(0);
      const lora = GpuLora.upload(rt, config, options, adapters);
      attachLora(model.params, lora);
      // GPU loss and adapter gradients: grads holds only adapter tensors, so the base stays frozen
      const grads = GpuParams.zerosLike(lora.params, '.grad');
      const batch = uploadLayout(rt, layoutSequences(ids, null, 0, 0, ids[0].length));
      const { targets, count } = nextTokenTargets(ids);
      const targetT = rt.upload(targets, [targets.length], 'targets', 'i32');
      const loss = crossEntropyTrainingPass(model.transformer, model.params, grads, batch, targetT, count);
      const got = await grads.download();
      const gpuLoss = (await rt.readF32(loss))[0];
      // float64 oracle: loss of the merged model as a function of each adapter entry
      const base64 = new Map([...base].map(([k, v]) => [k, Float64Array.from(v)]));
      const ad64 = new Map([...adapters].map(([k, v]) => [k, Float64Array.from(v)]));
      const refLoss = () =>
        referenceForward(config, mergeLora64(config, options, base64, ad64), { inputIds: ids }).loss;
      expect(gpuLoss).toBeCloseTo(refLoss(), 4);
      const pick = rng(14);
      const failures: string[] = [];
      // every adapter of layer 0 and the last layer's, a sample of 6 entries each (FD costs one forward per side)
      const names = [...ad64.keys()].filter((n) => /\.(0|1)\./.test(n));
      for (const name of names) {
        const x = ad64.get(name)!;
        const at = [...new Set(Array.from({ length: 6 }, () => Math.floor(pick() * x.length)))];
        const sub = Float64Array.from(at, (i) => x[i]);
        const fd = numericalGradient(
          (s) => {
            at.forEach((i, j) => {
              x[i] = s[j];
            });
            return refLoss();
          },
          sub,
          1e-5,
        );
        at.forEach((i, j) => {
          x[i] = sub[j];
        });
        const g = got.get(name)!;
        for (let j = 0; j < at.length; j++) {
          const want = fd[j];
          const diff = Math.abs(g[at[j]] - want);
          if (diff > GRADS.atol + GRADS.rtol * Math.abs(want))
            failures.push(`${name}[${at[j]}]: gpu ${g[at[j]]} fd ${want}`);
        }
      }
      expect(failures.slice(0, 8)).toEqual([]);
      for (const t of [loss, targetT]) t.dispose();
      disposeBatch(batch);
      grads.dispose();
      lora.dispose();
      model.dispose();
    },
  );

  it('runs as the merged model with adapters on, and exactly as the base with them off', async () => {
    const rt = await testRuntime();
    const config = makeConfig();
    const base = baseValues(config, 21);
    const adapters = adapterValues(config, options, 22);
    const ids = rows(23, 3, 6, config.vocabSize);
    const plain = GpuModel.load(rt, config, base);
    const want = await plain.logits(ids);
    plain.dispose();
    const model = GpuModel.load(rt, config, base);
    const lora = GpuLora.upload(rt, config, options, adapters);
    attachLora(model.params, lora);
    const merged = referenceForward(config, mergeLora(config, options, base, adapters), { inputIds: ids });
    expectClose(await model.logits(ids), merged.logits, LOGITS, 'logits with adapters');
    // the reference policy: a view of the same tensors without adapters
    const view = baseView(model.params);
    // no second copy: the view reads the policy's own tensors
    expect(view.specs.every((sp) => view.get(sp.name) === model.params.get(sp.name))).toBe(true);
    const viewModel = new GpuModel(rt, config, view);
    const off = await viewModel.logits(ids);
    expect(firstMismatch(off, want)).toBe(null);
    view.dispose();
    // the view frees nothing: the policy still runs
    lora.enabled = false;
    expect(firstMismatch(await model.logits(ids), want)).toBe(null);
    lora.dispose();
    model.dispose();
  });

  it('over an f16 base runs as the merged model of the rounded base, in half the weight bytes', async () => {
    const rt = await testRuntime();
    const config = makeConfig();
    const base = baseValues(config, 31);
    const adapters = adapterValues(config, options, 32);
    const ids = rows(33, 2, 7, config.vocabSize);
    const model = GpuModel.load(rt, config, base, { frozenWeights: 'f16' });
    const lora = GpuLora.upload(rt, config, options, adapters);
    attachLora(model.params, lora);
    const rounded = storedBase(config, base, 'f16');
    const want = referenceForward(config, mergeLora(config, options, rounded, adapters), { inputIds: ids });
    expectClose(await model.logits(ids), want.logits, LOGITS, 'logits over an f16 base');
    // unrounded weights give other logits: the test sees the rounding
    const wide = referenceForward(config, mergeLora(config, options, base, adapters), { inputIds: ids });
    expect(wide.logits.some((v, i) => Math.abs(v - want.logits[i]) > 10 * LOGITS.atol)).toBe(true);
    const halfBytes = paramSpecs(config)
      .filter(halfStored)
      .reduce((n, sp) => n + sp.shape[0] * sp.shape[1], 0);
    const full = GpuModel.load(rt, config, base);
    expect(full.params.byteLength - model.params.byteLength).toBe(2 * halfBytes);
    expect(() => adamwInit(model.params)).toThrow(/f32 master weights/);
    full.dispose();
    lora.dispose();
    model.dispose();
  });
});

/** Stored as f16 under `frozenWeights: 'f16'`: the 2-D matrices but GPT-2's position table. */
function halfStored(sp: ParamSpec): boolean {
  return sp.shape.length === 2 && sp.name !== 'transformer.wpe.weight';
}

/** The base values as the GPU holds them. */
function storedBase(
  config: ModelConfig,
  base: Map<string, Float32Array>,
  weights: 'f32' | 'f16',
): Map<string, Float32Array> {
  if (weights === 'f32') return base;
  return new Map(
    paramSpecs(config).map((sp) => {
      const v = base.get(sp.name)!;
      return [sp.name, halfStored(sp) ? roundToF16(v) : v];
    }),
  );
}

function firstMismatch(a: Float32Array, b: Float32Array): string | null {
  if (a.length !== b.length) return `lengths ${a.length} vs ${b.length}`;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return `logit ${i}: ${a[i]} vs ${b[i]}`;
  return null;
}
