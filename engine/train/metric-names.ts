/**
 * Every key a `metrics.jsonl` row may carry, in one typed list: what the trainer emits and what the
 * lab's charts and glossary, the health rules, the CLI and the docs may name (names follow TRL's where
 * TRL has one; docs/DESIGN.md "Metrics"). The families are patterns: `rewards/<fn>/mean` per reward
 * function, `eval/pass@<k>`, and `eval/<label>/...` per eval_tasks task. Tests fail on a name emitted
 * or read that is not here.
 */
import { ALGORITHMS, type Algorithm } from '../config/schema.js';

const RL = ['grpo', 'dr_grpo', 'dapo', 'rloo', 'reinforce', 'ppo'] as const satisfies readonly Algorithm[];
const SAMPLING = [...RL, 'rft'] as const satisfies readonly Algorithm[];

export type MetricUnit =
  | 'step'
  | 'reward'
  | 'fraction'
  | 'nats'
  | 'tokens'
  | 'seconds'
  | 'tokens/s'
  | 'count'
  | 'loss'
  | 'norm';

export interface MetricSpec {
  /** The key, or a pattern with `<fn>` / `<k>` where the key varies. */
  name: string;
  unit: MetricUnit;
  /** Algorithms whose runs can log it (SFT warm-up steps of every algorithm log SFT's keys). */
  algorithms: readonly Algorithm[];
  /** When a row carries it, where that is not every step of those algorithms. */
  when?: string;
  description: string;
}

const m = (
  name: string,
  unit: MetricUnit,
  algorithms: readonly Algorithm[],
  description: string,
  when?: string,
): MetricSpec => ({ name, unit, algorithms, description, ...(when ? { when } : {}) });

export const METRICS: readonly MetricSpec[] = [
  m('step', 'step', ALGORITHMS, 'Step number, from 0'),
  m('stage', 'count', ALGORITHMS, 'Index of the stage the step belongs to, from 0', 'staged runs (stages)'),
  m(
    'reward',
    'reward',
    SAMPLING,
    'Mean total reward of the sampled completions (weighted, shaping included)',
  ),
  m('reward_std', 'reward', RL, "Mean over groups of each group's sample standard deviation of reward"),
  m('rewards/<fn>/mean', 'reward', RL, 'Mean of reward function fn (unweighted) where it succeeded'),
  m('frac_reward_zero_std', 'fraction', RL, 'Groups whose rewards all agree (zero advantages)'),
  m('entropy', 'nats', SAMPLING, 'Mean per-token entropy of softmax(z/T) over completion tokens'),
  m('kl', 'nats', RL, 'Per-token KL to the frozen reference (kl_estimator)', 'beta > 0'),
  m('clip_ratio/low_mean', 'fraction', RL, 'Tokens with ratio < 1 - epsilon and negative advantage'),
  m('clip_ratio/high_mean', 'fraction', RL, 'Tokens with ratio > 1 + epsilon_high and positive advantage'),
  m('clip_ratio/region_mean', 'fraction', RL, 'Tokens clipped on either side'),
  m('loss', 'loss', ALGORITHMS, 'The loss minimised this step (policy loss, or SFT cross-entropy)'),
  m('grad_norm', 'norm', ALGORITHMS, 'Global gradient norm before clipping'),
  m('learning_rate', 'count', ALGORITHMS, "The schedule's learning rate for this step"),
  m('completions/mean_length', 'tokens', SAMPLING, 'Mean completion length (EOS counts)'),
  m('completions/clipped_ratio', 'fraction', SAMPLING, 'Completions that hit max_completion_length'),
  m('completions/distinct_fraction', 'fraction', SAMPLING, 'Distinct texts per group / group size, mean'),
  m(
    'completions/incorrect_mean_length',
    'tokens',
    SAMPLING,
    "Mean length (EOS counts) of the completions the task's verifier marks incorrect",
    'some completion is incorrect',
  ),
  m('num_tokens', 'tokens', ALGORITHMS, 'Prompt + completion tokens processed since the run began'),
  m(
    'num_completions',
    'count',
    SAMPLING,
    'Completions sampled since the run began (all rounds, kept or not)',
  ),
  m('step_time', 'seconds', ALGORITHMS, 'Wall time of the step'),
  m('tokens_per_second', 'tokens/s', ALGORITHMS, "This step's tokens / step_time"),
  m('timing/generate', 'seconds', SAMPLING, 'Sampling (and scoring, for RFT) time'),
  m('timing/score', 'seconds', RL, 'Reward scoring time'),
  m('timing/reference', 'seconds', RL, 'Reference log-probs and PPO values time'),
  m('timing/train', 'seconds', ALGORITHMS, 'Gradient and optimizer time'),
  m('dispatches', 'count', ALGORITHMS, 'GPU compute dispatches of the update'),
  m('dispatches/generate', 'count', SAMPLING, 'GPU compute dispatches of sampling'),
  m('dispatches/reference', 'count', RL, 'GPU compute dispatches of reference log-probs and PPO values'),
  m('dispatches/train', 'count', ALGORITHMS, 'GPU compute dispatches of the gradient passes and the update'),
  m('submits/generate', 'count', SAMPLING, 'GPU queue submissions of sampling'),
  m('submits/reference', 'count', RL, 'GPU queue submissions of reference log-probs and PPO values'),
  m('submits/train', 'count', ALGORITHMS, 'GPU queue submissions of the gradient passes and the update'),
  m(
    'flops',
    'count',
    ALGORITHMS,
    'Floating-point operations of the step counted by the runtime (matmul, attention)',
  ),
  m('gflops_per_second', 'count', ALGORITHMS, 'flops / step_time / 1e9: the GFLOP/s the step achieved'),
  m('flops/generate', 'count', SAMPLING, 'Counted floating-point operations of sampling'),
  m(
    'flops/reference',
    'count',
    RL,
    'Counted floating-point operations of reference log-probs and PPO values',
  ),
  m(
    'flops/train',
    'count',
    ALGORITHMS,
    'Counted floating-point operations of the gradient passes and the update',
  ),
  m('readbacks/generate', 'count', SAMPLING, 'GPU-to-host reads (each a submission and a wait) of sampling'),
  m('readbacks/reference', 'count', RL, 'GPU-to-host reads of reference log-probs and PPO values'),
  m('readbacks/train', 'count', ALGORITHMS, 'GPU-to-host reads of the gradient passes and the update'),
  m('update_skipped', 'count', ALGORITHMS, 'Updates refused (non-finite loss or gradient)', 'a refusal'),
  m('value_loss', 'loss', RL, "PPO's clipped value loss (times vf_coef)", 'advantage_estimator gae'),
  m('dynamic_sampling/groups_kept', 'count', RL, 'Groups with spread trained on', 'dynamic_sampling'),
  m('dynamic_sampling/rounds', 'count', RL, 'Extra sampling rounds drawn', 'dynamic_sampling'),
  m(
    'dynamic_sampling/kept_reward',
    'reward',
    RL,
    'Mean reward of the groups trained on (reward covers every group sampled)',
    'dynamic_sampling',
  ),
  m(
    'sft/loss',
    'loss',
    ALGORITHMS,
    'The SFT loss of the update (sft_loss: ce, dft or asft), mean over gold tokens',
    'SFT updates (sft, sft_steps, rft)',
  ),
  m(
    'sft/anchor_kl',
    'nats',
    ALGORITHMS,
    'asft: mean KL(policy || reference) over the full vocabulary at gold tokens',
    'SFT updates with sft_loss asft',
  ),
  m(
    'prefix/fraction',
    'fraction',
    RL,
    'prefix_sampling: share of the trained completions that began with a forced gold prefix',
    'prefix_sampling set',
  ),
  m(
    'prefix/mean_ratio',
    'fraction',
    RL,
    'prefix_sampling: mean prefix length / gold length over the completions with a prefix (0 when none)',
    'prefix_sampling set',
  ),
  m(
    'relift/buffer',
    'count',
    RL,
    'relift: unsolved prompts waiting for an SFT update, after this step',
    'relift set',
  ),
  m('relift/sft_steps', 'count', RL, 'relift: SFT updates taken so far in the run', 'relift set'),
  m(
    'relift/sft_loss',
    'loss',
    RL,
    "relift: the SFT loss of the step's update on the B oldest buffered prompts",
    'steps where relift takes an SFT update',
  ),
  m('timing/relift', 'seconds', RL, 'relift: buffering and its SFT update (in step_time)', 'relift set'),
  m(
    'sft/self_fraction',
    'fraction',
    ALGORITHMS,
    "sft_targets self_when_correct: share of the update's targets that were the reference's own correct greedy answers",
    'SFT updates (sft, sft_steps) with sft_targets self_when_correct',
  ),
  m(
    'freeze/fraction',
    'fraction',
    ALGORITHMS,
    'Half fine-tuning: frozen parameters / parameters that would train',
    'the first step of each stage, with freeze',
  ),
  m('rft/kept_fraction', 'fraction', ['rft'], 'Sampled completions kept (reward >= rft_threshold)'),
  m('rft/prompts_with_kept', 'fraction', ['rft'], 'Prompts with at least one kept completion'),
  m('eval/reward', 'reward', ALGORITHMS, 'Mean reward on held-out prompts', 'eval steps'),
  m('eval/pass@1', 'fraction', ALGORITHMS, 'Mean share of correct samples per held-out prompt', 'eval steps'),
  m('eval/pass@k', 'fraction', ALGORITHMS, 'Unbiased pass@k at k = eval_k', 'eval steps'),
  m(
    'eval/pass@<k>',
    'fraction',
    ALGORITHMS,
    'Unbiased pass@k, k in 2, 4, 8',
    'eval steps, k <= eval_samples',
  ),
  m(
    'eval/greedy',
    'fraction',
    ALGORITHMS,
    'Held-out prompts answered correctly by greedy decoding',
    'eval steps',
  ),
  m(
    'eval/<label>/<metric>',
    'fraction',
    ALGORITHMS,
    "An eval_tasks task's pass@1, pass@k, pass@2/4/8 or greedy on its own held-out prompts",
    'eval steps, eval_tasks',
  ),
  m(
    'eval/<label>/reward',
    'reward',
    ALGORITHMS,
    "An eval_tasks task's mean reward on its own held-out prompts",
    'eval steps, eval_tasks',
  ),
];

/** The key families: a pattern name of METRICS and the keys it stands for. */
const PATTERNS: Record<string, RegExp> = {
  'rewards/<fn>/mean': /^rewards\/[^/]+\/mean$/,
  'eval/pass@<k>': /^eval\/pass@[1-9][0-9]*$/,
  // `<label>` itself too: the docs name the family as eval/<label>/pass@1
  'eval/<label>/<metric>': /^eval\/(<label>|[A-Za-z0-9_-]{1,32})\/(pass@k|pass@[1-9][0-9]*|greedy)$/,
  'eval/<label>/reward': /^eval\/(<label>|[A-Za-z0-9_-]{1,32})\/reward$/,
};

/** The spec of a key (exact names first, then patterns); undefined when it is not listed. */
export function metricSpec(key: string): MetricSpec | undefined {
  return METRICS.find((s) => s.name === key) ?? METRICS.find((s) => PATTERNS[s.name]?.test(key) ?? false);
}

export function isListedMetric(key: string): boolean {
  return metricSpec(key) !== undefined;
}
