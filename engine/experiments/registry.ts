/**
 * The declared experiments, in the order `tabrl experiment --list` prints them (docs/EXPERIMENTS.md).
 * Each uses only options TabRL already has. Full scale is sized for 10 minutes of wall clock on
 * SwiftShader with 2 CPU cores (a step of the default warm start there: 12.5 s idle, up to 37 s on a
 * shared machine; an evaluation of 200 sums x 4 samples 85 s shared, so 2 samples here; about 20
 * trained steps an experiment); quick scale swaps in QUICK_SCALE's micro model for CI.
 */
import type { PartialRunConfig } from '../config/resolve.js';
import { armKind, type Experiment, judgedArms, SCALES } from './types.js';

/** Every experiment's full-scale setting: the lab's warm start on 2-digit addition, 200 held-out sums. */
const WARM_ADDITION: PartialRunConfig = {
  model: { name: '/models/arithmetic-sft', overrides: {} },
  task: { name: 'addition', digits: 2 },
  reward_funcs: ['correct', 'char_match'],
  max_completion_length: 8,
  prompts_per_step: 8,
  num_generations: 8,
  learning_rate: 3e-4,
  beta: 0,
  temperature: 1,
  eval_every: 0,
  eval_prompts: 200,
  eval_samples: 2,
  eval_k: 2,
};

/** Quick scale (CI): the smoke micro model on 3-digit reversal; it checks the machinery, not the claim. */
export const QUICK_SCALE: PartialRunConfig = {
  model: { name: 'smoke', overrides: {} },
  task: { name: 'reversal', length: 3, symbols: '012', held_out_fraction: 0.3 },
  reward_funcs: ['char_match'],
  max_completion_length: 4,
  prompts_per_step: 2,
  num_generations: 4,
  learning_rate: 1e-2,
  eval_prompts: 4,
  eval_samples: 2,
  eval_k: 2,
};

/**
 * The forgetting setting: the addition warm start learns a new task, 1-digit multiplication, which it
 * already answers sometimes (pass@1 0.08, pass@4 0.23 on its held-out prompts before any training),
 * so GRPO has answers to learn from without a warm-up that would itself erase the old task. Half the
 * 100 products are held out (50 prompts) so the new-task evaluation is not a handful; the old task
 * (2-digit addition, 200 held-out sums) is `eval/old/*`.
 */
const NEW_TASK = { name: 'multiplication', digits: 1, held_out_fraction: 0.5 } as const;
const OLD_TASK_BASE: PartialRunConfig = {
  ...WARM_ADDITION,
  task: NEW_TASK,
  eval_tasks: [{ label: 'old', task: { name: 'addition', digits: 2 } }],
};

/**
 * Quick scale of the forgetting family: the smoke model has no old task to forget, so it keeps the
 * warm start and the new task (with quick scale's learning rate, batch and steps) and evaluates both
 * tasks at the start and after every step: cheap with this 0.8M model, and enough to see the old task
 * fall under SFT (cli/experiment.test.ts checks that it does). The other experiments of the family
 * keep the smoke model at quick scale (their machinery is the same, and the suite's time is short).
 */
const QUICK_FORGET: PartialRunConfig = {
  model: WARM_ADDITION.model,
  task: NEW_TASK,
  reward_funcs: WARM_ADDITION.reward_funcs,
  max_completion_length: WARM_ADDITION.max_completion_length,
  eval_every: 1,
  eval_prompts: 32,
  eval_samples: 2,
};

export const EXPERIMENTS: readonly Experiment[] = [
  {
    name: 'dr_grpo_length',
    claim:
      "GRPO's per-answer length normalisation lets incorrect answers grow longer than Dr. GRPO's constant normaliser does.",
    papers: ['drGrpo'],
    metric: 'completions/incorrect_mean_length',
    source: 'train',
    judge: { kind: 'pair', a: 'grpo', b: 'dr_grpo', direction: 1 },
    base: WARM_ADDITION,
    scales: { quick: { steps: 2 }, full: { steps: 10 } },
    arms: [
      { label: 'grpo', config: { algorithm: 'grpo', loss_type: 'grpo' } },
      { label: 'dr_grpo', config: { algorithm: 'grpo', loss_type: 'dr_grpo' } },
    ],
  },
  {
    name: 'reft',
    claim: 'SFT warm-up followed by PPO beats the same number of steps of SFT alone on held-out pass@1.',
    papers: ['reft'],
    metric: 'eval/pass@1',
    judge: { kind: 'pair', a: 'sft+ppo', b: 'sft', direction: 1 },
    base: WARM_ADDITION,
    scales: { quick: { steps: 2 }, full: { steps: 10 } },
    arms: [
      { label: 'sft', config: { algorithm: 'sft' } },
      {
        label: 'sft+ppo',
        config: { algorithm: 'ppo' },
        scales: { quick: { sft_steps: 1 }, full: { sft_steps: 4 } },
      },
    ],
  },
  {
    name: 'interpolation',
    claim:
      'Held-out pass@1 rises monotonically along the straight line from the starting weights to the GRPO-tuned ones (α = 0, 0.5, 1).',
    papers: ['interpolation'],
    metric: 'eval/pass@1',
    judge: { kind: 'sweep', arms: ['alpha=0', 'alpha=0.5', 'grpo'], direction: 1 },
    base: WARM_ADDITION,
    scales: { quick: { steps: 1 }, full: { steps: 12 } },
    arms: [
      { label: 'grpo', config: { algorithm: 'grpo' } },
      { label: 'alpha=0', from: 'grpo', interpolate: 0 },
      { label: 'alpha=0.5', from: 'grpo', interpolate: 0.5 },
    ],
  },
  {
    name: 'dart',
    claim:
      'Difficulty-aware rejection tuning, which samples hard prompts until they have a correct answer, beats vanilla rejection tuning on held-out pass@1.',
    papers: ['dartMath'],
    metric: 'eval/pass@1',
    judge: { kind: 'pair', a: 'difficulty_aware', b: 'vanilla', direction: 1 },
    base: WARM_ADDITION,
    scales: { quick: { steps: 1 }, full: { steps: 6 } },
    arms: [
      { label: 'vanilla', config: { algorithm: 'rft', difficulty_aware: false } },
      {
        label: 'difficulty_aware',
        config: { algorithm: 'rft', difficulty_aware: true, min_correct: 1 },
        scales: { quick: { max_samples_per_prompt: 8 }, full: { max_samples_per_prompt: 32 } },
      },
    ],
  },
  {
    name: 'guidance',
    claim:
      'Held-out pass@1 rises monotonically with the guidance weight w = 0, 0.5, 1, 1.5 mixing the GRPO-tuned logits with the starting ones.',
    papers: ['rlGuidance'],
    metric: 'eval/pass@1',
    judge: { kind: 'sweep', arms: ['w=0', 'w=0.5', 'grpo', 'w=1.5'], direction: 1 },
    base: WARM_ADDITION,
    scales: { quick: { steps: 1 }, full: { steps: 12 } },
    arms: [
      { label: 'grpo', config: { algorithm: 'grpo' } },
      { label: 'w=0', from: 'grpo', guidance_weight: 0 },
      { label: 'w=0.5', from: 'grpo', guidance_weight: 0.5 },
      { label: 'w=1.5', from: 'grpo', guidance_weight: 1.5 },
    ],
  },
  {
    name: 'relift',
    claim:
      'Interleaving SFT on the prompts no sampled answer solved (ReLIFT) raises held-out pass@1 above the same steps of GRPO alone.',
    papers: ['relift'],
    metric: 'eval/pass@1',
    judge: { kind: 'pair', a: 'grpo+relift', b: 'grpo', direction: 1 },
    base: WARM_ADDITION,
    scales: { quick: { steps: 2 }, full: { steps: 10 } },
    arms: [
      { label: 'grpo', config: { algorithm: 'grpo' } },
      {
        label: 'grpo+relift',
        config: { algorithm: 'grpo', relift: { batch: null } },
        scales: { quick: { relift: { batch: 2 } } },
      },
    ],
  },
  {
    name: 'prefix',
    claim:
      'On prompts the warm start mostly fails (2-digit sums, pass@1 about 0.1), GRPO whose completions partly begin with a gold prefix (Prefix-RFT) beats both SFT alone and GRPO alone on held-out pass@1 after the same steps.',
    papers: ['prefixRft'],
    metric: 'eval/pass@1',
    judge: { kind: 'best', a: 'prefix', others: ['sft', 'grpo'], direction: 1 },
    base: WARM_ADDITION,
    scales: { quick: { steps: 1 }, full: { steps: 6 } },
    arms: [
      { label: 'sft', config: { algorithm: 'sft' } },
      { label: 'grpo', config: { algorithm: 'grpo' } },
      {
        label: 'prefix',
        config: {
          algorithm: 'grpo',
          prefix_sampling: { fraction: 0.25, min_ratio: 0.05, max_ratio: 0.95, decay: 'cosine' },
        },
      },
    ],
  },
  {
    name: 'dft',
    claim:
      'Dynamic fine-tuning (each gold token weighted by its probability) beats plain cross-entropy SFT on held-out pass@1 after the same steps.',
    papers: ['dft'],
    metric: 'eval/pass@1',
    judge: { kind: 'pair', a: 'dft', b: 'ce', direction: 1 },
    base: WARM_ADDITION,
    scales: { quick: { steps: 1 }, full: { steps: 10 } },
    arms: [
      { label: 'ce', config: { algorithm: 'sft', sft_loss: 'ce' } },
      { label: 'dft', config: { algorithm: 'sft', sft_loss: 'dft' } },
    ],
  },
  {
    name: 'clip_higher',
    claim:
      "DAPO's clip-higher (a wider upper clip, epsilon_high 0.28 against 0.2) keeps the policy's entropy higher than symmetric clipping while it trains.",
    papers: ['dapo'],
    metric: 'entropy',
    source: 'train',
    judge: { kind: 'pair', a: 'clip_higher', b: 'symmetric', direction: 1 },
    // two passes over each batch, so the ratio leaves 1 and the clip bounds act
    base: { ...WARM_ADDITION, num_iterations: 2 },
    scales: { quick: { steps: 2 }, full: { steps: 10 } },
    arms: [
      { label: 'symmetric', config: { algorithm: 'grpo', epsilon: 0.2, epsilon_high: 0.2 } },
      { label: 'clip_higher', config: { algorithm: 'grpo', epsilon: 0.2, epsilon_high: 0.28 } },
    ],
  },
  {
    name: 'forgetting',
    claim:
      'Learning a new task (1-digit multiplication) by GRPO keeps more of the old task (2-digit addition) than learning it by SFT for the same steps.',
    papers: ['forgetting', 'mllmCBench'],
    metric: 'eval/old/pass@1',
    judge: { kind: 'pair', a: 'grpo', b: 'sft', direction: 1 },
    base: OLD_TASK_BASE,
    scales: { quick: { steps: 1, config: QUICK_FORGET }, full: { steps: 10 } },
    arms: [newTaskArm('sft', 'sft'), newTaskArm('grpo', 'grpo')],
  },
  {
    name: 'kl_forgetting',
    claim:
      'A KL penalty to the reference (beta 0.04) keeps more of the old task than beta 0 while GRPO learns a new one; the papers disagree, so this reports what the toy shows.',
    papers: ['mllmCBench', 'forgetting'],
    metric: 'eval/old/pass@1',
    judge: { kind: 'pair', a: 'beta=0.04', b: 'beta=0', direction: 1 },
    base: OLD_TASK_BASE,
    scales: { quick: { steps: 2 }, full: { steps: 10 } },
    arms: [newTaskArm('beta=0', 'grpo', { beta: 0 }), newTaskArm('beta=0.04', 'grpo', { beta: 0.04 })],
  },
  {
    name: 'hft',
    claim:
      "Freezing half of each block's matrices while SFT learns a new task (HFT) keeps more of the old task than full fine-tuning.",
    papers: ['hft'],
    metric: 'eval/old/pass@1',
    judge: { kind: 'pair', a: 'half', b: 'full', direction: 1 },
    base: OLD_TASK_BASE,
    scales: { quick: { steps: 2 }, full: { steps: 10 } },
    arms: [newTaskArm('full', 'sft'), newTaskArm('half', 'sft', { freeze: { fraction: 0.5 } })],
  },
  {
    name: 's3ft',
    claim:
      "Training on the reference's own correct answers where it has them (S3FT) keeps more of the old task than training on gold answers only.",
    papers: ['s3ft'],
    metric: 'eval/old/pass@1',
    judge: { kind: 'pair', a: 'self', b: 'gold', direction: 1 },
    base: OLD_TASK_BASE,
    scales: { quick: { steps: 2 }, full: { steps: 10 } },
    arms: [
      newTaskArm('gold', 'sft', { sft_targets: 'gold' }),
      newTaskArm('self', 'sft', { sft_targets: 'self_when_correct' }),
    ],
  },
];

/** An arm of the forgetting family: `algorithm` (and `extra`) on the new task from the warm start. */
function newTaskArm(label: string, algorithm: 'sft' | 'grpo', extra: Record<string, unknown> = {}) {
  return { label, config: { algorithm, ...extra } };
}

/** The experiment of that name, or an error that lists the names. */
export function findExperiment(name: string): Experiment {
  const e = EXPERIMENTS.find((x) => x.name === name);
  if (!e)
    throw new Error(
      `unknown experiment "${name}"; the experiments are: ${EXPERIMENTS.map((x) => x.name).join(', ')} (tabrl experiment --list describes them)`,
    );
  return e;
}

/**
 * Structural checks of a declaration: unique labels, eval-only arms that name a trained arm, a
 * judge that names existing arms, α in the range interpolation accepts, positive steps. Returns
 * the problems (empty when sound); the registry's test runs it over EXPERIMENTS.
 */
export function experimentProblems(e: Experiment): string[] {
  const problems: string[] = [];
  const labels = e.arms.map((a) => a.label);
  const trained = new Set(e.arms.filter((a) => armKind(a) === 'trained').map((a) => a.label));
  if (new Set(labels).size !== labels.length)
    problems.push(`${e.name}: arm labels repeat (${labels.join(', ')})`);
  if (trained.size === 0) problems.push(`${e.name}: no trained arm`);
  for (const a of e.arms) {
    if ('from' in a && !trained.has(a.from))
      problems.push(`${e.name}: arm ${a.label} reuses "${a.from}", which is not a trained arm`);
    if ('interpolate' in a && !(a.interpolate >= 0 && a.interpolate <= 1.5))
      problems.push(`${e.name}: arm ${a.label}: interpolate must be in [0, 1.5] (got ${a.interpolate})`);
    if ('guidance_weight' in a && !(a.guidance_weight >= 0 && a.guidance_weight <= 2))
      problems.push(
        `${e.name}: arm ${a.label}: guidance_weight must be in [0, 2] (got ${a.guidance_weight})`,
      );
  }
  const judged = judgedArms(e.judge);
  for (const l of judged) if (!labels.includes(l)) problems.push(`${e.name}: the judge names no arm "${l}"`);
  if ((e.source ?? 'eval') === 'eval' && !e.metric.startsWith('eval/'))
    problems.push(
      `${e.name}: metric ${e.metric} is not an eval/* key (give source: 'train' for a training metric)`,
    );
  if (e.source === 'train' && trained.size !== e.arms.length)
    problems.push(`${e.name}: a training metric needs trained arms only (eval-only arms log no training)`);
  for (const s of SCALES)
    if (!(Number.isInteger(e.scales[s].steps) && e.scales[s].steps > 0))
      problems.push(`${e.name}: ${s} scale needs a positive integer of steps`);
  return problems;
}
