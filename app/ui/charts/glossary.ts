/**
 * Plain-words explanations of every metric the lab charts, shown when a chart title is hovered or
 * focused. Names are docs/DESIGN.md's (TRL's) metric names; which charts a run shows is chart-sets.ts.
 */

export const METRIC_GLOSSARY: Record<string, string> = {
  reward:
    'Average reward of the sampled answers this step (after reward weights). The band is ± the mean within-group standard deviation (reward_std). Up is good.',
  reward_std:
    'How much the answers to the same prompt differ in reward, averaged over prompts. Zero spread means nothing to learn from that prompt.',
  'eval/pass@1':
    'Share of held-out prompts (never trained on) answered correctly by one sample. The honest measure of learning, not memorising.',
  'eval/reward': 'Average reward on the held-out prompts.',
  entropy:
    'How unsure the model is when it picks each token (in nats). It usually falls as the model commits; a collapse to near zero means it stopped exploring.',
  kl: 'How far the model has drifted from where RL started (KL divergence to the reference, per token). The beta option pulls it back.',
  loss: 'The policy loss being minimised. For GRPO-style losses its value says little on its own; watch reward instead.',
  'clip_ratio/low_mean':
    'Share of tokens whose probability ratio fell below 1 − epsilon while the advantage was negative: the update was clipped there.',
  'clip_ratio/high_mean':
    'Share of tokens whose probability ratio rose above 1 + epsilon_high while the advantage was positive.',
  'clip_ratio/region_mean':
    'Share of tokens clipped on either side. Zero when each batch is used once (μ = 1).',
  'completions/mean_length': 'Average number of tokens in an answer. Watch for answers growing to the limit.',
  'completions/clipped_ratio': 'Share of answers cut off at the maximum length without finishing.',
  frac_reward_zero_std:
    'Share of prompts whose answers all got the same reward: their advantages are zero, so they teach nothing this step.',
  tokens_per_second: 'Tokens generated and trained on per second: how fast this GPU runs the step.',
  grad_norm: 'Size of the gradient before clipping. Spikes mean unstable updates.',
  learning_rate: 'The learning rate the scheduler set for this step.',
  'eval/greedy':
    'Share of held-out prompts answered correctly when the model always takes its most likely token (no sampling).',
  'eval/pass@k':
    'Share of held-out prompts solved by at least one of k samples (unbiased estimate from n samples). The dashed lines are where the run started: RL lifts pass@1 toward what the start already reached at larger k.',
  'eval/pass@2': 'Held-out prompts solved by at least one of 2 samples.',
  'eval/pass@4': 'Held-out prompts solved by at least one of 4 samples.',
  'eval/pass@8': 'Held-out prompts solved by at least one of 8 samples.',
  value_loss:
    "PPO's value head error: how far its predicted returns are from the returns seen (clipped, times vf_coef). It should fall as the head learns.",
  'completions/incorrect_mean_length':
    "Mean length of the wrong answers this step. Under per-answer length normalisation (loss_type grpo) a long wrong answer is penalised less per token, so wrong answers can grow long; Dr. GRPO's constant normaliser does not favour them.",
  'completions/distinct_fraction':
    'Different answers per prompt, as a share of the group (1: all different; 1/G: one answer repeated). RL usually lowers it as the model commits.',
  'dynamic_sampling/groups_kept':
    'Groups with spread that dynamic sampling kept to train on this step (groups whose answers all scored the same are dropped).',
  'dynamic_sampling/rounds':
    'Extra sampling rounds dynamic sampling drew this step to find groups with spread.',
  'rft/kept_fraction':
    'Share of sampled answers good enough (reward at least rft_threshold) to be trained on.',
  'rft/prompts_with_kept':
    'Share of prompts with at least one kept answer: the prompts rejection sampling can learn from.',
  'sft/loss':
    'The loss of this SFT update under sft_loss: cross-entropy (ce), or its probability-weighted forms dft and asft, mean over gold tokens. For SFT and RFT it is the same number as loss.',
  'sft/anchor_kl':
    'asft only: how far the model has moved from the reference (KL over the whole vocabulary at each gold token). anchor_beta pulls it back; ce and dft runs leave this chart empty.',
  'sft/self_fraction':
    "sft_targets self_when_correct: share of this update's targets that were the reference model's own greedy answers (used where the task's checker accepts them; the rest are gold).",
  'freeze/fraction':
    "Half fine-tuning: the share of the parameters that would train which freeze is holding still this stage (logged at the stage's first step).",
  num_tokens: 'Prompt and completion tokens processed since the run began.',
  step_time: 'Seconds this step took, generation and training together.',
  dispatches: 'GPU compute dispatches this step: fewer means less overhead.',
};

export interface ChartSpec {
  /** The chart's accessible name and title: the metric name (docs/DESIGN.md). */
  title: string;
  metrics: string[];
  /** Metric giving the ± band around the first metric. */
  band?: string;
  /** Fixed y-domain, e.g. [0, 1] for fractions. */
  domain?: [number, number];
  /** Draw each run's first value of each metric as a dashed horizontal line (where the run started). */
  startLines?: boolean;
}

export function explainChart(spec: ChartSpec): string {
  return spec.metrics
    .map((m) => (spec.metrics.length > 1 ? `${m}: ${METRIC_GLOSSARY[m] ?? ''}` : (METRIC_GLOSSARY[m] ?? m)))
    .join(' ');
}
