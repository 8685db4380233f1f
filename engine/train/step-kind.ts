/**
 * Which kind of step a run takes at step s: the one place that reads `algorithm` and `sft_steps` for
 * it (the session's step dispatch, when the reference is taken, the lab's sft/rl phase). Every
 * algorithm but sft takes `sft_steps` SFT warm-up steps first; RFT then samples and keeps, the GRPO
 * family and PPO take policy-gradient steps (their estimator is stepAdvantages' choice).
 */
import type { RunConfig } from '../config/schema.js';

export type StepKind = 'sft' | 'rft' | 'rl';

/** The kind of step number `step`. Example: grpo with sft_steps 2 -> sft, sft, rl, rl, ... */
export function stepKind(c: Pick<RunConfig, 'algorithm' | 'sft_steps'>, step: number): StepKind {
  const warmUp = step < c.sft_steps;
  switch (c.algorithm) {
    case 'sft':
      return 'sft';
    case 'rft':
      return warmUp ? 'sft' : 'rft';
    case 'grpo':
    case 'dr_grpo':
    case 'dapo':
    case 'rloo':
    case 'reinforce':
    case 'ppo':
      return warmUp ? 'sft' : 'rl';
    default:
      return c.algorithm satisfies never;
  }
}
