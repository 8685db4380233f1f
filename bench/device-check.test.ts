/**
 * The device check (`tabrl bench --device-check`) at its smallest size, end to end through the CLI, so
 * the command a GPU machine will run cannot rot: the report's shape, and every timing, throughput and
 * byte count a finite positive number. Also the peak table's matching and the stand-in tokenizer.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tabrl } from '../cli/cli-run.testing.js';
import { tokenizerFromJSON } from '../engine/tokenizers/load.js';
import { devicePeak } from './device-check/peaks.js';
import { checkSizes } from './device-check/run.js';
import { syntheticTokenizer } from './device-check/tokenizer.js';

const positive = (where: string, x: unknown) => {
  expect(typeof x, where).toBe('number');
  expect(Number.isFinite(x) && (x as number) > 0, `${where} = ${x}`).toBe(true);
};

describe('device check', () => {
  it('matches known GPUs on the adapter text Dawn reports, and nothing else', () => {
    const peak = (device: string, description = '') =>
      devicePeak({ vendor: 'nvidia', architecture: 'hopper', device, description }).name;
    expect(peak('nvidia-h100-80gb-hbm3')).toBe('NVIDIA H100 SXM');
    expect(peak('nvidia-h100-pcie')).toBe('NVIDIA H100 PCIe');
    expect(peak('nvidia-h200')).toBe('NVIDIA H200');
    expect(peak('', 'NVIDIA L4')).toBe('NVIDIA L4');
    expect(peak('nvidia-l40s')).toBe('NVIDIA L40S');
    expect(peak('nvidia-geforce-rtx-3090')).toBe('NVIDIA GeForce RTX 3090');
    expect(
      devicePeak({ vendor: 'apple', architecture: 'metal-3', device: 'apple-m2-max', description: '' }),
    ).toEqual({ name: 'Apple M2 Max', fp32_tflops: 13.6 });
    expect(
      devicePeak({
        vendor: 'google',
        architecture: 'swiftshader',
        device: 'swiftshader-device-subzero-',
        description: 'SwiftShader driver 5.0.0',
      }),
    ).toEqual({ name: 'unknown', fp32_tflops: null });
  });

  it('builds a tokenizer of any vocabulary that encodes every prompt and decodes every id', () => {
    const { json, config } = syntheticTokenizer(70_000, 3);
    const tok = tokenizerFromJSON(json, config);
    expect([tok.vocabSize, tok.eosId]).toEqual([70_000, 3]);
    const text = '12+34= é';
    expect(tok.decode(tok.encode(text, { addSpecialTokens: false }))).toBe(text);
    expect(typeof tok.decode([0, 69_999, 65_600, 3], { skipSpecialTokens: true })).toBe('string');
  });

  it('tabrl bench --device-check --size tiny writes a report of finite positive figures', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tabrl-device-check-'));
    try {
      const json = join(dir, 'check.json');
      const run = await tabrl(['bench', '--device-check', '--size', 'tiny', '--json', json]);
      expect(run.code, run.stderr).toBe(0);
      console.log(`device check --size tiny: ${run.seconds.toFixed(1)} s`);
      const r = JSON.parse(await readFile(json, 'utf8'));
      expect(r.format).toBe('tabrl-device-check-v1');
      expect(r.size).toBe('tiny');
      expect(r.sizes).toEqual(JSON.parse(JSON.stringify(checkSizes('tiny'))));
      expect(Object.keys(r.adapter).sort()).toEqual(
        ['architecture', 'description', 'device', 'isFallbackAdapter', 'isSoftware', 'vendor'].sort(),
      );
      expect(['gpu-timestamps', 'wall-clock+fence']).toContain(r.timing);
      expect(r.peak.name === 'unknown').toBe(r.peak.fp32_tflops === null);
      // 2 squares and the first 3 default-model shapes, ours and tfjs
      expect(r.matmul.map((m: { name: string }) => m.name)).toEqual([
        'square 16',
        'square 32',
        'default attn.qkv fwd',
        'default attn.qkv dX',
        'default attn.qkv dW',
      ]);
      for (const m of r.matmul) {
        for (const k of ['flops', 'ours_ms', 'ours_gflops', 'peer_ms', 'peer_gflops', 'ratio'])
          positive(`matmul ${m.name} ${k}`, m[k]);
        expect(m.peer).toMatch(/^tfjs-webgpu /);
        if (r.peak.fp32_tflops === null) expect(m.ours_peak_share).toBeNull();
        else positive(`matmul ${m.name} share`, m.ours_peak_share);
      }
      expect(r.models.map((m: { name: string }) => m.name)).toEqual([
        'train step default',
        'decode default',
        'train step 10M',
        'decode 10M',
      ]);
      for (const m of r.models)
        for (const k of ['ours_ms', 'tokens_per_second']) positive(`${m.name} ${k}`, m[k]);
      expect(r.grpo.map((g: { model: string }) => g.model)).toEqual(['SmolLM2-135M', 'Qwen2.5-0.5B']);
      for (const g of r.grpo) {
        expect([g.P, g.G, g.new_tokens]).toEqual([1, 2, 4]);
        expect(g.lora).toEqual({ rank: 8, alpha: 16, target_modules: ['q', 'k', 'v', 'o'] });
        for (const k of [
          'params',
          'setup_seconds',
          'step_seconds',
          'generate_seconds',
          'score_seconds',
          'reference_seconds',
          'train_seconds',
          'completion_mean_length',
          'tokens_per_second',
          'peak_bytes',
        ])
          positive(`grpo ${g.model} ${k}`, g[k]);
        expect(g.generate_seconds + g.score_seconds + g.reference_seconds + g.train_seconds).toBeCloseTo(
          g.step_seconds,
          6,
        );
      }
      const l = r.learning;
      expect(l.preset).toBe('smoke');
      expect(l.evals.map((e: { steps: number }) => e.steps)).toEqual([0, 1]);
      for (const k of ['trainSeconds', 'setupSeconds', 'evalSeconds']) positive(`learning ${k}`, l[k]);
      for (const e of l.evals) expect(e.passAt1 >= 0 && e.passAt1 <= 1).toBe(true);
      for (const k of ['matmul', 'models', 'grpo', 'learning', 'total'])
        positive(`seconds.${k}`, r.seconds[k]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
