/**
 * The typed messages between the lab (main thread) and the engine worker. Everything the page knows
 * about the GPU and the run arrives through these; the page never touches WebGPU itself. Metrics and
 * samples arrive in batches (at most about ten posts a second), tagged with the run they belong to.
 */

import type { RunConfig } from '../../engine/config/schema.js';
import type { AdapterFacts } from '../../engine/device.js';
import type { ExperimentResult } from '../../engine/experiments/runner.js';
import type { Experiment, Scale } from '../../engine/experiments/types.js';
import type { RewardModelInfo } from '../../engine/rewards/onnx-info.js';
import type { SandboxOutcome, UserRewardCode, UserRewardInput } from '../../engine/rewards/sandbox.js';
import type { DatasetRow } from '../../engine/tasks/index.js';
import type { PromptFormatInfo } from '../../engine/tokenizers/prompt-format.js';
import type { LearningEval, LearningReport } from '../../engine/train/learning.js';
import type { SessionPhase, StepMetrics, StepSamples } from '../../engine/train/session-types.js';

/** What the worker's run is doing. `lost`: the GPU device was lost; the history stays, Start resumes. */
export type RunState = 'idle' | 'starting' | 'running' | 'paused' | 'finished' | 'failed' | 'lost';

/** Where an experiment is (experiment-job.ts): arm i of n in the runner's order, its step, time left. */
export interface ExperimentProgress {
  /** 0-based, in the order the runner works (trained arms first, then eval-only ones). */
  armIndex: number;
  armTotal: number;
  label: string;
  /** `starting`: saving a trained arm's starting weights for the eval-only arms that reuse them. */
  phase: 'starting' | 'training' | 'evaluating';
  step: number;
  steps: number;
  elapsedSeconds: number;
  /** Seconds left from the mean step and evaluation times; null before the first was timed. */
  etaSeconds: number | null;
}

export type ToWorker =
  /**
   * `siteUrl`: the page's base address, where shipped models (`models/...`) are fetched from;
   * `hubUrl`: the hub mirror the page's `hub=` flag names (default https://huggingface.co);
   * `ortCpuFallback`: false when the page's `ort-cpu-fallback=0` flag forbids onnxruntime-web's WebGPU
   * provider to leave nodes to the CPU (engine/rewards/onnx-runtime.ts OnnxPlacement).
   */
  | { type: 'hello'; siteUrl?: string; hubUrl?: string; ortCpuFallback?: boolean }
  /**
   * Run (or resume) `runId` until Pause or max_steps. A new runId disposes the old session first.
   * `datasetRows`: a `dataset` task's rows from a file dropped on the page (source `local:NAME`);
   * without them the worker fetches the task's source (a URL or site path).
   * `resume`: the run's checkpoint saved in the page (run-checkpoints.ts), taken after `step` steps;
   * a worker without the run's session continues from it (Continue after a reload).
   */
  | {
      type: 'start';
      runId: string;
      config: unknown;
      kernelVariants: Record<string, string>;
      datasetRows?: DatasetRow[];
      resume?: { step: number; files: [string, Uint8Array][] };
    }
  /** Stop after the step in flight; the session stays for Step/Start. */
  | { type: 'pause' }
  /**
   * Run `experiment` (docs/EXPERIMENTS.md) arm after arm: the current run's session is disposed first,
   * as a new runId does; a Start, Step or Reset afterwards cancels the experiment.
   */
  | {
      type: 'run-experiment';
      experimentId: string;
      experiment: Experiment;
      scale: Scale;
      seed: number;
      commit: string;
    }
  /** Stop the experiment after the step in flight; its arms so far stay with the page. */
  | { type: 'cancel-experiment'; experimentId: string }
  /** Exactly one RL step of `runId` (creating its session if needed); `datasetRows` as for start. */
  | {
      type: 'step';
      runId: string;
      config: unknown;
      kernelVariants: Record<string, string>;
      datasetRows?: DatasetRow[];
    }
  /** Dispose the session and forget it. */
  | { type: 'reset' }
  /** Destroy the GPU device as a driver reset would (tests; `window.tabrlSimulateDeviceLoss()`). */
  | { type: 'simulate-device-loss' }
  /**
   * Answers of the run's starting model and current model to each prompt; the current model's under
   * guidance weight and interpolation α (try-knobs.ts; absent = 1, the policy alone).
   */
  | { type: 'generate'; requestId: number; prompts: string[]; guidance?: number; alpha?: number }
  /** The current weights as an HF-layout checkpoint folder. */
  | { type: 'save-checkpoint'; requestId: number }
  /** The page's sandbox scored a batch of user reward functions (answer to `score-user-rewards`). */
  | { type: 'user-rewards-scored'; requestId: number; outcomes: Record<string, SandboxOutcome[]> }
  /**
   * The time-to-learn benchmark (engine/train/learning.ts) in this worker, for `tabrl bench --learning
   * --browser`: `config` from `preset`, evaluated on `prompts` held-out prompts at step 0 and every
   * `every` steps, for `steps` steps (absent: the config's max_steps).
   */
  | {
      type: 'bench-learning';
      requestId: number;
      preset: string;
      config: RunConfig;
      prompts: number;
      every: number;
      steps?: number;
    };

export type FromWorker =
  | { type: 'adapter'; facts: AdapterFacts }
  | { type: 'no-webgpu'; message: string }
  | { type: 'error'; message: string }
  | { type: 'run-state'; runId: string | null; state: RunState; step: number; message?: string }
  | { type: 'phase'; runId: string; phase: SessionPhase; progress?: number; detail?: string }
  | { type: 'metrics'; runId: string; rows: StepMetrics[] }
  | { type: 'samples'; runId: string; samples: StepSamples[] }
  | { type: 'warning'; runId: string; message: string }
  /** The kernel variants the run's session uses (tuned on this adapter, or pinned): share links carry them. */
  | { type: 'kernel-variants'; runId: string; variants: Record<string, string> }
  /** How the run's prompts reach its model (the model's chat template or raw), with an example. */
  | { type: 'prompt-format'; runId: string; model: string; info: PromptFormatInfo }
  /** The run's reward models and the onnxruntime-web execution provider each ended on. */
  | { type: 'reward-models'; runId: string; models: RewardModelInfo[] }
  | { type: 'generated'; requestId: number; start: string[][]; current: string[][] }
  | { type: 'checkpoint'; requestId: number; files: [string, Uint8Array][] }
  /** The run's checkpoint after `step` steps (every few steps and on Pause), for the page to keep. */
  | { type: 'run-checkpoint'; runId: string; step: number; files: [string, Uint8Array][] }
  | { type: 'request-failed'; requestId: number; message: string }
  /** One evaluation of a `bench-learning` request, as it happens; then its report. */
  | { type: 'bench-learning-eval'; requestId: number; evaluation: LearningEval }
  | { type: 'bench-learning-done'; requestId: number; report: LearningReport; adapter: string }
  /** An experiment's arm begins: the page opens run `runId` for it (metrics posts carry that id). */
  | {
      type: 'experiment-arm';
      experimentId: string;
      label: string;
      index: number;
      runId: string;
      config: RunConfig;
    }
  | { type: 'experiment-progress'; experimentId: string; progress: ExperimentProgress }
  | { type: 'experiment-done'; experimentId: string; result: ExperimentResult; seconds: number }
  | { type: 'experiment-failed'; experimentId: string; message: string; cancelled: boolean }
  /** Run these user reward functions over a batch in the page's sandbox (CSP-bound data: URL workers). */
  | {
      type: 'score-user-rewards';
      requestId: number;
      functions: UserRewardCode[];
      inputs: UserRewardInput[];
    };
