/**
 * Float64 references for reduce.ts: plain loops, the oracle the GPU folds are compared against.
 * Same argument order as the wrappers, with shapes as numbers and data as Float64Array.
 */

export function reduceSumRef(x: Float64Array): number {
  let s = 0;
  for (const v of x) s += v;
  return s;
}

export function reduceMeanRef(x: Float64Array): number {
  return reduceSumRef(x) / x.length;
}

/** x[N,C] -> [C]; with `into` given (and accumulate) the sums are added to a copy of it. */
export function columnSumsRef(
  x: Float64Array,
  rows: number,
  cols: number,
  into?: Float64Array,
): Float64Array {
  const out = into ? Float64Array.from(into) : new Float64Array(cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c] += x[r * cols + c];
  return out;
}

export function globalNormRef(tensors: readonly Float64Array[]): number {
  let s = 0;
  for (const t of tensors) for (const v of t) s += v * v;
  return Math.sqrt(s);
}

export function allFiniteRef(tensors: readonly Float64Array[]): number {
  return tensors.every((t) => t.every((v) => Number.isFinite(v))) ? 1 : 0;
}
