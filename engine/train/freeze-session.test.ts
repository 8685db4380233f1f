/**
 * `freeze` through the trainer (docs/ALGORITHMS.md "Half fine-tuning"), on the saved checkpoint: after
 * SFT steps the frozen tensors of model.safetensors are bit-identical to the starting weights and every
 * other matrix changed, for GPT-2 and llama naming and for LoRA adapters; `freeze/fraction` is logged
 * once, at the first step; a resumed run restores the choice (not redrawn) and its next step equals the
 * uninterrupted one.
 */
import { describe, expect, it } from 'vitest';
import { testRuntime } from '../../kernels/testing/gpu';
import type { PartialRunConfig } from '../config/resolve';
import { memoryFs } from '../model/checkpoint';
import { parseSafetensors } from '../model/safetensors';
import { createTrainingSession } from './session';
import type { StepMetrics } from './session-types';
import { toyConfig } from './toy-run.testing';

const FREEZE: PartialRunConfig = {
  freeze: { fraction: 0.5 },
  prompts_per_step: 2,
  num_generations: 2,
  weight_decay: 0,
};

interface Trained {
  rows: StepMetrics[];
  start: Map<string, Float32Array>;
  files: Map<string, Uint8Array>;
  units: string[];
}

async function train(over: PartialRunConfig, steps: number, maxSteps = steps): Promise<Trained> {
  const rt = await testRuntime();
  const session = await createTrainingSession(
    rt,
    toyConfig('sft', { ...FREEZE, max_steps: maxSteps, ...over }),
  );
  try {
    const start = session.lora
      ? ((await session.adapterWeights()) as Map<string, Float32Array>)
      : await session.policyWeights();
    const rows: StepMetrics[] = [];
    while (session.stepsDone < steps) rows.push(await session.step());
    const files = await session.saveCheckpoint();
    const json = JSON.parse(new TextDecoder().decode(files.get('trainer_state.json')));
    return { rows, start, files, units: json.freeze?.units ?? [] };
  } finally {
    session.dispose();
  }
}

/** The saved tensors (model.safetensors, or the trainer state's `lora.` adapters) as float32. */
function saved(t: Trained, lora: boolean): Map<string, Float32Array> {
  const file = lora ? 'trainer_state.safetensors' : 'model.safetensors';
  const out = new Map<string, Float32Array>();
  const st = parseSafetensors(t.files.get(file) as Uint8Array);
  for (const name of st.tensors.keys()) {
    if (lora && !name.startsWith('lora.')) continue;
    out.set(lora ? name.slice(5) : name, st.float32(name));
  }
  return out;
}

const bytesOf = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

function checkFrozen(t: Trained, lora: boolean, isMatrix: (name: string) => boolean) {
  const after = saved(t, lora);
  const frozen = (name: string) => t.units.some((u) => name.startsWith(`${u}.`));
  let kept = 0;
  let moved = 0;
  for (const [name, before] of t.start) {
    const now = after.get(name);
    expect(now, name).toBeDefined();
    const same = Buffer.compare(bytesOf(before), bytesOf(now as Float32Array)) === 0;
    if (frozen(name)) {
      expect(same, `${name} is frozen: bit-identical`).toBe(true);
      kept++;
    } else if (isMatrix(name)) {
      expect(same, `${name} trains: changed`).toBe(false);
      moved++;
    }
  }
  expect(kept).toBeGreaterThan(0);
  expect(moved).toBeGreaterThan(0);
}

/** The GPT-2 run of three steps, shared by the checkpoint check and the resume check. */
let gpt2: Promise<Trained> | undefined;
const gpt2Straight = () => {
  gpt2 ??= train({}, 3);
  return gpt2;
};

describe('freeze through the trainer', () => {
  it('GPT-2: frozen matrices and biases keep their bytes, the rest train; fraction logged once', async () => {
    const t = await gpt2Straight();
    expect(t.units.length).toBe(4); // one of two attention and one of two MLP matrices, 2 blocks
    expect(t.rows[0]['freeze/fraction']).toBeGreaterThan(0.3);
    expect(t.rows[0]['freeze/fraction']).toBeLessThan(0.6);
    expect(t.rows.slice(1).map((r) => r['freeze/fraction'])).toEqual([undefined, undefined]);
    checkFrozen(t, false, (n) => /\.(weight|bias)$/.test(n) && !/ln_|wpe/.test(n));
  });

  it('llama naming: q/k/v/o and gate/up/down', async () => {
    const t = await train({ model: { name: 'llama-micro', overrides: {} } }, 2);
    expect(t.units.length).toBe(6);
    expect(t.units.every((u) => u.startsWith('model.layers.'))).toBe(true);
    checkFrozen(t, false, (n) => /_proj\.weight$/.test(n));
  });

  it('LoRA: frozen adapters (A and B) keep their bytes', async () => {
    const lora = { rank: 2, alpha: 4, target_modules: ['q', 'o', 'up', 'down'] as const };
    // one step: B moves (A's gradient is 0 while B = 0), so the check reads the B adapters
    const t = await train({ lora: { ...lora, target_modules: [...lora.target_modules] } }, 1);
    expect(t.units.length).toBe(4);
    checkFrozen(t, true, (n) => n.endsWith('lora_B.weight'));
  });

  it('a resumed run keeps its choice and continues exactly', async () => {
    const straight = await gpt2Straight();
    const first = await train({}, 2, 3);
    const rt = await testRuntime();
    const config = toyConfig('sft', { ...FREEZE, max_steps: 3 });
    const second = await createTrainingSession(rt, config, {}, { resume: memoryFs(new Map(first.files)) });
    try {
      const m = await second.step();
      expect(m['freeze/fraction']).toBeUndefined();
      expect(m.loss).toBe(straight.rows[2].loss);
      expect(m.grad_norm).toBe(straight.rows[2].grad_norm);
      const files = await second.saveCheckpoint();
      const json = JSON.parse(new TextDecoder().decode(files.get('trainer_state.json')));
      expect(json.freeze.units).toEqual(first.units);
      expect(
        Buffer.compare(
          Buffer.from(files.get('model.safetensors') as Uint8Array),
          Buffer.from(straight.files.get('model.safetensors') as Uint8Array),
        ),
      ).toBe(0);
    } finally {
      second.dispose();
    }
  });

  it("a run resumed in a later stage that freezes keeps that stage's choice (not redrawn, not relogged)", async () => {
    const staged: PartialRunConfig = {
      freeze: null,
      stages: [
        { name: 'plain', steps: 1 },
        { name: 'half', steps: 2, freeze: { fraction: 0.5 } },
      ],
    };
    const straight = await train(staged, 3);
    expect(straight.rows.map((r) => r['freeze/fraction'] !== undefined)).toEqual([false, true, false]);
    const first = await train(staged, 2);
    const rt = await testRuntime();
    const config = toyConfig('sft', { ...FREEZE, ...staged });
    const second = await createTrainingSession(rt, config, {}, { resume: memoryFs(new Map(first.files)) });
    try {
      const m = await second.step();
      expect(m['freeze/fraction']).toBeUndefined();
      expect([m.loss, m.grad_norm]).toEqual([straight.rows[2].loss, straight.rows[2].grad_norm]);
    } finally {
      second.dispose();
    }
  });
});
