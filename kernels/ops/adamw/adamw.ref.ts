/**
 * Float64 AdamW and clip factor, the oracle for adamw.ts, written the plain textbook way (explicit
 * m_hat and v_hat) so it checks the kernel's folded constants rather than repeating them.
 */

export interface AdamwRefHyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  step: number;
  gradScale?: number;
}

/** Returns the updated {param, m, v}; the inputs are left untouched. */
export function adamwStepRef(
  param: Float64Array,
  grad: Float64Array,
  m: Float64Array,
  v: Float64Array,
  h: AdamwRefHyper,
): { param: Float64Array; m: Float64Array; v: Float64Array } {
  const outP = new Float64Array(param.length);
  const outM = new Float64Array(param.length);
  const outV = new Float64Array(param.length);
  const s = h.gradScale ?? 1;
  for (let i = 0; i < param.length; i++) {
    const g = grad[i] * s;
    outM[i] = h.beta1 * m[i] + (1 - h.beta1) * g;
    outV[i] = h.beta2 * v[i] + (1 - h.beta2) * g * g;
    const mHat = outM[i] / (1 - h.beta1 ** h.step);
    const vHat = outV[i] / (1 - h.beta2 ** h.step);
    const decayed = param[i] - h.lr * h.weightDecay * param[i];
    outP[i] = decayed - (h.lr * mHat) / (Math.sqrt(vHat) + h.eps);
  }
  return { param: outP, m: outM, v: outV };
}

export function clipScaleRef(norm: number, maxNorm: number): number {
  return Math.min(1, maxNorm / (norm + 1e-6));
}
