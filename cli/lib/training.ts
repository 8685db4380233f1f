/**
 * Headless training to a run folder, as docs/DESIGN.md's `train` command specifies: config.json (the
 * resolved RunConfig), metrics.jsonl and samples.jsonl appended step by step, and checkpoint/ in HF
 * layout with TabRL's trainer state. An interrupt saves a checkpoint before returning; `resume`
 * continues a folder's run exactly where its checkpoint left it.
 */
import { existsSync } from 'node:fs';
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { parseRunConfig } from '../../engine/config/resolve.js';
import type { RunConfig } from '../../engine/config/schema.js';
import { nodeCheckpointFs } from '../../engine/model/checkpoint-node.js';
import { describeRewardModel } from '../../engine/rewards/onnx-info.js';
import { createNodeRewardSandbox } from '../../engine/rewards/sandbox-node.js';
import { createTrainingSession, type TrainingSession } from '../../engine/train/session.js';
import type { StepMetrics } from '../../engine/train/session-types.js';
import type { Runtime } from '../../kernels/runtime/index.js';
import { loadDatasetRows } from './dataset.js';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');

/** Model names in a RunConfig: '/models/x' is a folder shipped in public/, anything else a path on disk. */
export function openCheckpointOnDisk(name: string) {
  const shipped = join(REPO_ROOT, 'public', name);
  const dir = name.startsWith('/') && existsSync(shipped) ? shipped : isAbsolute(name) ? name : resolve(name);
  if (!existsSync(dir)) {
    throw new Error(
      `model "${name}": no folder at ${dir} (nor under public/); give a model preset or an HF checkpoint folder`,
    );
  }
  return nodeCheckpointFs(dir);
}

export interface TrainingOptions {
  rt: Runtime;
  outDir: string;
  /** A fresh run's config; ignored with `resume` (the checkpoint's config is used). */
  config?: RunConfig;
  /** Stop after this many steps in total (default: max_steps). */
  stopAfter?: number;
  resume?: boolean;
  /** Called after every step. */
  onStep?: (metrics: StepMetrics, session: TrainingSession) => void;
  onWarning?: (message: string) => void;
  /** Called once after setup with what the run loaded (each reward model and its execution provider). */
  onSetup?: (lines: string[]) => void;
  /** Polled between steps; when it returns true the run saves and stops. */
  interrupted?: () => boolean;
}

export interface TrainingSummary {
  config: RunConfig;
  steps: number;
  setupSeconds: number;
  firstStepSeconds: number;
  trainSeconds: number;
  interrupted: boolean;
  metrics: StepMetrics[];
}

export async function runTraining(o: TrainingOptions): Promise<TrainingSummary> {
  const out = o.outDir;
  const ckptDir = join(out, 'checkpoint');
  let config = o.config;
  if (o.resume) {
    const raw = await readFile(join(ckptDir, 'trainer_state.json'), 'utf8').catch(() => {
      throw new Error(`--resume ${out}: no checkpoint/trainer_state.json there`);
    });
    const parsed = parseRunConfig((JSON.parse(raw) as { run_config: unknown }).run_config);
    if (!parsed.ok) throw new Error(`--resume ${out}: its config is invalid: ${parsed.errors.join('; ')}`);
    config = parsed.config;
  }
  if (!config) throw new Error('runTraining: a config or resume is required');
  await mkdir(out, { recursive: true });
  const t0 = performance.now();
  let stepSamples: unknown = null;
  const events = {
    onWarning: o.onWarning,
    onSamples: (s: unknown) => {
      stepSamples = s;
    },
  };
  // user reward code (reward_code) runs in worker threads with a per-batch time limit
  const rewardSandbox = config.reward_code.length > 0 ? createNodeRewardSandbox() : undefined;
  const session = await createTrainingSession(o.rt, config, events, {
    openCheckpoint: openCheckpointOnDisk,
    resume: o.resume ? nodeCheckpointFs(ckptDir) : undefined,
    rewardSandbox,
    datasetRows: await loadDatasetRows(config),
  });
  const setupSeconds = (performance.now() - t0) / 1000;
  o.onSetup?.(session.rewardModels.map(describeRewardModel));
  if (o.resume) await truncateLogs(out, session.stepsDone);
  else {
    // the config as run: the kernel variants chosen for this adapter make a replay exact
    const asRun = { ...config, kernel_variants: session.kernelVariants };
    await writeFile(join(out, 'config.json'), `${JSON.stringify(asRun, null, 2)}\n`);
    await writeFile(join(out, 'metrics.jsonl'), '');
    await writeFile(join(out, 'samples.jsonl'), '');
  }
  const stopAfter = Math.min(o.stopAfter ?? config.max_steps, config.max_steps);
  const metrics: StepMetrics[] = [];
  let firstStepSeconds = 0;
  let trainSeconds = 0;
  let interrupted = false;
  try {
    while (session.stepsDone < stopAfter) {
      if (o.interrupted?.()) {
        interrupted = true;
        break;
      }
      const ts = performance.now();
      stepSamples = null;
      const m = await session.step();
      const seconds = (performance.now() - ts) / 1000;
      if (metrics.length === 0) firstStepSeconds = seconds;
      trainSeconds += seconds;
      metrics.push(m);
      await appendFile(join(out, 'metrics.jsonl'), `${JSON.stringify(m)}\n`);
      if (stepSamples) await appendFile(join(out, 'samples.jsonl'), `${JSON.stringify(stepSamples)}\n`);
      o.onStep?.(m, session);
    }
    await session.saveCheckpoint(nodeCheckpointFs(ckptDir));
  } finally {
    session.dispose();
    rewardSandbox?.dispose();
  }
  return {
    config,
    steps: session.stepsDone,
    setupSeconds,
    firstStepSeconds,
    trainSeconds,
    interrupted,
    metrics,
  };
}

/** After a resume, drops log lines of steps the checkpoint does not contain. */
async function truncateLogs(out: string, steps: number): Promise<void> {
  for (const name of ['metrics.jsonl', 'samples.jsonl']) {
    const path = join(out, name);
    const text = existsSync(path) ? await readFile(path, 'utf8') : '';
    const kept = text
      .split('\n')
      .filter((line) => line.trim() && (JSON.parse(line) as { step: number }).step < steps);
    await writeFile(path, kept.length ? `${kept.join('\n')}\n` : '');
  }
}
