/**
 * Float64 oracle for softmax.ts: the same functions over plain loops, shapes passed as numbers.
 * The backward is checked against central finite differences in softmax.test.ts.
 */

export function softmaxRef(x: Float64Array, n: number, v: number): Float64Array {
  const y = logSoftmaxRef(x, n, v);
  for (let i = 0; i < y.length; i++) y[i] = Math.exp(y[i]);
  return y;
}

export function logSoftmaxRef(x: Float64Array, n: number, v: number): Float64Array {
  const y = new Float64Array(n * v);
  for (let r = 0; r < n; r++) {
    let m = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < v; j++) m = Math.max(m, x[r * v + j]);
    let l = 0;
    for (let j = 0; j < v; j++) l += Math.exp(x[r * v + j] - m);
    const lse = m + Math.log(l);
    for (let j = 0; j < v; j++) y[r * v + j] = x[r * v + j] - lse;
  }
  return y;
}

/** y is the softmax output. */
export function softmaxBackwardRef(y: Float64Array, dy: Float64Array, n: number, v: number): Float64Array {
  const dx = new Float64Array(n * v);
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let j = 0; j < v; j++) s += dy[r * v + j] * y[r * v + j];
    for (let j = 0; j < v; j++) dx[r * v + j] = y[r * v + j] * (dy[r * v + j] - s);
  }
  return dx;
}

/** y is the log-softmax output. */
export function logSoftmaxBackwardRef(y: Float64Array, dy: Float64Array, n: number, v: number): Float64Array {
  const dx = new Float64Array(n * v);
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let j = 0; j < v; j++) s += dy[r * v + j];
    for (let j = 0; j < v; j++) dx[r * v + j] = dy[r * v + j] - Math.exp(y[r * v + j]) * s;
  }
  return dx;
}
