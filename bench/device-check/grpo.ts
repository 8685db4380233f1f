/**
 * One LoRA GRPO step of a model built from a real Hugging Face config.json (bench/fixtures) with random
 * weights and a stand-in tokenizer of the same vocabulary (tokenizer.ts), run by the same
 * TrainingSession the CLI and the lab use, on the addition card's task and rewards (preset arithmetic, 2-digit sums: the figures stay comparable).
 * The folder is made in memory (config.json, model.safetensors, tokenizer files), so nothing downloads.
 * Random weights almost never draw end-of-text, so every completion runs the full `newTokens`.
 * Reports the step's timing/* metrics and the peak of the runtime's own buffer accounting
 * (`stats().peakBytes`) from the session's creation to the end of the step.
 */
import { presetConfig } from '../../engine/config/presets.js';
import { resolveRunConfig } from '../../engine/config/resolve.js';
import type { RunConfig } from '../../engine/config/schema.js';
import { memoryFs } from '../../engine/model/checkpoint.js';
import { type ModelConfig, parameterCount, parseHfConfig, toHfConfig } from '../../engine/model/config.js';
import { initParams } from '../../engine/model/init.js';
import { writeParams } from '../../engine/model/safetensors.js';
import { createTrainingSession } from '../../engine/train/session.js';
import type { Runtime } from '../../kernels/runtime/runtime.js';
import { rng } from '../../kernels/testing/random.js';
import { syntheticTokenizer } from './tokenizer.js';

export interface GrpoCheckSpec {
  /** e.g. "SmolLM2-135M". */
  label: string;
  /** The fixture's file name, for the report. */
  fixture: string;
  hfConfig: Record<string, unknown>;
  /** config.json fields replaced to shrink the model on slow adapters ({} = the real architecture). */
  overrides: Record<string, number>;
  prompts: number;
  generations: number;
  newTokens: number;
  rank: number;
  /** Steps run before the reported one (pipelines the kernel warm-up does not reach). */
  warmupSteps: number;
}

export interface GrpoCheckRow {
  model: string;
  fixture: string;
  overrides: Record<string, number>;
  params: number;
  P: number;
  G: number;
  new_tokens: number;
  lora: { rank: number; alpha: number; target_modules: string[] };
  /** Creating the session: weights upload, kernel compilation and autotuning. */
  setup_seconds: number;
  step_seconds: number;
  generate_seconds: number;
  score_seconds: number;
  reference_seconds: number;
  train_seconds: number;
  completion_mean_length: number;
  tokens_per_second: number;
  peak_bytes: number;
}

const encoder = new TextEncoder();
const json = (v: unknown) => encoder.encode(`${JSON.stringify(v, null, 2)}\n`);

/** The model config a spec runs: the fixture with its overrides (an eos outside a cut vocabulary moves to 0). */
export function grpoModelConfig(spec: GrpoCheckSpec): ModelConfig {
  const raw: Record<string, unknown> = { ...spec.hfConfig, ...spec.overrides };
  const vocab = raw.vocab_size as number;
  for (const k of ['bos_token_id', 'eos_token_id', 'pad_token_id'])
    if (typeof raw[k] === 'number' && (raw[k] as number) >= vocab) raw[k] = 0;
  return parseHfConfig(raw);
}

function checkpointFolder(config: ModelConfig, seed: number) {
  const tokenizer = syntheticTokenizer(config.vocabSize, config.eosTokenId ?? 0);
  const fs = memoryFs();
  fs.files.set('config.json', json(toHfConfig(config)));
  fs.files.set('model.safetensors', writeParams(config, initParams(config, rng(seed))));
  fs.files.set('tokenizer.json', json(tokenizer.json));
  fs.files.set('tokenizer_config.json', json(tokenizer.config));
  return fs;
}

export async function runGrpoCheck(rt: Runtime, spec: GrpoCheckSpec): Promise<GrpoCheckRow> {
  const config = grpoModelConfig(spec);
  const name = `device-check/${spec.label}`;
  const folder = checkpointFolder(config, 11);
  const lora = { rank: spec.rank, alpha: 2 * spec.rank, target_modules: ['q', 'k', 'v', 'o'] as const };
  const run: RunConfig = resolveRunConfig({
    ...presetConfig('arithmetic'),
    model: { name, overrides: {} },
    lora: { ...lora, target_modules: [...lora.target_modules] },
    prompts_per_step: spec.prompts,
    num_generations: spec.generations,
    max_completion_length: spec.newTokens,
    eval_every: 0,
  });
  rt.trim();
  rt.resetPeak();
  const t0 = performance.now();
  const session = await createTrainingSession(
    rt,
    run,
    {},
    {
      openCheckpoint: (n) => {
        if (n !== name) throw new Error(`device check: no model "${n}"`);
        return folder;
      },
      memory: { budgetBytes: 64 * 2 ** 30 }, // a benchmark: the adapter's limits still apply
    },
  );
  folder.files.clear(); // the weights are on the GPU now
  const setup_seconds = (performance.now() - t0) / 1000;
  try {
    for (let i = 0; i < spec.warmupSteps; i++) await session.step();
    const m = await session.step();
    await rt.sync();
    return {
      model: spec.label,
      fixture: spec.fixture,
      overrides: spec.overrides,
      params: parameterCount(config),
      P: spec.prompts,
      G: spec.generations,
      new_tokens: spec.newTokens,
      lora: { ...lora, target_modules: [...lora.target_modules] },
      setup_seconds,
      step_seconds: m.step_time,
      generate_seconds: m['timing/generate'],
      score_seconds: m['timing/score'],
      reference_seconds: m['timing/reference'],
      train_seconds: m['timing/train'],
      completion_mean_length: m['completions/mean_length'],
      tokens_per_second: m.tokens_per_second,
      peak_bytes: rt.stats().peakBytes,
    };
  } finally {
    session.dispose();
    rt.trim();
  }
}
