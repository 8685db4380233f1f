/**
 * The Try panel's two sliders beyond the prompt: guidance weight w (docs/ALGORITHMS.md "Guidance at
 * inference": sample from (1 − w)·z_ref + w·z_θ) and interpolation α ("Weight interpolation": sample
 * from (1 − α)·θ_ref + α·θ). Both apply to the current model's answers; 1 and 1 are the policy alone.
 * The panel draws its sliders from these ranges and the worker checks what arrives against them.
 */
import type { TryOptions } from '../../engine/train/session.js';

export interface KnobRange {
  min: number;
  max: number;
  step: number;
  default: number;
}

export const TRY_KNOBS = {
  guidance: { min: 0, max: 2, step: 0.1, default: 1 },
  alpha: { min: 0, max: 1.5, step: 0.05, default: 1 },
} as const satisfies Record<keyof TryOptions, KnobRange>;

export type TryKnobs = Required<TryOptions>;

export const DEFAULT_KNOBS: TryKnobs = {
  guidance: TRY_KNOBS.guidance.default,
  alpha: TRY_KNOBS.alpha.default,
};

/** The knobs of a generate message, defaults filled in; a value out of range is refused by name. */
export function checkTryKnobs(knobs: TryOptions = {}): TryKnobs {
  // a message from an older page carries neither: undefined means the default
  const out = {
    guidance: knobs.guidance ?? DEFAULT_KNOBS.guidance,
    alpha: knobs.alpha ?? DEFAULT_KNOBS.alpha,
  };
  for (const key of ['guidance', 'alpha'] as const) {
    const { min, max } = TRY_KNOBS[key];
    const v = out[key];
    if (!(typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max))
      throw new Error(
        `Try: ${key} must be a number from ${min} to ${max} (got ${v}); move the slider back into range.`,
      );
  }
  return out;
}
