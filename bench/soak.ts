/**
 * A whole-session soak: the `smoke` preset trained for thousands of steps with everything a session
 * does (sampling, built-in and user reward code, held-out evaluation, periodic checkpoints), checking
 * that the GPU memory the runtime owns stops changing. From step `from` on, the buffer count and bytes
 * after every step (its evaluation and checkpoint included) must equal step `from`'s; the runtime's own
 * accounting (Runtime.stats: every buffer created and not destroyed, pooled ones included) is the oracle.
 * A benchmark that fails on a leak, not a timing.
 */
import { findPreset } from '../engine/config/presets.js';
import { type PartialRunConfig, resolveRunConfig } from '../engine/config/resolve.js';
import type { RunConfig } from '../engine/config/schema.js';
import { memoryFs } from '../engine/model/checkpoint.js';
import type { RewardSandbox } from '../engine/rewards/sandbox.js';
import { createTrainingSession, type TrainingSession } from '../engine/train/session.js';
import type { Runtime } from '../kernels/runtime/index.js';

/** What the runtime owns after one step. */
export interface BufferSample {
  step: number;
  buffers: number;
  bytes: number;
}

export interface SoakReport {
  steps: number;
  from: number;
  checkpointEvery: number;
  evalEvery: number;
  /** The sample at step `from`, which every later one must equal. */
  baseline: BufferSample;
  last: BufferSample;
  /** Samples after `from` that differ from the baseline (the first 20). */
  drift: BufferSample[];
  driftCount: number;
  /** Buffers and bytes before the session was created and after it was disposed (pool trimmed). */
  before: BufferSample;
  afterDispose: BufferSample;
  /** No drift, and the disposed session left the runtime as it found it. */
  steady: boolean;
  seconds: number;
  stepSeconds: number[];
}

/** A user reward function in the sandbox, beside the preset's built-in char_match. */
export const SOAK_REWARD_CODE = {
  name: 'same_length',
  source: '(completion, prompt, answer) => (completion.length === answer.length ? 1 : 0)',
};

/** The smoke preset, long, with user reward code, evaluations and the given step count. */
export function soakConfig(steps: number): RunConfig {
  const smoke = structuredClone(findPreset('smoke').config) as PartialRunConfig;
  return resolveRunConfig({
    ...smoke,
    max_steps: steps,
    reward_code: [SOAK_REWARD_CODE],
    reward_funcs: [...(smoke.reward_funcs ?? []), SOAK_REWARD_CODE.name],
  });
}

/**
 * Samples after `from` that differ from the one at `from`; throws when no sample is at `from`.
 * bufferDrift([{step 1, 5, 80}, {2, 5, 80}, {3, 6, 96}], 2) = [{step 3, 6, 96}].
 */
export function bufferDrift(samples: readonly BufferSample[], from: number): BufferSample[] {
  const base = samples.find((s) => s.step === from);
  if (!base) throw new Error(`soak: no sample at step ${from} (ran ${samples.length} steps)`);
  return samples.filter((s) => s.step > from && (s.buffers !== base.buffers || s.bytes !== base.bytes));
}

export interface SoakOptions {
  rt: Runtime;
  steps: number;
  /** The step whose buffers every later step must match (default 100). */
  from?: number;
  /** Save a checkpoint after every this many steps (default 50), as a long lab run does. */
  checkpointEvery?: number;
  rewardSandbox: RewardSandbox;
  /** Called after every step's sample (progress; tests inject a leak here). */
  onStep?: (sample: BufferSample, session: TrainingSession) => void;
}

const sampleOf = (rt: Runtime, step: number): BufferSample => {
  const s = rt.stats();
  return { step, buffers: s.liveBuffers, bytes: s.liveBytes };
};

export async function runSoak(o: SoakOptions): Promise<SoakReport> {
  const from = o.from ?? 100;
  const checkpointEvery = o.checkpointEvery ?? 50;
  if (o.steps <= from) throw new Error(`soak: --steps ${o.steps} must exceed the baseline step ${from}`);
  if (checkpointEvery < 1) throw new Error('soak: --checkpoint-every must be at least 1');
  const config = soakConfig(o.steps);
  const t0 = performance.now();
  const before = sampleOf(o.rt, 0);
  const session = await createTrainingSession(o.rt, config, {}, { rewardSandbox: o.rewardSandbox });
  const samples: BufferSample[] = [];
  const stepSeconds: number[] = [];
  try {
    while (session.stepsDone < o.steps) {
      const ts = performance.now();
      await session.step();
      if (session.stepsDone % checkpointEvery === 0) await session.saveCheckpoint(memoryFs());
      await o.rt.sync();
      stepSeconds.push((performance.now() - ts) / 1000);
      const sample = sampleOf(o.rt, session.stepsDone);
      samples.push(sample);
      o.onStep?.(sample, session);
    }
  } finally {
    session.dispose();
  }
  o.rt.trim();
  const drift = bufferDrift(samples, from);
  const afterDispose = sampleOf(o.rt, o.steps);
  return {
    steps: o.steps,
    from,
    checkpointEvery,
    evalEvery: config.eval_every,
    baseline: samples.find((s) => s.step === from)!,
    last: samples[samples.length - 1],
    drift: drift.slice(0, 20),
    driftCount: drift.length,
    before,
    afterDispose,
    steady:
      drift.length === 0 && afterDispose.buffers === before.buffers && afterDispose.bytes === before.bytes,
    seconds: (performance.now() - t0) / 1000,
    stepSeconds,
  };
}

const mib = (b: number) => `${(b / 2 ** 20).toFixed(2)} MiB`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

/** The report as `tabrl bench --soak` prints it. */
export function formatSoakReport(r: SoakReport, adapter: string): string {
  const b = r.baseline;
  return [
    `soak: preset smoke + reward code, ${r.steps} steps on ${adapter} (evaluation every ${r.evalEvery}, checkpoint every ${r.checkpointEvery})`,
    `GPU buffers at step ${r.from}: ${b.buffers} (${mib(b.bytes)}); at step ${r.last.step}: ${r.last.buffers} (${mib(r.last.bytes)})`,
    r.driftCount === 0
      ? `steady: every step from ${r.from} to ${r.last.step} owns exactly step ${r.from}'s buffers and bytes`
      : `LEAK: ${r.driftCount} steps after ${r.from} differ, first ${r.drift
          .slice(0, 5)
          .map((s) => `step ${s.step}: ${s.buffers} buffers, ${s.bytes} bytes`)
          .join('; ')}`,
    `before the session ${r.before.buffers} buffers (${mib(r.before.bytes)}); after dispose and trim ${r.afterDispose.buffers} (${mib(r.afterDispose.bytes)})`,
    `${r.seconds.toFixed(0)} s in all; median step ${median(r.stepSeconds).toFixed(3)} s`,
  ].join('\n');
}
