/**
 * Oracle comparisons: |actual - expected| <= atol + rtol*|expected| elementwise, failing with the first
 * few mismatches printed (index, actual, expected) so a broken kernel says where it broke.
 */

export interface Tolerance {
  atol: number;
  rtol: number;
}

export interface CloseReport {
  ok: boolean;
  maxAbsErr: number;
  mismatches: number;
  message: string;
}

export function compareClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: Tolerance,
  label = 'value',
): CloseReport {
  if (actual.length !== expected.length) {
    return {
      ok: false,
      maxAbsErr: Number.POSITIVE_INFINITY,
      mismatches: -1,
      message: `${label}: length ${actual.length} != expected ${expected.length}`,
    };
  }
  let maxAbsErr = 0;
  const bad: string[] = [];
  let mismatches = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = expected[i];
    const err = Math.abs(a - e);
    if (Number.isFinite(err)) maxAbsErr = Math.max(maxAbsErr, err);
    const ok = (Number.isNaN(e) && Number.isNaN(a)) || a === e || err <= tol.atol + tol.rtol * Math.abs(e);
    if (!ok) {
      mismatches++;
      if (bad.length < 8) bad.push(`[${i}] got ${a} want ${e} (|diff| ${err.toExponential(2)})`);
    }
  }
  const message =
    mismatches === 0
      ? `${label}: ok (max abs err ${maxAbsErr.toExponential(2)})`
      : `${label}: ${mismatches}/${actual.length} outside atol=${tol.atol} rtol=${tol.rtol}; max abs err ${maxAbsErr.toExponential(2)}; first: ${bad.join(', ')}`;
  return { ok: mismatches === 0, maxAbsErr, mismatches, message };
}

/** Throws (test failure) with the first mismatches when arrays are not close. */
export function expectClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: Tolerance,
  label = 'value',
): void {
  const r = compareClose(actual, expected, tol, label);
  if (!r.ok) throw new Error(r.message);
}
