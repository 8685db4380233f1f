/**
 * The contract between the trainer and whoever drives it (the lab's worker, the CLI): a session runs
 * exactly one RL step per `step()` call and reports phases, metrics and samples through callbacks.
 * Metric and sample shapes are docs/DESIGN.md's `metrics.jsonl` / `samples.jsonl` rows.
 */

/** One `metrics.jsonl` row: `step` plus docs/DESIGN.md's metric names (`reward`, `kl`, `eval/pass@1`, ...). */
export type StepMetrics = { step: number } & Record<string, number>;

export interface SampledCompletion {
  text: string;
  reward: number;
  /** Reward of each reward function, by name (before weighting). */
  rewards: Record<string, number>;
  advantage: number;
  /** Completion tokens (EOS counts, padding does not). */
  length: number;
  /** Hit max_completion_length without EOS. */
  truncated: boolean;
  /** Per completion token: id, log-prob under softmax(z/T), entropy of that distribution. */
  tokens: number[];
  logprobs: number[];
  entropies: number[];
  /** Per completion token: its decoded text, for display (TabRL's addition; readers may ignore it). */
  pieces?: string[];
  /**
   * Prefix sampling: the first this many tokens were the gold completion's, forced, not the model's
   * (present on every completion of a run with prefix_sampling; 0 = none).
   */
  prefix_length?: number;
}

/**
 * Why dynamic sampling did not train on a group it sampled: every answer scored the same (no
 * gradient under group advantages), or enough groups with spread were drawn before it.
 */
export type DroppedGroup = 'all_agree' | 'surplus';

/** One `samples.jsonl` row. */
export interface StepSamples {
  step: number;
  /**
   * `prompt`: the task's prompt (what rewards see); `rendered_prompt`: what the model was given for it,
   * present only when that differs (a chat template was applied; TabRL's addition, readers may ignore it).
   * `dropped`: present on groups dynamic sampling sampled but did not train on (after the trained ones).
   */
  groups: {
    prompt: string;
    rendered_prompt?: string;
    dropped?: DroppedGroup;
    completions: SampledCompletion[];
  }[];
}

export type SessionPhase =
  | 'loading'
  | 'compiling'
  | 'tuning'
  | 'sft'
  | 'generate'
  | 'score'
  | 'reference'
  | 'train'
  | 'eval'
  | 'checkpoint'
  | 'idle';

export interface SessionEvents {
  /** `progress` in [0,1] when the phase has a measurable extent (loading, compiling, tuning). */
  onPhase?(phase: SessionPhase, progress?: number, detail?: string): void;
  onMetrics?(metrics: StepMetrics): void;
  onSamples?(samples: StepSamples): void;
  /** Recoverable problems (a reward function threw, a step was skipped for NaN) with what to do. */
  onWarning?(message: string): void;
}

/** Files of a checkpoint folder in HF layout (config.json, model.safetensors, tokenizer.json, trainer state). */
export type CheckpointFiles = Map<string, Uint8Array>;
