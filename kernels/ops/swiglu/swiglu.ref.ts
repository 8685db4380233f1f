/**
 * Float64 SwiGLU and SiLU, the oracle for swiglu.ts (same argument order), with analytic
 * derivatives: d silu/dg = s (1 + g (1 - s)), s = sigmoid(g).
 */

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

export function siluScalar(x: number): number {
  return x * sigmoid(x);
}

function siluDerivativeScalar(x: number): number {
  const s = sigmoid(x);
  return s * (1 + x * (1 - s));
}

export function swigluForwardRef(gate: Float64Array, up: Float64Array): Float64Array {
  return gate.map((g, i) => siluScalar(g) * up[i]);
}

export function swigluBackwardRef(
  dy: Float64Array,
  gate: Float64Array,
  up: Float64Array,
): { dgate: Float64Array; dup: Float64Array } {
  return {
    dgate: gate.map((g, i) => dy[i] * up[i] * siluDerivativeScalar(g)),
    dup: gate.map((g, i) => dy[i] * siluScalar(g)),
  };
}

export function siluForwardRef(x: Float64Array): Float64Array {
  return x.map(siluScalar);
}

export function siluBackwardRef(dy: Float64Array, x: Float64Array): Float64Array {
  return x.map((v, i) => dy[i] * siluDerivativeScalar(v));
}
