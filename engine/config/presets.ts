/**
 * Named starting points the lab shows as cards, in this order, and the CLI takes as `--preset NAME`:
 * `sorting` (the default, first: a small model that learns in minutes), `smoke` (the fast test run),
 * `arithmetic` (two-digit addition on the 0.8M default model), one per algorithm and one per method from the papers
 * that has one (`hft`, `s3ft`). A preset is a partial config;
 * `presetConfig` resolves it. Models are named by preset ('default', 'smoke') or by a shipped warm
 * start ('/models/arithmetic-sft'), which the model loader resolves.
 */

import { PAPERS } from '../papers';
import { type PartialRunConfig, resolveRunConfig } from './resolve';
import type { RunConfig } from './schema';

export interface Preset {
  name: string;
  title: string;
  /** A paragraph for the card: what it does, what to watch on the charts. */
  description: string;
  paper: { title: string; url: string } | null;
  config: PartialRunConfig;
}

const GRPO_PAPER = {
  title: 'DeepSeekMath: Pushing the Limits of Mathematical Reasoning in Open Language Models (GRPO)',
  url: 'https://arxiv.org/abs/2402.03300',
};

/**
 * The per-algorithm presets share one setting so their cards compare: the default card's sorting task,
 * warm start and batch (16 prompts x 8 answers of at most 6 tokens, lr 1e-3), 100 steps with a
 * 200-prompt x 8-sample held-out eval every 20. Each card's description quotes what its run did on the
 * 2-core SwiftShader machine; the table and commands are docs/RESULTS.md's "Algorithm cards".
 */
const warmSorting: PartialRunConfig = {
  model: { name: '/models/sorting-small-sft', overrides: {} },
  task: { name: 'sorting', length: 4 },
  reward_funcs: ['correct'],
  max_completion_length: 6,
  prompts_per_step: 16,
  num_generations: 8,
  learning_rate: 1e-3,
  warmup_steps: 3,
  max_steps: 100,
  eval_every: 20,
  eval_prompts: 200,
  eval_samples: 8,
  eval_k: 8,
};

export const PRESETS: readonly Preset[] = [
  {
    name: 'sorting',
    title: 'Sorting four digits, small model',
    description:
      'The default lab: a GPT-2 an eighth the size of the default model (2 layers, 64 wide: 0.1M parameters against 0.8M), fine-tuned by TabRL on 50 steps of sorted digits (public/models/sorting-small-sft: right on 27% of held-out prompts such as "[3141]=" when sampled, 76.5% greedily, 85% within 8 samples), learns by GRPO: 8 answers to each of 16 prompts per step, reward 1 for the exact sorted digits, lr 1e-3, no KL term. On software WebGPU (2 CPU cores) held-out pass@1 (200 prompts x 8 samples) rose from 27% to 47.5% at step 50, after 50 s of steps in Chromium (1 s a step), 75.5% at step 200 and 83.4% at its last step, 300 (about 5 minutes of steps). Watch eval/pass@1 climb toward the eval/pass@8 the warm start already reaches (dotted on the pass@k chart) and reward follow it; greedy accuracy moves little, because RL here sharpens what the model already knows.',
    paper: GRPO_PAPER,
    config: {
      algorithm: 'grpo',
      model: { name: '/models/sorting-small-sft', overrides: {} },
      task: { name: 'sorting', length: 4 },
      reward_funcs: ['correct'],
      max_completion_length: 6,
      prompts_per_step: 16,
      num_generations: 8,
      learning_rate: 1e-3,
      warmup_steps: 3,
      beta: 0,
      max_steps: 300,
      eval_every: 10,
      eval_prompts: 200,
      eval_samples: 8,
      eval_k: 8,
    },
  },
  {
    name: 'smoke',
    title: 'Smoke test',
    description:
      'A micro model learns to reverse two digits (prompt "{01}=", answer "10") with GRPO from random weights: 8 prompts x 8 samples of at most 3 tokens, a high learning rate and no reference model, rewarded per correct character. Twenty steps take seconds even on software WebGPU and the reward climbs well above chance; if it does not, something in the pipeline is broken.',
    paper: GRPO_PAPER,
    config: {
      algorithm: 'grpo',
      model: { name: 'smoke', overrides: {} },
      task: { name: 'reversal', length: 2, symbols: '012', held_out_fraction: 0.25 },
      reward_funcs: ['char_match'],
      prompts_per_step: 8,
      num_generations: 8,
      max_completion_length: 3,
      learning_rate: 1e-2,
      beta: 0,
      max_steps: 20,
      eval_every: 10,
      eval_prompts: 4,
      eval_samples: 4,
      eval_k: 2,
    },
  },
  {
    name: 'arithmetic',
    title: 'Two-digit addition',
    description:
      'Two-digit addition on the default model: a character-level GPT-2 (4 layers, 128 wide) that TabRL itself fine-tuned on worked sums (public/models/arithmetic-sft: right on about 12% of held-out sums when sampled, 27% greedily) learns by GRPO: 8 answers to each of 8 sums per step, rewarded for an exact answer plus partial credit per correct digit, with a k3 KL penalty to the warm start. Watch reward and eval/pass@1 climb slowly toward the eval/pass@8 the warm start already reaches (dotted on the pass@k chart), frac_reward_zero_std fall as groups start to disagree, and KL stay small.',
    paper: GRPO_PAPER,
    config: {
      algorithm: 'grpo',
      model: { name: '/models/arithmetic-sft', overrides: {} },
      task: { name: 'addition', digits: 2 },
      reward_funcs: ['correct', 'char_match'],
      max_completion_length: 8,
      learning_rate: 1e-4,
      beta: 0.04,
      max_steps: 200,
      eval_every: 10,
      eval_prompts: 32,
      // 8 samples a held-out sum: eval/pass@1, @2, @4 and @8 against where the run started
      eval_samples: 8,
      eval_k: 8,
    },
  },
  {
    name: 'arithmetic-gpu',
    title: 'Two-digit addition, GPU-sized',
    description:
      'The same warm start and rewards as the two-digit addition card with a batch a real GPU finishes in a blink: 16 answers to each of 32 sums per step, two optimizer passes over each batch, lr 3e-4 and no KL term, 300 steps with a 200-sum held-out eval every 50. On an NVIDIA H200 this run took 160 s and lifted held-out pass@1 from 11.75% to 39.25% (greedy 26.5% to 46%); on software WebGPU (SwiftShader, 2 CPU cores) it took 3 h 10 min, about 35 s a step, and reached 35.25%. Watch eval/pass@1 climb past the greedy accuracy the run started from, and entropy fall as the policy sharpens.',
    paper: GRPO_PAPER,
    config: {
      algorithm: 'grpo',
      model: { name: '/models/arithmetic-sft', overrides: {} },
      task: { name: 'addition', digits: 2 },
      reward_funcs: ['correct', 'char_match'],
      max_completion_length: 8,
      prompts_per_step: 32,
      num_generations: 16,
      num_iterations: 2,
      learning_rate: 3e-4,
      warmup_steps: 5,
      beta: 0,
      max_steps: 300,
      eval_every: 50,
      eval_prompts: 200,
      eval_samples: 4,
      eval_k: 4,
    },
  },
  {
    name: 'grpo',
    title: 'GRPO',
    description:
      "Group Relative Policy Optimization: sample a group of answers per prompt, score each against the group mean divided by the group standard deviation, and take clipped PPO-style steps with a k3 KL penalty (beta 0.04) to the reference. No value network; the group is the baseline. The method behind DeepSeekMath and R1. Here it runs the default card's setting (the sorting warm start, 16 prompts x 8 answers, lr 1e-3) for 100 steps with the KL term on. On software WebGPU (SwiftShader, 2 CPU cores, Node) held-out pass@1 (200 prompts x 8 samples) went from 27.0% to 62.0% in 100 steps (169 s of steps, 1.7 s a step), +20 points at step 60; the default card, the same without the KL term, reached 55.3% at step 60. Watch kl stay small while eval/pass@1 climbs.",
    paper: GRPO_PAPER,
    config: { ...warmSorting, algorithm: 'grpo' },
  },
  {
    name: 'dr_grpo',
    title: 'Dr. GRPO',
    description:
      "GRPO done right: drops the division by the group's standard deviation (which over-weights easy and hopeless prompts) and normalises the loss by a constant number of tokens instead of each answer's length (which rewards long wrong answers). Same sampling as GRPO, no KL term. On software WebGPU (SwiftShader, 2 CPU cores, Node) held-out pass@1 (200 prompts x 8 samples) went from 27.0% to 59.7% in 100 steps (131 s of steps, 1.3 s a step), +20 points at step 60. Watch completions/incorrect_mean_length: the length bias this removes would show there.",
    paper: {
      title: 'Understanding R1-Zero-Like Training: A Critical Perspective',
      url: 'https://arxiv.org/abs/2503.20783',
    },
    config: { ...warmSorting, algorithm: 'dr_grpo' },
  },
  {
    name: 'dapo',
    title: 'DAPO',
    description:
      'Decoupled clip and dynamic sampling: a wider upper clip (0.28) keeps exploration alive, groups whose answers all score the same are dropped and replaced, the loss averages over all tokens of the step, and answers that run into the length limit are softly penalised (answers may take 8 tokens here, so the 5-token sorted answers are outside the 2-token penalty buffer). On software WebGPU (SwiftShader, 2 CPU cores, Node) held-out pass@1 (200 prompts x 8 samples) went from 27.0% to 65.9% in 100 steps (186 s of steps, 1.9 s a step: the redrawn groups cost 2.4 sampling rounds a step), +20 points at step 60. Watch dynamic_sampling/groups_kept and frac_reward_zero_std.',
    paper: {
      title: 'DAPO: An Open-Source LLM Reinforcement Learning System at Scale',
      url: 'https://arxiv.org/abs/2503.14476',
    },
    config: { ...warmSorting, algorithm: 'dapo', max_completion_length: 8 },
  },
  {
    name: 'rloo',
    title: 'RLOO',
    description:
      "REINFORCE Leave-One-Out: each answer is compared with the mean reward of the other answers to the same prompt, an unbiased baseline that needs no value network and no standard-deviation scaling. A simple, strong baseline for RL from verifiable rewards. On software WebGPU (SwiftShader, 2 CPU cores, Node) held-out pass@1 (200 prompts x 8 samples) went from 27.0% to 58.9% in 100 steps (139 s of steps, 1.4 s a step), +20 points at step 60. Compare its eval/pass@1 curve with GRPO's and Dr. GRPO's.",
    paper: {
      title:
        'Back to Basics: Revisiting REINFORCE Style Optimization for Learning from Human Feedback in LLMs',
      url: 'https://arxiv.org/abs/2402.14740',
    },
    config: { ...warmSorting, algorithm: 'rloo' },
  },
  {
    name: 'reinforce',
    title: 'REINFORCE',
    description:
      'The plain policy gradient with a moving-average baseline of past rewards: no groups needed for the baseline, no clipping, one pass per batch. Noisier than the group methods in principle; on this task it was among the fastest. On software WebGPU (SwiftShader, 2 CPU cores, Node) held-out pass@1 (200 prompts x 8 samples) went from 27.0% to 62.4% in 100 steps (132 s of steps, 1.3 s a step), +20 points at step 40 (55 s of steps). Compare its reward curve with RLOO and GRPO on the same task.',
    paper: {
      title:
        'Simple Statistical Gradient-Following Algorithms for Connectionist Reinforcement Learning (Williams, 1992)',
      url: 'https://doi.org/10.1007/BF00992696',
    },
    config: { ...warmSorting, algorithm: 'reinforce' },
  },
  {
    name: 'ppo',
    title: 'PPO (ReFT)',
    description:
      "Proximal Policy Optimization with a value head, as in ReFT: a scalar head predicts each token's return, generalised advantage estimation turns rewards into per-token advantages, and the KL to the reference (beta 0.05) is paid in the reward; two optimizer passes over each batch. On software WebGPU (SwiftShader, 2 CPU cores, Node) held-out pass@1 (200 prompts x 8 samples) went from 27.0% to 72.9% in 100 steps, the best of the RL cards, at twice their cost (272 s of steps, 2.7 s a step: the value pass and two passes), +20 points at step 40. Watch value_loss fall as the critic learns.",
    paper: { title: 'ReFT: Reasoning with Reinforced Fine-Tuning', url: 'https://arxiv.org/abs/2401.08967' },
    config: { ...warmSorting, algorithm: 'ppo', num_iterations: 2 },
  },
  {
    name: 'rft',
    title: 'Rejection-sampling fine-tuning',
    description:
      'Sample answers, keep the correct ones (each distinct answer once) and fine-tune on them with plain cross-entropy; repeat. With difficulty-aware sampling, hard prompts are sampled (up to 32 answers) until they have a correct answer, so the training set is not all easy prompts. On software WebGPU (SwiftShader, 2 CPU cores, Node) held-out pass@1 (200 prompts x 8 samples) went from 27.0% to 69.7% in 100 steps (122 s of steps, 1.2 s a step), +20 points at step 60, and greedy accuracy from 76.5% to 93%. Watch rft/kept_fraction.',
    paper: {
      title: 'DART-Math: Difficulty-Aware Rejection Tuning for Mathematical Problem-Solving',
      url: 'https://arxiv.org/abs/2407.13690',
    },
    config: {
      ...warmSorting,
      algorithm: 'rft',
      difficulty_aware: true,
      min_correct: 1,
      max_samples_per_prompt: 32,
    },
  },
  {
    name: 'sft',
    title: 'Supervised fine-tuning',
    description:
      "Next-token cross-entropy on gold answers from random weights, in the sorting warm start's shape (2 layers, 64 wide): how such a warm start is made (the shipped one took 50 steps). lr 3e-3 with 10 warm-up steps and cosine decay. On software WebGPU (SwiftShader, 2 CPU cores, Node) held-out pass@1 (200 prompts x 8 samples) went from 0% to 63.5% in 100 steps (79 s of steps, 0.8 s a step), +20 points at step 60, and greedy accuracy from 0 to 96%. The loss should fall steadily and eval/greedy climb toward 1.",
    paper: {
      title: 'Training Language Models to Follow Instructions with Human Feedback (the SFT stage)',
      url: 'https://arxiv.org/abs/2203.02155',
    },
    config: {
      ...warmSorting,
      algorithm: 'sft',
      model: { name: 'default', overrides: { n_embd: 64, n_layer: 2, n_head: 2 } },
      learning_rate: 3e-3,
      warmup_steps: 10,
      lr_scheduler: 'cosine',
    },
  },
  {
    name: 'hft',
    title: 'Half fine-tuning (GRPO)',
    description:
      "GRPO (with its KL term) from the sorting warm start with half of each block's matrices frozen: in every block one of the two attention matrices and one of the two MLP matrices, drawn from the seed, keep their starting weights for the whole run, so what the warm start knew is partly kept. freeze/fraction says how much of the model is held still (0.39 of this model's parameters with the default seed). On software WebGPU (SwiftShader, 2 CPU cores, Node) held-out pass@1 (200 prompts x 8 samples) went from 27.0% to 64.8% in 100 steps (160 s of steps, 1.6 s a step), +20 points at step 60: with 39% of the weights held still it kept pace with the GRPO card (62.0%).",
    paper: PAPERS.hft,
    config: { ...warmSorting, algorithm: 'grpo', freeze: { fraction: 0.5 } },
  },
  {
    name: 's3ft',
    title: 'Self-to-supervised fine-tuning',
    description:
      "SFT from the sorting warm start where each prompt's target is the starting model's own greedy answer when that answer is correct, and the gold answer only where it is wrong, so the model is not pushed toward wordings it would not produce. sft/self_fraction is the share of targets that were its own (0.80, 0.75 and 0.72 over the first three steps); the reference is the starting model, so it moves only with which prompts are drawn. On software WebGPU (SwiftShader, 2 CPU cores, Node) held-out pass@1 (200 prompts x 8 samples) went from 27.0% to 89.1% in 100 steps (103 s of steps, 1.0 s a step), +20 points at step 20 and 80% at step 80: supervised targets for every prompt beat every RL card here.",
    paper: PAPERS.s3ft,
    config: {
      ...warmSorting,
      algorithm: 'sft',
      sft_targets: 'self_when_correct',
    },
  },
];

export const DEFAULT_PRESET = 'sorting';

export function findPreset(name: string): Preset {
  const preset = PRESETS.find((p) => p.name === name);
  if (!preset)
    throw new Error(
      `unknown preset ${JSON.stringify(name)} (presets: ${PRESETS.map((p) => p.name).join(', ')})`,
    );
  return preset;
}

/** The resolved RunConfig of a preset. */
export function presetConfig(name: string): RunConfig {
  return resolveRunConfig(findPreset(name).config);
}
