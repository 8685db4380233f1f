/**
 * Memory estimates for the named targets, from their real config.json values (SmolLM2-135M(-Instruct)
 * and Qwen2.5-0.5B-Instruct as published on the hub), full fine-tuning and LoRA, with hand-computed
 * parameter and adapter counts, and what the common adapter limits allow. The table printed here is the
 * one in docs/MODELS.md ("Memory").
 */
import { describe, expect, it } from 'vitest';
import { resolveRunConfig } from '../config/resolve.js';
import { parameterCount, parseHfConfig } from './config.js';
import {
  DEFAULT_LIMITS,
  describeEstimate,
  estimateRunMemory,
  formatBytes,
  QWEN25_05B_INSTRUCT_CONFIG,
  SMOLLM2_135M_CONFIG,
} from './memory.js';

const MiB = 2 ** 20;
const GiB = 2 ** 30;
// P = 8 prompts x G = 8 samples, 8 micro-batches of 8 rows, 32 completion tokens (+ 32 prompt tokens)
const run = (lora: boolean) =>
  resolveRunConfig({
    model: { name: 'x/y', overrides: {} },
    gradient_accumulation: 8,
    lora: lora ? { rank: 8, alpha: 16, target_modules: ['q', 'k', 'v', 'o'] } : null,
  });

// [name, config, parameters, LoRA adapter parameters, parameters in vectors (norms, biases: kept f32)]
const TARGETS = [
  ['SmolLM2-135M', SMOLLM2_135M_CONFIG, 134_515_008, 30 * (9216 + 6144 + 6144 + 9216), 30 * 2 * 576 + 576],
  [
    'Qwen2.5-0.5B-Instruct',
    QWEN25_05B_INSTRUCT_CONFIG,
    494_032_768,
    24 * (14336 + 8192 + 8192 + 14336),
    24 * (2 * 896 + 896 + 128 + 128) + 896, // norms and the q, k, v biases
  ],
] as const;

describe('memory estimates of the named targets', () => {
  it.each(TARGETS)(
    '%s: parameters, adapters, and each part by hand',
    (_name, raw, params, adapterParams, vectors) => {
      const config = parseHfConfig(raw);
      expect(parameterCount(config)).toBe(params);
      const full = estimateRunMemory(config, run(false));
      const lora = estimateRunMemory(config, run(true));
      expect(full.parameters).toBe(params);
      expect(full.trainableParameters).toBe(params);
      expect(lora.trainableParameters).toBe(adapterParams);
      // full: f32 weights, gradients, two AdamW moments, a reference copy (beta = 0.04)
      expect(full.parts.weights).toBe(4 * params);
      expect(full.parts.gradients).toBe(4 * params);
      expect(full.parts.optimizer).toBe(8 * params);
      expect(full.parts.reference).toBe(4 * params);
      // LoRA: frozen base with its matrices in f16 (vectors f32), f32 adapters trained, no reference copy
      // (the base with adapters off)
      expect(lora.parts.weights).toBe(2 * (params - vectors) + 4 * vectors + 4 * adapterParams);
      expect(lora.parts.gradients).toBe(4 * adapterParams);
      expect(lora.parts.optimizer).toBe(8 * adapterParams);
      expect(lora.parts.reference).toBe(0);
      // activations are the same; logits [8 rows x 64 tokens, V] and their gradient
      const V = config.vocabSize;
      expect(full.shapes).toEqual({
        microBatchRows: 8,
        tokensPerRow: 64,
        promptTokens: 32,
        generationRows: 64,
      });
      // one piece of logits and its gradient: all 512 rows of SmolLM2's (96 MiB); Qwen2.5's 512 rows
      // (296.8 MiB) go in pieces of floor(128 MiB / (151936 x 4)) = 220 rows
      expect(full.parts.logits).toBe(2 * (V === 151_936 ? 220 : 512) * V * 4);
      expect(lora.parts.activations).toBe(full.parts.activations);
      // KV cache: 2 x layers x 64 rows x 64 tokens x Hkv x D floats, plus the generation logits
      const kv = 2 * config.numLayers * 64 * 64 * config.numKvHeads * config.headDim * 4 + 64 * V * 4;
      expect(full.parts.kvCache).toBe(kv);
      expect(lora.total).toBeLessThan(full.total);
    },
  );

  it('says what the common adapter limits allow', () => {
    const rows: string[] = [];
    const verdicts = new Map<string, boolean>();
    for (const [name, raw] of TARGETS) {
      const config = parseHfConfig(raw);
      for (const lora of [false, true]) {
        for (const [limitName, limits, budget] of [
          ['128 MiB binding, 2 GiB budget', DEFAULT_LIMITS, 2 * GiB],
          ['1 GiB binding, 4 GiB budget', { maxStorageBufferBindingSize: GiB, maxBufferSize: GiB }, 4 * GiB],
        ] as const) {
          const e = estimateRunMemory(config, run(lora), { limits, budgetBytes: budget });
          verdicts.set(`${name} ${lora ? 'lora' : 'full'} ${limitName}`, e.fits);
          rows.push(
            `| ${name} | ${lora ? 'LoRA r=8 q,k,v,o' : 'full'} | ${formatBytes(e.total)} | ${e.largestTensor.name} ${formatBytes(e.largestTensor.bytes)} | ${limitName}: ${e.fits ? 'fits' : `refused (${e.problems.join('; ')})`} |`,
          );
        }
      }
      expect(describeEstimate(estimateRunMemory(config, run(true)))).toMatch(/^Estimated LoRA memory ≈ /);
    }
    console.log(rows.join('\n'));
    // SmolLM2's embedding (108.0 MiB) fits a default 128 MiB binding; Qwen2.5-0.5B's (519 MiB) is split
    expect(verdicts.get('SmolLM2-135M lora 128 MiB binding, 2 GiB budget')).toBe(true);
    expect(verdicts.get('Qwen2.5-0.5B-Instruct lora 128 MiB binding, 2 GiB budget')).toBe(false);
    expect(verdicts.get('Qwen2.5-0.5B-Instruct lora 1 GiB binding, 4 GiB budget')).toBe(true);
    const qwen = parseHfConfig(QWEN25_05B_INSTRUCT_CONFIG);
    const at128 = (gradientAccumulation: number) =>
      estimateRunMemory(
        qwen,
        { ...run(true), gradient_accumulation: gradientAccumulation },
        {
          limits: DEFAULT_LIMITS,
          budgetBytes: 4 * GiB,
        },
      );
    // 8 rows of 64 tokens: the logits [512, 151936] (296.8 MiB) are made 220 rows at a time
    expect(at128(8).problems).toEqual([]);
    expect(at128(8).parts.logits).toBe(2 * 220 * 151936 * 4);
    // one micro-batch of all 64 rows: 4,096 logits rows in 19 pieces, still no buffer over the limit
    expect(at128(1).problems.filter((p) => /per-buffer/.test(p))).toEqual([]);
    // 1 row per micro-batch: logits 37.1 MiB; the f16 embedding (259.7 MiB) is 3 chunks of <= 50648 rows
    const fits = at128(64);
    expect(fits.fits).toBe(true);
    expect(fits.splitTensors).toEqual([
      { name: 'model.embed_tokens.weight', bytes: 151936 * 896 * 2, chunks: 3 },
    ]);
    expect(describeEstimate(fits)).toMatch(/model\.embed_tokens\.weight stored as 3 row chunks$/);
    // full fine-tuning keeps it f32: 519.3 MiB in 5 chunks of <= 30388 rows (104 MiB)
    const full = estimateRunMemory(
      qwen,
      { ...run(false), gradient_accumulation: 64 },
      { limits: DEFAULT_LIMITS },
    );
    expect(full.splitTensors).toEqual([
      { name: 'model.embed_tokens.weight', bytes: 151936 * 896 * 4, chunks: 5 },
    ]);
    expect(
      estimateRunMemory(qwen, run(true), { limits: { maxStorageBufferBindingSize: GiB, maxBufferSize: GiB } })
        .splitTensors,
    ).toEqual([]);
    expect(49152 * 576 * 4).toBeLessThan(128 * MiB);
  });
});

describe('prompt tokens the estimate assumes', () => {
  it('32, plus the system prompt in UTF-8 bytes; a measured length replaces both', () => {
    const config = parseHfConfig(SMOLLM2_135M_CONFIG);
    const plain = estimateRunMemory(config, run(false));
    expect(plain.shapes).toMatchObject({ promptTokens: 32, tokensPerRow: 64 });
    const sys = resolveRunConfig({ ...run(false), system_prompt: 'Réponds en français.' }); // 20 characters, 22 bytes (é and ç take two)
    const withSystem = estimateRunMemory(config, sys);
    expect(withSystem.shapes).toMatchObject({ promptTokens: 54, tokensPerRow: 86 });
    expect(withSystem.parts.activations).toBeGreaterThan(plain.parts.activations);
    expect(estimateRunMemory(config, sys, { promptTokens: 40 }).shapes.tokensPerRow).toBe(72);
  });
});

describe('the reference under sft_loss asft', () => {
  it("counts θ_ref and the reference's logits piece when SFT updates take the anchor", () => {
    const config = parseHfConfig(SMOLLM2_135M_CONFIG);
    const P = parameterCount(config);
    const base = { model: { name: 'x/y', overrides: {} }, gradient_accumulation: 8, beta: 0 };
    const sft = (over: Record<string, unknown>) =>
      estimateRunMemory(config, resolveRunConfig({ ...base, algorithm: 'sft', ...over }));
    const ce = sft({});
    const asft = sft({ sft_loss: 'asft' });
    expect(ce.parts.reference).toBe(0);
    expect(asft.parts.reference).toBe(4 * P);
    expect(asft.parts.logits).toBe((3 / 2) * ce.parts.logits);
    expect(sft({ sft_loss: 'dft' }).parts).toEqual(ce.parts);
    // GRPO without an SFT warm-up takes no SFT update: asft holds nothing there
    const grpo = (over: Record<string, unknown>) =>
      estimateRunMemory(config, resolveRunConfig({ ...base, sft_loss: 'asft', ...over }));
    expect(grpo({}).parts.reference).toBe(0);
    expect(grpo({ sft_steps: 5 }).parts.reference).toBe(4 * P);
    // sft_targets self_when_correct answers with θ_ref: its weights, and no extra logits piece
    const self = sft({ sft_targets: 'self_when_correct' });
    expect(self.parts.reference).toBe(4 * P);
    expect(self.parts.logits).toBe(ce.parts.logits);
    // LoRA's reference is the base with adapters off: no copy
    expect(
      estimateRunMemory(
        config,
        resolveRunConfig({ ...base, lora: run(true).lora, algorithm: 'sft', sft_loss: 'asft' }),
      ).parts.reference,
    ).toBe(0);
  });

  it('a staged run needs what its largest stage needs', () => {
    const config = parseHfConfig(SMOLLM2_135M_CONFIG);
    const P = parameterCount(config);
    const base = { model: { name: 'x/y', overrides: {} }, gradient_accumulation: 8, beta: 0 };
    const plain = estimateRunMemory(config, resolveRunConfig({ ...base, algorithm: 'sft' }));
    expect(plain.parts.reference).toBe(0);
    // an SFT stage, then a GRPO stage with beta > 0 (a reference) and longer completions
    const staged = estimateRunMemory(
      config,
      resolveRunConfig({
        ...base,
        algorithm: 'sft',
        stages: [
          { name: 'sft', steps: 2 },
          { name: 'rl', steps: 2, algorithm: 'grpo', beta: 0.04, max_completion_length: 64 },
        ],
      }),
    );
    expect(staged.parts.reference).toBe(4 * P);
    expect(staged.shapes.tokensPerRow).toBeGreaterThan(plain.shapes.tokensPerRow);
    expect(staged.total).toBeGreaterThan(plain.total);
  });

  it("a LoRA run's later stage holds a frozen copy of the adapters as θ_ref", () => {
    const config = parseHfConfig(SMOLLM2_135M_CONFIG);
    const lora = { rank: 8, alpha: 16, target_modules: ['q' as const, 'v' as const] };
    const base = { model: { name: 'x/y', overrides: {} }, gradient_accumulation: 8, lora };
    const first = estimateRunMemory(config, resolveRunConfig({ ...base, beta: 0.04 }));
    expect(first.parts.reference).toBe(0);
    const staged = estimateRunMemory(
      config,
      resolveRunConfig({
        ...base,
        beta: 0,
        stages: [
          { name: 'a', steps: 1 },
          { name: 'b', steps: 1, beta: 0.04 },
        ],
      }),
    );
    expect(staged.parts.reference).toBe(4 * staged.trainableParameters);
  });
});

describe('the reference under guidance_weight', () => {
  it("counts θ_ref's weights and its eval KV cache when evaluation samples under guidance (w ≠ 1)", () => {
    const config = parseHfConfig(SMOLLM2_135M_CONFIG);
    const P = parameterCount(config);
    const base = { model: { name: 'x/y', overrides: {} }, gradient_accumulation: 8, beta: 0, eval_every: 5 };
    const est = (over: Record<string, unknown>) =>
      estimateRunMemory(config, resolveRunConfig({ ...base, ...over }));
    const plain = est({});
    const guided = est({ guidance_weight: 0.5 });
    expect(plain.parts.reference).toBe(0);
    expect(guided.parts.reference).toBe(4 * P);
    const c = resolveRunConfig({ ...base, guidance_weight: 0.5 });
    const rows = Math.min(Math.floor(128 / c.eval_samples), c.eval_prompts) * c.eval_samples;
    const T = guided.shapes.tokensPerRow;
    const { numLayers: L, numKvHeads: Hkv, headDim: D, vocabSize: V } = config;
    expect(guided.parts.kvCache - plain.parts.kvCache).toBe((2 * L * rows * T * Hkv * D + 2 * rows * V) * 4);
    // w = 1 is the policy alone
    expect(est({ guidance_weight: 1 }).parts).toEqual(plain.parts);
  });
});
