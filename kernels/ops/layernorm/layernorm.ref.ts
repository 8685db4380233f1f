/**
 * Float64 LayerNorm, the oracle for layernorm.ts: same argument order, shapes as numbers. Backward
 * returns fresh dgamma/dbeta (the GPU accumulates; tests add the starting values themselves).
 */

export interface LayernormRef {
  y: Float64Array;
  mean: Float64Array;
  rstd: Float64Array;
}

export function layernormForwardRef(
  x: Float64Array,
  gamma: Float64Array,
  beta: Float64Array,
  rows: number,
  cols: number,
  eps = 1e-5,
): LayernormRef {
  const y = new Float64Array(rows * cols);
  const mean = new Float64Array(rows);
  const rstd = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const row = x.subarray(r * cols, (r + 1) * cols);
    let s = 0;
    for (const v of row) s += v;
    const m = s / cols;
    let ss = 0;
    for (const v of row) ss += (v - m) * (v - m);
    const rs = 1 / Math.sqrt(ss / cols + eps);
    for (let c = 0; c < cols; c++) y[r * cols + c] = (row[c] - m) * rs * gamma[c] + beta[c];
    mean[r] = m;
    rstd[r] = rs;
  }
  return { y, mean, rstd };
}

export function addLayernormForwardRef(
  a: Float64Array,
  b: Float64Array,
  gamma: Float64Array,
  beta: Float64Array,
  rows: number,
  cols: number,
  eps = 1e-5,
): LayernormRef & { sum: Float64Array } {
  const sum = a.map((v, i) => v + b[i]);
  return { sum, ...layernormForwardRef(sum, gamma, beta, rows, cols, eps) };
}

export function layernormBackwardRef(
  dy: Float64Array,
  x: Float64Array,
  gamma: Float64Array,
  mean: Float64Array,
  rstd: Float64Array,
  rows: number,
  cols: number,
): { dx: Float64Array; dgamma: Float64Array; dbeta: Float64Array } {
  const dx = new Float64Array(rows * cols);
  const dgamma = new Float64Array(cols);
  const dbeta = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    let sumG = 0;
    let sumGX = 0;
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      const xhat = (x[i] - mean[r]) * rstd[r];
      const g = dy[i] * gamma[c];
      sumG += g;
      sumGX += g * xhat;
      dgamma[c] += dy[i] * xhat;
      dbeta[c] += dy[i];
    }
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      const xhat = (x[i] - mean[r]) * rstd[r];
      dx[i] = rstd[r] * (dy[i] * gamma[c] - sumG / cols - (xhat * sumGX) / cols);
    }
  }
  return { dx, dgamma, dbeta };
}
