/**
 * Learning-rate schedules (`lr_scheduler` constant | linear | cosine, with `warmup_steps`), as pure
 * functions of the optimizer step. They follow Hugging Face's `get_*_schedule_with_warmup` exactly,
 * including lr = 0 at step 0 when warmup_steps > 0, so a run exported to TRL sees the same curve.
 */

export type LrScheduler = 'constant' | 'linear' | 'cosine';

export interface ScheduleConfig {
  /** Peak learning rate, reached at the end of warmup. */
  learning_rate: number;
  lr_scheduler: LrScheduler;
  /** Steps of linear warmup from 0 to learning_rate. */
  warmup_steps: number;
  /** Total optimizer steps; linear and cosine reach 0 at this step. */
  max_steps: number;
}

/**
 * The learning rate for the update that follows `step` completed updates (0-based, as HF's
 * LambdaLR). Examples with learning_rate 1, warmup 2, max_steps 10: constant 0, 0.5, 1, 1...;
 * linear at step 6 = (10-6)/(10-2) = 0.5; cosine at step 6 = 0.5*(1+cos(pi*4/8)) = 0.5.
 */
export function learningRate(step: number, config: ScheduleConfig): number {
  const { learning_rate: peak, warmup_steps: warmup, max_steps: total } = config;
  if (step < warmup) return (peak * step) / Math.max(1, warmup);
  const decaySteps = Math.max(1, total - warmup);
  const progress = Math.min(1, Math.max(0, (step - warmup) / decaySteps));
  switch (config.lr_scheduler) {
    case 'constant':
      return peak;
    case 'linear':
      return peak * (1 - progress);
    case 'cosine':
      return peak * 0.5 * (1 + Math.cos(Math.PI * progress));
    default:
      return config.lr_scheduler satisfies never;
  }
}
