/**
 * LoRA GRPO through the real training session, for tiny random checkpoints of every HF layout served by
 * a local hub: the run loads by hub id, takes a few steps with a KL reference (the base with adapters
 * off), trains only the adapters (the base weights, held as f16, come back as the hub's values rounded to
 * f16, bit for bit), and saves a checkpoint of
 * merged weights that reloads with the policy's logits. A run whose estimate does not fit is refused
 * after config.json, before any weights are requested.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roundToF16 } from '../../kernels/runtime/f16.js';
import { expectClose } from '../../kernels/testing/compare.js';
import { testRuntime } from '../../kernels/testing/gpu.js';
import { presetConfig } from '../config/presets.js';
import { resolveRunConfig } from '../config/resolve.js';
import { type LocalHub, startLocalHub, TINY_LAYOUTS, tinyCheckpoint } from '../hub/fixtures.js';
import { memoryHubCache } from '../hub/index.js';
import { createTrainingSession } from '../train/session.js';
import { memoryFs, readCheckpoint } from './checkpoint.js';
import { GpuModel } from './gpu/model.js';
import { ModelTooLargeError } from './memory.js';
import { paramSpecs } from './param-names.js';

let hub: LocalHub;
const tiny = new Map(TINY_LAYOUTS.map((l) => [l, tinyCheckpoint(l, 3)]));
beforeAll(async () => {
  hub = await startLocalHub(new Map([...tiny].map(([l, c]) => [`tiny/${l}@main`, c.files])));
});
afterAll(() => hub.close());

function loraRun(layout: string) {
  const smoke = presetConfig('smoke');
  return resolveRunConfig({
    ...smoke,
    model: { name: `tiny/${layout}`, overrides: {} },
    lora: { rank: 4, alpha: 8, target_modules: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] },
    prompts_per_step: 8,
    num_generations: 8,
    gradient_accumulation: 2,
    beta: 0.04,
    eval_every: 0,
    max_steps: 3,
  });
}

describe.each(TINY_LAYOUTS)('LoRA GRPO on a %s checkpoint loaded from the hub', (layout) => {
  it('trains the adapters only, with the base as the KL reference, and saves merged weights', async () => {
    const rt = await testRuntime();
    const config = loraRun(layout);
    const phases: string[] = [];
    const session = await createTrainingSession(
      rt,
      config,
      { onPhase: (p, _x, detail) => phases.push(`${p}:${detail ?? ''}`) },
      { hub: { baseUrl: hub.baseUrl, cache: memoryHubCache() } },
    );
    const rows = [];
    for (let i = 0; i < 3; i++) rows.push(await session.step());
    for (const r of rows) {
      expect(Number.isFinite(r.loss), 'loss').toBe(true);
      expect(Number.isFinite(r.kl), 'kl').toBe(true);
    }
    expect(Math.max(...rows.map((r) => r.grad_norm))).toBeGreaterThan(0); // some group had reward spread
    expect(rows[0].kl).toBeCloseTo(0, 6); // B = 0 at start: policy = reference
    // base weights frozen: bit-identical to what the hub served
    const base = tiny.get(layout as (typeof TINY_LAYOUTS)[number])!;
    const adapters = (await session.adapterWeights())!;
    const bNorm = [...adapters]
      .filter(([k]) => k.includes('lora_B'))
      .reduce((s, [, v]) => s + v.reduce((a, b) => a + b * b, 0), 0);
    expect(bNorm).toBeGreaterThan(0);
    const merged = await session.policyWeights();
    const files = await session.saveCheckpoint(memoryFs());
    const saved = await readCheckpoint(memoryFs(files));
    // the frozen base is held as f16 (its matrices; norms and biases stay f32): what the hub served, rounded
    const stored = new Map(
      paramSpecs(base.config).map((s) => {
        const v = base.params.get(s.name)!;
        return [s.name, s.shape.length === 2 && s.name !== 'transformer.wpe.weight' ? roundToF16(v) : v];
      }),
    );
    const changed = [...saved.params]
      .filter(([k, v]) => v.some((x, i) => x !== stored.get(k)![i]))
      .map(([k]) => k);
    expect(changed.length).toBeGreaterThan(0);
    expect(changed.every((k) => /(attn|mlp)\./.test(k) && k.endsWith('.weight'))).toBe(true);
    // the unmerged base inside the session is untouched, and stored as f16
    const policyParams = (session as unknown as { ctx: { model: GpuModel } }).ctx.model.params;
    expect(policyParams.hasHalfWeights).toBe(true);
    const policyBase = await policyParams.download();
    for (const [k, v] of stored) expect(policyBase.get(k), k).toEqual(v);
    // the saved (merged) folder runs as the LoRA policy does
    const ids = [[2, 3, 4, 5, 6]];
    const reloaded = GpuModel.load(rt, saved.config, saved.params);
    const policy = new GpuModel(
      rt,
      session.modelConfig,
      (session as unknown as { ctx: { model: GpuModel } }).ctx.model.params,
    );
    expectClose(
      await reloaded.logits(ids),
      await policy.logits(ids),
      { atol: 2e-5, rtol: 1e-4 },
      'merged logits',
    );
    expect(merged.size).toBe(saved.params.size);
    reloaded.dispose();
    session.dispose();
  });
});

describe('LoRA resume', () => {
  it('a run resumed from its checkpoint (base reloaded from the hub, adapters from the trainer state) continues exactly', async () => {
    const rt = await testRuntime();
    const config = loraRun('llama');
    const options = { hub: { baseUrl: hub.baseUrl, cache: memoryHubCache() } };
    const straight = await createTrainingSession(rt, config, {}, options);
    const want = [];
    for (let i = 0; i < 3; i++) want.push(await straight.step());
    straight.dispose();
    const first = await createTrainingSession(rt, config, {}, options);
    await first.step();
    await first.step();
    const files = await first.saveCheckpoint(memoryFs());
    first.dispose();
    expect([...files.keys()].some((k) => k.startsWith('adapter_'))).toBe(false); // transformers would try PEFT
    const resumed = await createTrainingSession(rt, config, {}, { ...options, resume: memoryFs(files) });
    expect(resumed.stepsDone).toBe(2);
    const third = await resumed.step();
    for (const key of ['reward', 'loss', 'kl', 'grad_norm'] as const)
      expect(third[key], key).toBe(want[2][key]);
    resumed.dispose();
  });
});

describe('memory refusal', () => {
  it('refuses a model over budget after config.json, before any weights download', async () => {
    const rt = await testRuntime();
    const before = hub.requests.length;
    const attempt = createTrainingSession(
      rt,
      loraRun('llama'),
      {},
      {
        hub: { baseUrl: hub.baseUrl },
        memory: { budgetBytes: 64 * 1024 },
      },
    );
    await expect(attempt).rejects.toThrow(ModelTooLargeError);
    await expect(attempt).rejects.toThrow(/over the 64\.0 KiB budget.*Estimated LoRA memory/);
    expect(hub.requests.slice(before)).toEqual(['/tiny/llama/resolve/main/config.json']);
  });
});
