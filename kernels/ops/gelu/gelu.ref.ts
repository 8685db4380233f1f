/**
 * Float64 tanh-GELU, the oracle for gelu.ts (same formula as HF `NewGELUActivation`), with its
 * analytic derivative. Bias variants broadcast bias[C] over the rows of x[N,C].
 */

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const GELU_CUBIC = 0.044715;

export function geluScalar(x: number): number {
  return 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + GELU_CUBIC * x ** 3)));
}

export function geluDerivativeScalar(x: number): number {
  const t = Math.tanh(SQRT_2_OVER_PI * (x + GELU_CUBIC * x ** 3));
  return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * GELU_CUBIC * x * x);
}

export function geluForwardRef(x: Float64Array): Float64Array {
  return x.map(geluScalar);
}

export function geluBackwardRef(dy: Float64Array, x: Float64Array): Float64Array {
  return x.map((v, i) => dy[i] * geluDerivativeScalar(v));
}

export function biasGeluForwardRef(x: Float64Array, bias: Float64Array, cols: number): Float64Array {
  return x.map((v, i) => geluScalar(v + bias[i % cols]));
}

export function biasGeluBackwardRef(
  dy: Float64Array,
  x: Float64Array,
  bias: Float64Array,
  cols: number,
): { dx: Float64Array; dbias: Float64Array } {
  const dx = x.map((v, i) => dy[i] * geluDerivativeScalar(v + bias[i % cols]));
  const dbias = new Float64Array(cols);
  dx.forEach((v, i) => {
    dbias[i % cols] += v;
  });
  return { dx, dbias };
}
