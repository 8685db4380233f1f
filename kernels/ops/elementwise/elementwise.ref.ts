/**
 * Float64 references for elementwise.ts, same argument order as the wrappers. In-place GPU ops
 * return a new array here instead of mutating, so a test can keep its inputs.
 */

function zip(a: Float64Array, b: Float64Array, f: (x: number, y: number) => number): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = f(a[i], b[i]);
  return out;
}

export function addRef(a: Float64Array, b: Float64Array): Float64Array {
  return zip(a, b, (x, y) => x + y);
}

export function mulRef(a: Float64Array, b: Float64Array): Float64Array {
  return zip(a, b, (x, y) => x * y);
}

export function mixRef(a: Float64Array, b: Float64Array, alpha: number): Float64Array {
  return zip(a, b, (x, y) => (1 - alpha) * x + alpha * y);
}

export function mulBackwardRef(
  dy: Float64Array,
  a: Float64Array,
  b: Float64Array,
): { da: Float64Array; db: Float64Array } {
  return { da: mulRef(dy, b), db: mulRef(dy, a) };
}

export function scaleRef(x: Float64Array, alpha: number): Float64Array {
  return x.map((v) => alpha * v);
}

export function addScaledRef(y: Float64Array, x: Float64Array, alpha: number): Float64Array {
  return zip(y, x, (u, v) => u + alpha * v);
}

export function scaleInPlaceByRef(x: Float64Array, factor: number): Float64Array {
  return x.map((v) => v * factor);
}
