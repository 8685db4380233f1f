/**
 * `tabrl eval`: the held-out eval metrics (`eval/reward`, `eval/pass@1`, `eval/pass@k`, `eval/greedy`)
 * of a checkpoint folder on a task. It runs the trainer's own evaluation through a TrainingSession whose
 * model is the folder, so the numbers are the ones a training run logs for the same policy and seed:
 * same held-out prompts (hash split, drawn from the seed's eval stream) and the same sampling.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { findPreset, PRESETS } from '../../engine/config/presets.js';
import { type PartialRunConfig, parseRunConfig, setByPath } from '../../engine/config/resolve.js';
import type { RunConfig } from '../../engine/config/schema.js';
import { readCheckpoint } from '../../engine/model/checkpoint.js';
import { createRng } from '../../engine/rl/random.js';
import { heldOutSet } from '../../engine/tasks/index.js';
import { createTrainingSession } from '../../engine/train/session.js';
import { adapterName, type Runtime } from '../../kernels/runtime/index.js';
import { integer, one, type ParsedArgs, parseArgs, required } from '../lib/args.js';
import { loadDatasetRows } from '../lib/dataset.js';
import { cliRuntime } from '../lib/gpu.js';
import { guidanceArg, loadReference } from '../lib/guidance.js';
import { openCheckpointOnDisk, REPO_ROOT } from '../lib/training.js';
import { loadConfigArg } from './train.js';

const USAGE = `usage: npm run tabrl -- eval --model DIR [--preset NAME | --config FILE_OR_SHARE_URL] [--set key=value ...]
                             [--prompts N] [--samples n] [--k k] [--guidance w [--reference DIR]] [--json FILE]
  --model    an HF checkpoint folder, a run folder (its checkpoint/ is used) or a shipped /models/NAME
  --preset / --config   the task, seed, sampling and reward settings to evaluate under; without
             either, the run config saved in the folder's trainer_state.json
  --prompts  held-out prompts (default: the config's eval_prompts)
  --samples  samples per prompt, n (default: eval_samples); --k  k of pass@k (default: min(eval_k, n))
  --guidance evaluate sampling (1 - w)·reference + w·policy logits (sets guidance_weight; default: the
             config's, 1 = the policy); --reference  the reference folder (same tokenizer), default the
             θ_ref the run checkpoint saved
presets: ${PRESETS.map((p) => p.name).join(', ')}`;

export const EVAL_KEYS = ['eval/reward', 'eval/pass@1', 'eval/pass@k', 'eval/greedy'] as const;

/**
 * The RunConfig `model.name` for a `--model` argument: a shipped '/models/NAME' stays as it is (the
 * loader finds it under public/), a run folder becomes its checkpoint/, anything else an absolute path.
 */
export function modelNameFromArg(arg: string): string {
  if (arg.startsWith('/models/') && existsSync(join(REPO_ROOT, 'public', arg))) return arg;
  const dir = isAbsolute(arg) ? arg : resolve(arg);
  if (!existsSync(join(dir, 'config.json')) && !existsSync(join(dir, 'checkpoint'))) {
    throw new Error(`--model ${arg}: no checkpoint folder (config.json, model.safetensors) at ${dir}`);
  }
  const runCheckpoint = join(dir, 'checkpoint');
  return existsSync(join(runCheckpoint, 'model.safetensors')) ? runCheckpoint : dir;
}

/** The run config saved with a checkpoint by `tabrl train`, or null for folders without trainer state. */
async function savedRunConfig(modelName: string): Promise<PartialRunConfig | null> {
  const text = await openCheckpointOnDisk(modelName).readFile('trainer_state.json');
  if (!text) return null;
  const json = JSON.parse(new TextDecoder().decode(text)) as { run_config?: PartialRunConfig };
  return json.run_config ?? null;
}

/** --preset / --config / the folder's saved config, then --set, then the model and eval overrides. */
export async function evalConfig(args: ParsedArgs, modelName: string): Promise<RunConfig> {
  const preset = one(args, 'preset');
  const configArg = one(args, 'config');
  if (preset !== undefined && configArg !== undefined)
    throw new Error(`give at most one of --preset and --config\n${USAGE}`);
  let partial: PartialRunConfig;
  if (preset !== undefined) partial = structuredClone(findPreset(preset).config);
  else if (configArg !== undefined) partial = (await loadConfigArg(configArg)) as PartialRunConfig;
  else {
    const saved = await savedRunConfig(modelName);
    if (!saved) {
      throw new Error(
        `--model ${modelName} has no trainer_state.json to take the task from; give --preset or --config\n${USAGE}`,
      );
    }
    partial = saved;
  }
  for (const assignment of args.values.get('set') ?? []) partial = setByPath(partial, assignment);
  partial = { ...partial, model: { name: modelName, overrides: {} } };
  const base = parseRunConfig(partial);
  if (!base.ok) throw new Error(`the run config is invalid:\n  ${base.errors.join('\n  ')}`);
  const samples = integer(args, 'samples') ?? base.config.eval_samples;
  const overrides = {
    guidance_weight:
      one(args, 'guidance') !== undefined ? guidanceArg(one(args, 'guidance')) : base.config.guidance_weight,
    eval_prompts: integer(args, 'prompts') ?? base.config.eval_prompts,
    eval_samples: samples,
    eval_k: integer(args, 'k') ?? Math.min(base.config.eval_k, samples),
  };
  const parsed = parseRunConfig({ ...base.config, ...overrides });
  if (!parsed.ok) throw new Error(`the eval settings are invalid:\n  ${parsed.errors.join('\n  ')}`);
  return parsed.config;
}

export interface EvalReport {
  model: string;
  task: RunConfig['task'];
  seed: number;
  prompts: number;
  samples: number;
  k: number;
  temperature: number;
  /** guidance_weight the samples were drawn under (1: the policy alone). */
  guidance: number;
  adapter: string;
  seconds: number;
  metrics: Record<(typeof EVAL_KEYS)[number], number>;
}

/** `shared`: a runtime the caller owns (tests), used instead of a new one and not destroyed. */
export async function run(argv: string[], shared?: Runtime): Promise<number> {
  const args = parseArgs(argv, ['help']);
  if (args.flags.has('help')) {
    console.log(USAGE);
    return 0;
  }
  const modelName = modelNameFromArg(required(args, 'model', USAGE));
  const config = await evalConfig(args, modelName);
  const jsonPath = one(args, 'json');
  const referenceArg = one(args, 'reference');
  if (config.guidance_weight === 1 && referenceArg !== undefined)
    throw new Error('--reference is used only with --guidance w (w ≠ 1)');
  const reference =
    config.guidance_weight !== 1
      ? await loadReference(await readCheckpoint(openCheckpointOnDisk(modelName)), modelName, referenceArg)
      : null;
  const rt = shared ?? (await cliRuntime());
  const adapter = adapterName(rt.facts);
  console.error(`tabrl eval: ${adapter}${rt.facts.isSoftware ? ' (software: slow but exact)' : ''}`);
  const t0 = performance.now();
  const session = await createTrainingSession(
    rt,
    config,
    { onWarning: (m) => console.error(`warning: ${m}`) },
    {
      openCheckpoint: openCheckpointOnDisk,
      datasetRows: await loadDatasetRows(config),
      ...(reference ? { guidanceReference: reference } : {}),
    },
  );
  let metrics: Record<string, number>;
  let promptCount: number;
  try {
    const fraction = (config.task as { held_out_fraction?: number }).held_out_fraction ?? 0.1;
    // The session draws the same set from the same stream; this only counts it (small spaces run out).
    promptCount = heldOutSet(
      session.task,
      createRng(config.seed).split('eval'),
      config.eval_prompts,
      fraction,
    ).length;
    console.error(
      `tabrl eval: ${modelName} on ${JSON.stringify(config.task)}, ${promptCount} held-out prompts x ` +
        `${config.eval_samples} samples at temperature ${config.temperature}, seed ${config.seed}` +
        (reference ? `, guidance w = ${config.guidance_weight} against ${reference.source}` : ''),
    );
    metrics = await session.evaluate(config.eval_prompts);
  } finally {
    session.dispose();
    if (!shared) rt.destroy();
  }
  const seconds = (performance.now() - t0) / 1000;
  const report: EvalReport = {
    model: modelName,
    task: config.task,
    seed: config.seed,
    prompts: promptCount,
    samples: config.eval_samples,
    k: config.eval_k,
    temperature: config.temperature,
    guidance: config.guidance_weight,
    adapter,
    seconds,
    metrics: Object.fromEntries(EVAL_KEYS.map((key) => [key, metrics[key]])) as EvalReport['metrics'],
  };
  for (const key of EVAL_KEYS) {
    const label = key === 'eval/pass@k' ? `eval/pass@${config.eval_k}` : key;
    console.log(`${label.padEnd(14)} ${report.metrics[key].toFixed(4)}`);
  }
  console.error(`tabrl eval: ${seconds.toFixed(1)} s`);
  if (jsonPath) {
    await writeFile(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
    console.error(`tabrl eval: wrote ${jsonPath}`);
  }
  return 0;
}
