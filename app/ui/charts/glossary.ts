/**
 * Plain-words explanations of every metric the lab charts, shown when a chart title is hovered or
 * focused, and the chart list itself: which metrics share a chart, in which order. Names are
 * DESIGN.md's (TRL's) metric names.
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
};

export interface ChartSpec {
  /** The chart's accessible name and title: the metric name (DESIGN.md). */
  title: string;
  metrics: string[];
  /** Metric giving the ± band around the first metric. */
  band?: string;
  /** Fixed y-domain, e.g. [0, 1] for fractions. */
  domain?: [number, number];
}

export const CHARTS: ChartSpec[] = [
  { title: 'reward', metrics: ['reward'], band: 'reward_std' },
  { title: 'eval/pass@1', metrics: ['eval/pass@1'], domain: [0, 1] },
  { title: 'entropy', metrics: ['entropy'] },
  { title: 'kl', metrics: ['kl'] },
  { title: 'loss', metrics: ['loss'] },
  {
    title: 'clip ratios',
    metrics: ['clip_ratio/low_mean', 'clip_ratio/high_mean', 'clip_ratio/region_mean'],
    domain: [0, 1],
  },
  { title: 'completions/mean_length', metrics: ['completions/mean_length'] },
  { title: 'frac_reward_zero_std', metrics: ['frac_reward_zero_std'], domain: [0, 1] },
  { title: 'tokens_per_second', metrics: ['tokens_per_second'] },
];

/** Charts shown in presenter mode: the few a room can follow. */
export const PRESENTER_CHARTS = ['reward', 'eval/pass@1', 'entropy', 'kl'];

export function explainChart(spec: ChartSpec): string {
  return spec.metrics
    .map((m) => (spec.metrics.length > 1 ? `${m}: ${METRIC_GLOSSARY[m] ?? ''}` : (METRIC_GLOSSARY[m] ?? m)))
    .join(' ');
}
