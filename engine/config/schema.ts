/**
 * The one RunConfig: every option docs/ALGORITHMS.md names (TRL GRPOConfig v0.24 names where one
 * exists), the task and model choice, seed, eval and the autotuner's kernel choices, as a strict
 * zod schema (unknown keys are errors, so a typo in a share link is refused, not ignored). The
 * schema checks a complete config; algorithm-dependent defaults are applied by resolve.ts.
 */

import { z } from 'zod';
import { LORA_TARGETS } from '../model/lora';
import { REWARD_NAMES } from '../rewards/builtin';
import { rewardModelOptions } from '../rewards/onnx-options';
import { REWARD_CODE_CONTRACT } from '../rewards/sandbox';
import { STREAM_BOUNDS } from '../rl/streams';
import { taskOptions } from '../tasks/options';
import { evalTasksOption, otherDatasetProblem, stagesOption } from './stages';

/** Bumped when a field changes meaning or name; share links carry it. */
export const SCHEMA_VERSION = 1;

export const ALGORITHMS = ['grpo', 'dr_grpo', 'dapo', 'rloo', 'reinforce', 'ppo', 'rft', 'sft'] as const;
export type Algorithm = (typeof ALGORITHMS)[number];

const probability = z.number().min(0).max(1);
const positive = z.number().gt(0);
const count = (min: number) => z.int().min(min);

export const modelChoice = z.strictObject({
  name: z
    .string()
    .min(1)
    .describe(
      "A model preset ('default', 'smoke'), a shipped path ('/models/arithmetic-sft') or a HF hub id / folder",
    ),
  overrides: z
    .record(z.string(), z.union([z.number(), z.boolean(), z.string()]))
    .describe(
      'ModelConfig fields (HF names, e.g. n_embd, n_layer) that replace the preset or checkpoint values',
    ),
});

/** LoRA (Hu et al. 2106.09685) with PEFT's names: y = x Wᵀ + (lora_alpha/r)·(x Aᵀ) Bᵀ. */
export const loraOptions = z.strictObject({
  rank: count(1).max(256).describe('r: rank of the adapters A [r,in] and B [out,r]'),
  alpha: positive.describe('lora_alpha: the adapter output is scaled by alpha / r'),
  target_modules: z
    .array(z.enum(LORA_TARGETS))
    .min(1)
    .describe(
      'Projections to adapt: q, k, v, o, gate, up, down (GPT-2: q/k/v = c_attn, up = c_fc, down = mlp.c_proj)',
    ),
});

export const runConfigSchema = z
  .strictObject({
    schema_version: z.int().describe('RunConfig format version (this build reads 1)'),
    algorithm: z.enum(ALGORITHMS).describe('Algorithm family; picks the defaults of the options below'),
    seed: z
      .int()
      .min(0)
      .max(4294967295)
      .describe('Seed of the run; split into tasks / sampling / init streams'),
    max_steps: count(1)
      .max(STREAM_BOUNDS.steps)
      .describe('Optimizer steps of the run (RL steps, or SFT steps for sft)'),
    model: modelChoice,
    lora: loraOptions
      .nullable()
      .describe('LoRA adapters on the named projections (base weights frozen); null = full fine-tuning'),
    chat_template: z
      .enum(['auto', 'none'])
      .describe(
        "Prompts as one user message rendered by the model's chat template (tokenizer_config.json, with add_generation_prompt): auto = when the model has one; none = prompts as written",
      ),
    system_prompt: z
      .string()
      .max(4000)
      .nullable()
      .describe(
        "A system message before each prompt (needs a chat template in use); null = the template's own default",
      ),
    task: taskOptions,
    reward_funcs: z
      .array(z.string())
      .min(1)
      .describe(
        `Reward functions, summed with reward_weights: built-in (${REWARD_NAMES.join(', ')}) or names declared in reward_code or reward_models`,
      ),
    reward_weights: z.array(z.number()).nullable().describe('One weight per reward function; null = all 1'),
    reward_code: z
      .array(
        z.strictObject({
          name: z
            .string()
            .regex(
              /^[A-Za-z_][A-Za-z0-9_]{0,39}$/,
              'must be a letter or _ then letters, digits or _ (40 at most)',
            )
            .describe('Name to list in reward_funcs; metrics log rewards/<name>/mean'),
          source: z.string().min(1).max(20_000).describe(REWARD_CODE_CONTRACT),
        }),
      )
      .max(8)
      .describe(`User reward functions in JavaScript. ${REWARD_CODE_CONTRACT}`),
    reward_models: z
      .array(rewardModelOptions)
      .max(8)
      .describe(
        'Learned rewards: sequence-classification ONNX models (model.onnx, tokenizer.json, config.json), listed in reward_funcs by name',
      ),

    // sampling
    num_generations: count(2).max(STREAM_BOUNDS.groupSize).describe('G: completions sampled per prompt'),
    prompts_per_step: count(1).max(STREAM_BOUNDS.promptsPerStep).describe('P: prompts per step'),
    max_completion_length: count(1).max(4096).describe('Completion tokens at most (EOS counts)'),
    temperature: positive.describe('Sampling temperature T; log-probs are of softmax(z/T)'),
    top_k: count(0).describe('Sample among the k likeliest tokens; 0 = off (does not change lp)'),
    top_p: z.number().gt(0).max(1).describe('Nucleus sampling mass; 1 = off (does not change lp)'),
    min_p: z.number().min(0).lt(1).describe('Drop tokens below min_p x the top probability; 0 = off'),

    // optimizer
    learning_rate: positive.describe('Peak AdamW learning rate'),
    adam_beta1: z.number().min(0).lt(1).describe('AdamW beta1'),
    adam_beta2: z.number().min(0).lt(1).describe('AdamW beta2'),
    adam_epsilon: positive.describe('AdamW epsilon'),
    weight_decay: z.number().min(0).describe('AdamW decoupled weight decay'),
    lr_scheduler: z.enum(['constant', 'linear', 'cosine']).describe('Learning-rate schedule after warmup'),
    warmup_steps: count(0).describe('Linear warmup steps from 0'),
    max_grad_norm: z.number().min(0).describe('Clip the global gradient norm to this; 0 = no clipping'),
    num_iterations: count(1).describe('mu: optimizer passes over each batch of rollouts'),
    gradient_accumulation: count(1).describe('Micro-batches per step'),
    sft_steps: count(0).describe('SFT steps on gold completions before RL (the reference is taken after)'),
    sft_loss: z
      .enum(['ce', 'dft', 'asft'])
      .describe(
        'Loss of every SFT update: ce = cross-entropy; dft = p(y)-weighted CE ("On the Generalization of SFT: A Reinforcement Learning Perspective with Reward Rectification"); asft = dft + anchor_beta * KL to the reference ("Anchored Supervised Fine-Tuning")',
      ),
    anchor_beta: z
      .number()
      .min(0)
      .describe('asft: weight of the full-vocabulary KL(policy || reference) per token'),
    sft_targets: z
      .enum(['gold', 'self_when_correct'])
      .describe(
        'Targets of sft and sft_steps updates: gold = the gold completion; self_when_correct = the reference\'s greedy answer when the verifier accepts it, else gold ("Selective Self-to-Supervised Fine-Tuning for Generalization in Large Language Models")',
      ),
    freeze: z
      .strictObject({
        fraction: probability.describe("rho: share of each block's attention and of its MLP matrices frozen"),
      })
      .nullable()
      .describe(
        'Freeze a seeded half (fraction) of each block\'s attention and MLP matrices for the stage ("HFT: Half Fine-Tuning for Large Language Models"); null = train all',
      ),

    // policy loss
    advantage_estimator: z
      .enum(['group', 'rloo', 'reinforce', 'gae', 'none'])
      .describe('How rewards become advantages'),
    scale_rewards: z
      .enum(['group', 'batch', 'none'])
      .describe('group estimator: divide by the group std, batch std, or not'),
    loss_type: z.enum(['grpo', 'dapo', 'bnpo', 'dr_grpo', 'sft']).describe('Aggregation of per-token losses'),
    epsilon: z
      .number()
      .min(0)
      .lt(1)
      .nullable()
      .describe('Lower clip of the ratio (1 - epsilon); null = no clipping'),
    epsilon_high: z
      .number()
      .min(0)
      .nullable()
      .describe('Upper clip of the ratio (1 + epsilon_high), DAPO clip-higher'),
    beta: z.number().min(0).describe('KL coefficient; 0 loads no reference model'),
    kl_estimator: z
      .enum(['k1', 'k2', 'k3'])
      .describe('KL estimator in the loss (kl_in = reward always uses k1)'),
    kl_in: z.enum(['loss', 'reward']).describe('Add KL to the per-token loss or subtract it from the reward'),
    entropy_coef: z.number().min(0).describe('Entropy bonus: -entropy_coef*H per token (TabRL addition)'),
    mask_truncated_completions: z
      .boolean()
      .describe('Drop completions that hit max_completion_length without EOS'),

    // DAPO
    dynamic_sampling: z.boolean().describe('Drop zero-spread groups and draw more prompts'),
    max_resample_rounds: count(0)
      .max(STREAM_BOUNDS.resampleRounds)
      .describe('Extra draws at most per step under dynamic_sampling'),
    overlong_penalty: z.boolean().describe('DAPO soft overlong penalty'),
    overlong_buffer: count(1)
      .nullable()
      .describe('Overlong buffer B_o in tokens; null = max_completion_length/4'),
    relift: z
      .strictObject({
        batch: count(1).nullable().describe('B: buffered prompts per SFT update; null = prompts_per_step'),
      })
      .nullable()
      .describe(
        'Buffer the prompts no completion solved (with their gold answers) and take an SFT update on the B oldest once B are waiting, in the same step after the RL update ("Learning What Reinforcement Learning Can\'t"); null = off',
      ),
    prefix_sampling: z
      .strictObject({
        fraction: probability.describe('f: completions per group with a prefix, m = min(ceil(f·G), G − 1)'),
        min_ratio: probability.describe('a: smallest prefix length as a share of the gold completion'),
        max_ratio: probability.describe("b: largest prefix share (at the stage's first step under cosine)"),
        decay: z
          .enum(['cosine', 'none'])
          .describe(
            "cosine: the largest share falls from b towards a over the stage's steps; none: b throughout",
          ),
      })
      .nullable()
      .describe(
        'Start some completions of each group with a teacher-forced prefix of the gold completion, the model writing the rest; prefix tokens train with max(A, 0) ("Blending Supervised and Reinforcement Fine-Tuning with Prefix Sampling"); null = off',
      ),

    // REINFORCE and PPO
    reinforce_baseline_decay: z.number().min(0).lt(1).describe('EMA decay of the reinforce baseline'),
    vf_coef: z.number().min(0).describe('Value loss weight (gae)'),
    cliprange_value: positive.describe('Value clip around the values at sampling time (gae)'),
    gamma: probability.describe('Discount (gae)'),
    lam: probability.describe('GAE lambda'),
    whiten_advantages: z.boolean().describe('Whiten gae advantages over the completion tokens of the step'),

    // RFT
    rft_threshold: z.number().describe('Keep completions with reward >= this'),
    difficulty_aware: z
      .boolean()
      .describe('DART: keep sampling a prompt until it has min_correct kept answers'),
    max_samples_per_prompt: count(1)
      .max(STREAM_BOUNDS.groupSize)
      .describe('difficulty_aware: samples per prompt at most (in rounds of num_generations, 64 at most)'),
    min_correct: count(1).describe('difficulty_aware: kept answers wanted per prompt'),

    // evaluation
    eval_every: count(0).describe('Evaluate every this many steps; 0 = never'),
    eval_prompts: count(1).max(STREAM_BOUNDS.evalPrompts).describe('Held-out prompts per evaluation'),
    eval_samples: count(1).max(STREAM_BOUNDS.groupSize).describe('n: samples per held-out prompt'),
    eval_k: count(1).describe('k of pass@k (k <= n)'),
    guidance_weight: z
      .number()
      .min(0)
      .max(2)
      .describe(
        'Evaluation samples from (1 - w)·reference + w·policy logits; 1 = the policy alone ("Inference-Time Alignment Control for Diffusion Models with Reinforcement Learning Guidance")',
      ),
    eval_tasks: evalTasksOption,

    // stages (engine/config/stages.ts resolves each like a fresh RunConfig)
    stages: stagesOption,

    kernel_variants: z
      .record(z.string(), z.string())
      .describe('Autotuner choices (op/shape key -> variant) for exact replay on the same adapter'),
  })
  .superRefine((c, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (c.schema_version !== SCHEMA_VERSION)
      issue('schema_version', `this build reads version ${SCHEMA_VERSION}`);
    const rlFree = c.algorithm === 'rft' || c.algorithm === 'sft';
    if (c.prefix_sampling && rlFree)
      issue(
        'prefix_sampling',
        `forces gold prefixes into RL rollouts; algorithm ${c.algorithm} takes no RL steps (set prefix_sampling to null)`,
      );
    else if (c.prefix_sampling && c.advantage_estimator === 'gae')
      issue(
        'prefix_sampling',
        'needs a critic-free advantage (group, rloo or reinforce): under gae the value head would learn values of tokens the model did not write (set prefix_sampling to null)',
      );
    if (c.prefix_sampling && c.prefix_sampling.min_ratio > c.prefix_sampling.max_ratio)
      issue(
        'prefix_sampling',
        `min_ratio ${c.prefix_sampling.min_ratio} must be <= max_ratio ${c.prefix_sampling.max_ratio}`,
      );
    if (c.relift && rlFree)
      issue(
        'relift',
        `interleaves SFT between RL steps; algorithm ${c.algorithm} takes none (set relift to null)`,
      );
    if (rlFree !== (c.loss_type === 'sft')) {
      issue(
        'loss_type',
        rlFree ? `must be sft for algorithm ${c.algorithm}` : `sft is only for algorithms rft and sft`,
      );
    }
    if (rlFree !== (c.advantage_estimator === 'none')) {
      issue(
        'advantage_estimator',
        rlFree ? `must be none for algorithm ${c.algorithm}` : `none is only for rft and sft`,
      );
    }
    if ((c.epsilon === null) !== (c.epsilon_high === null)) {
      issue('epsilon_high', `must be null exactly when epsilon is null (epsilon is ${c.epsilon})`);
    }
    if (c.eval_k > c.eval_samples) issue('eval_k', `must be <= eval_samples (${c.eval_samples})`);
    c.eval_tasks.forEach((t, i) => {
      if (c.eval_tasks.findIndex((o) => o.label === t.label) !== i)
        ctx.addIssue({ code: 'custom', path: ['eval_tasks', i, 'label'], message: 'is used twice' });
      const dataset = otherDatasetProblem(t.task, c.task);
      if (dataset) ctx.addIssue({ code: 'custom', path: ['eval_tasks', i, 'task'], message: dataset });
    });
    c.stages?.forEach((st, i) => {
      if (c.stages?.findIndex((o) => o.name === st.name) !== i)
        ctx.addIssue({ code: 'custom', path: ['stages', i, 'name'], message: 'is used twice' });
    });
    const userNames = c.reward_code.map((f) => f.name);
    c.reward_code.forEach((f, i) => {
      if ((REWARD_NAMES as readonly string[]).includes(f.name))
        ctx.addIssue({
          code: 'custom',
          path: ['reward_code', i, 'name'],
          message: 'is a built-in reward name',
        });
      else if (userNames.indexOf(f.name) !== i)
        ctx.addIssue({ code: 'custom', path: ['reward_code', i, 'name'], message: 'is declared twice' });
    });
    const modelNames = c.reward_models.map((m) => m.name);
    c.reward_models.forEach((m, i) => {
      const path = ['reward_models', i, 'name'];
      if ((REWARD_NAMES as readonly string[]).includes(m.name) || userNames.includes(m.name))
        ctx.addIssue({ code: 'custom', path, message: 'is already a built-in or reward_code name' });
      else if (modelNames.indexOf(m.name) !== i)
        ctx.addIssue({ code: 'custom', path, message: 'is declared twice' });
    });
    c.reward_funcs.forEach((name, i) => {
      const known =
        (REWARD_NAMES as readonly string[]).includes(name) ||
        userNames.includes(name) ||
        modelNames.includes(name);
      if (!known) {
        const declared = userNames.length > 0 ? ` or a reward_code name (${userNames.join(', ')})` : '';
        const models = modelNames.length > 0 ? ` or a reward_models name (${modelNames.join(', ')})` : '';
        ctx.addIssue({
          code: 'custom',
          path: ['reward_funcs', i],
          message: `must be one of ${REWARD_NAMES.join(', ')}${declared}${models}`,
        });
      } else if (c.reward_funcs.indexOf(name) !== i) {
        ctx.addIssue({ code: 'custom', path: ['reward_funcs', i], message: 'is listed twice' });
      }
    });
    if (c.reward_weights && c.reward_weights.length !== c.reward_funcs.length) {
      issue('reward_weights', `needs one weight per reward function (${c.reward_funcs.length})`);
    }
    if (c.warmup_steps > c.max_steps) issue('warmup_steps', `must be <= max_steps (${c.max_steps})`);
    if (c.overlong_buffer !== null && c.overlong_buffer > c.max_completion_length) {
      issue('overlong_buffer', `must be <= max_completion_length (${c.max_completion_length})`);
    }
    const rows = c.prompts_per_step * c.num_generations;
    if (rows % c.gradient_accumulation !== 0) {
      issue('gradient_accumulation', `must divide prompts_per_step x num_generations (${rows})`);
    }
    if (c.sft_targets !== 'gold' && c.algorithm !== 'sft' && c.sft_steps === 0) {
      issue(
        'sft_targets',
        `${c.sft_targets} applies to SFT updates: use algorithm sft or set sft_steps > 0 (algorithm is ${c.algorithm}, sft_steps 0)`,
      );
    }
    if (c.min_correct > c.max_samples_per_prompt) {
      issue('min_correct', `must be <= max_samples_per_prompt (${c.max_samples_per_prompt})`);
    }
    // each DART round of a prompt has its own random stream, and a prompt has 64 (engine/rl/streams.ts)
    const rounds = STREAM_BOUNDS.rftRoundsPerPrompt;
    if (c.difficulty_aware && Math.ceil(c.max_samples_per_prompt / c.num_generations) > rounds) {
      issue(
        'max_samples_per_prompt',
        `must be <= ${rounds} x num_generations (${rounds * c.num_generations}) under difficulty_aware`,
      );
    }
  });

export type RunConfig = z.infer<typeof runConfigSchema>;
export type ModelChoice = RunConfig['model'];

/** Every key of RunConfig, in schema order (for --set checks and UI listings). */
export const RUN_CONFIG_KEYS = Object.keys(runConfigSchema.shape) as (keyof RunConfig)[];

/** One-line help for each top-level option, from the schema's descriptions. */
export function optionHelp(key: keyof RunConfig): string {
  return runConfigSchema.shape[key].description ?? '';
}
