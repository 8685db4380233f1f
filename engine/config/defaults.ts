/**
 * Defaults: the shared options with their values, and docs/ALGORITHMS.md's table of what each
 * `algorithm` sets. resolve.ts applies shared defaults, then the algorithm's row, then the user's
 * overrides, so every default can be overridden.
 */

import type { Algorithm, RunConfig } from './schema';
import { SCHEMA_VERSION } from './schema';

/** What an object-valued `lora` (e.g. from `--set lora.rank=8`) starts from: PEFT's usual attention-only adapters. */
/** What `prefix_sampling: {}` (or `--set prefix_sampling.fraction=…`) starts from. */
export const PREFIX_SAMPLING_DEFAULTS = {
  fraction: 0.125,
  min_ratio: 0.05,
  max_ratio: 0.95,
  decay: 'cosine',
} as const;

export const LORA_DEFAULTS: NonNullable<RunConfig['lora']> = {
  rank: 8,
  alpha: 16,
  target_modules: ['q', 'k', 'v', 'o'],
};

export const SHARED_DEFAULTS: RunConfig = {
  schema_version: SCHEMA_VERSION,
  algorithm: 'grpo',
  seed: 0,
  max_steps: 200,
  model: { name: 'default', overrides: {} },
  lora: null,
  chat_template: 'auto',
  system_prompt: null,
  task: { name: 'addition', digits: 2, tag: null, held_out_fraction: 0.1 },
  reward_funcs: ['correct'],
  reward_weights: null,
  reward_code: [],
  reward_models: [],

  num_generations: 8,
  prompts_per_step: 8,
  max_completion_length: 32,
  temperature: 1.0,
  top_k: 0,
  top_p: 1.0,
  min_p: 0,

  learning_rate: 1e-4,
  adam_beta1: 0.9,
  adam_beta2: 0.999,
  adam_epsilon: 1e-8,
  weight_decay: 0,
  lr_scheduler: 'constant',
  warmup_steps: 0,
  max_grad_norm: 1.0,
  num_iterations: 1,
  gradient_accumulation: 1,
  sft_steps: 0,
  sft_loss: 'ce',
  anchor_beta: 0.05,
  sft_targets: 'gold', // the gold completion (S3FT's self targets: 'self_when_correct')
  freeze: null, // every matrix trains (HFT: {fraction: 0.5})

  advantage_estimator: 'group',
  scale_rewards: 'group',
  loss_type: 'grpo',
  epsilon: 0.2,
  epsilon_high: 0.2,
  beta: 0,
  kl_estimator: 'k3',
  kl_in: 'loss',
  entropy_coef: 0,
  mask_truncated_completions: false,

  dynamic_sampling: false,
  max_resample_rounds: 3,
  overlong_penalty: false,
  overlong_buffer: null,
  relift: null,
  prefix_sampling: null,

  reinforce_baseline_decay: 0.9,
  vf_coef: 0.5,
  cliprange_value: 0.2,
  gamma: 1.0,
  lam: 0.95,
  whiten_advantages: true,

  rft_threshold: 1.0,
  difficulty_aware: false,
  max_samples_per_prompt: 32,
  min_correct: 1,

  eval_every: 10,
  eval_prompts: 16,
  eval_samples: 4,
  eval_k: 4,
  guidance_weight: 1,
  eval_tasks: [],
  stages: null,

  kernel_variants: {},
};

/** docs/ALGORITHMS.md "Algorithms and what they set", one row per algorithm. */
export const ALGORITHM_DEFAULTS: Record<Algorithm, Partial<RunConfig>> = {
  grpo: {
    advantage_estimator: 'group',
    scale_rewards: 'group',
    loss_type: 'grpo',
    epsilon: 0.2,
    epsilon_high: 0.2,
    beta: 0.04,
    kl_in: 'loss',
    kl_estimator: 'k3',
  },
  dr_grpo: {
    advantage_estimator: 'group',
    scale_rewards: 'none',
    loss_type: 'dr_grpo',
    epsilon: 0.2,
    epsilon_high: 0.2,
    beta: 0,
  },
  dapo: {
    advantage_estimator: 'group',
    scale_rewards: 'group',
    loss_type: 'dapo',
    epsilon: 0.2,
    epsilon_high: 0.28,
    beta: 0,
    dynamic_sampling: true,
    overlong_penalty: true,
  },
  rloo: { advantage_estimator: 'rloo', loss_type: 'bnpo', epsilon: 0.2, epsilon_high: 0.2, beta: 0 },
  reinforce: {
    advantage_estimator: 'reinforce',
    loss_type: 'bnpo',
    epsilon: null,
    epsilon_high: null,
    num_iterations: 1,
    beta: 0,
    reinforce_baseline_decay: 0.9,
  },
  ppo: {
    advantage_estimator: 'gae',
    loss_type: 'bnpo',
    epsilon: 0.2,
    epsilon_high: 0.2,
    beta: 0.05,
    kl_in: 'reward',
    kl_estimator: 'k1',
    vf_coef: 0.5,
  },
  rft: { advantage_estimator: 'none', loss_type: 'sft', beta: 0, rft_threshold: 1.0 },
  sft: { advantage_estimator: 'none', loss_type: 'sft', beta: 0 },
};
