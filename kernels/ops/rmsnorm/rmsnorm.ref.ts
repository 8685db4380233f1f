/**
 * Float64 RMSNorm, the oracle for rmsnorm.ts: same argument order, shapes as numbers. Backward
 * returns a fresh dgamma (the GPU accumulates; tests add the starting values themselves).
 */

export function rmsnormForwardRef(
  x: Float64Array,
  gamma: Float64Array,
  rows: number,
  cols: number,
  eps = 1e-6,
): { y: Float64Array; rstd: Float64Array } {
  const y = new Float64Array(rows * cols);
  const rstd = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let ss = 0;
    for (let c = 0; c < cols; c++) ss += x[r * cols + c] ** 2;
    const rs = 1 / Math.sqrt(ss / cols + eps);
    for (let c = 0; c < cols; c++) y[r * cols + c] = x[r * cols + c] * rs * gamma[c];
    rstd[r] = rs;
  }
  return { y, rstd };
}

export function addRmsnormForwardRef(
  a: Float64Array,
  b: Float64Array,
  gamma: Float64Array,
  rows: number,
  cols: number,
  eps = 1e-6,
): { sum: Float64Array; y: Float64Array; rstd: Float64Array } {
  const sum = a.map((v, i) => v + b[i]);
  return { sum, ...rmsnormForwardRef(sum, gamma, rows, cols, eps) };
}

export function rmsnormBackwardRef(
  dy: Float64Array,
  x: Float64Array,
  gamma: Float64Array,
  rstd: Float64Array,
  rows: number,
  cols: number,
): { dx: Float64Array; dgamma: Float64Array } {
  const dx = new Float64Array(rows * cols);
  const dgamma = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    const rs = rstd[r];
    let sumGX = 0;
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      sumGX += dy[i] * gamma[c] * x[i];
      dgamma[c] += dy[i] * x[i] * rs;
    }
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      dx[i] = rs * dy[i] * gamma[c] - (x[i] * rs ** 3 * sumGX) / cols;
    }
  }
  return { dx, dgamma };
}
