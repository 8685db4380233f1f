/**
 * The RL formulas of docs/ALGORITHMS.md as pure functions: one line per module, readable in one screen.
 */
export * from './advantages';
export * from './aggregation';
export * from './dynamic-sampling';
export * from './evaluation';
export * from './gae';
export * from './kl';
export * from './policy-loss';
export * from './random';
export * from './rft';
export * from './shaping';
export * from './step-advantages';
export * from './surrogate';
