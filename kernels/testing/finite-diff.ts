/**
 * Central finite differences in float64, the oracle every reference backward is checked against:
 * d f / d x_i ~ (f(x + h e_i) - f(x - h e_i)) / 2h.
 */

/** Gradient of scalar `f` at `x` by central differences (x is restored afterwards). */
export function numericalGradient(f: (x: Float64Array) => number, x: Float64Array, h = 1e-6): Float64Array {
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const keep = x[i];
    x[i] = keep + h;
    const up = f(x);
    x[i] = keep - h;
    const down = f(x);
    x[i] = keep;
    g[i] = (up - down) / (2 * h);
  }
  return g;
}

/** sum(out * weights): turns a tensor-valued function into the scalar a gradient check needs. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
