/**
 * A tiny, safe arithmetic parser for the countdown task: integers, + - * /, parentheses and spaces,
 * evaluated exactly over BigInt rationals (never `eval`). It reports which literal numbers were used
 * so the reward can check each given number is used at most once. No unary minus, as in Countdown.
 */

export interface Rational {
  num: bigint;
  den: bigint;
}

export type ParseResult = { ok: true; value: Rational; numbers: number[] } | { ok: false; error: string };

const MAX_LENGTH = 256;
const MAX_DEPTH = 32;

function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b < 0n ? -b : b;
  while (y) [x, y] = [y, x % y];
  return x;
}

function make(num: bigint, den: bigint): Rational {
  if (den === 0n) throw new RangeError('division by zero');
  const sign = den < 0n ? -1n : 1n;
  const g = gcd(num, den) || 1n;
  return { num: (sign * num) / g, den: (sign * den) / g };
}

function apply(op: string, a: Rational, b: Rational): Rational {
  switch (op) {
    case '+':
      return make(a.num * b.den + b.num * a.den, a.den * b.den);
    case '-':
      return make(a.num * b.den - b.num * a.den, a.den * b.den);
    case '*':
      return make(a.num * b.num, a.den * b.den);
    case '/':
      return make(a.num * b.den, a.den * b.num);
    default:
      throw new Error(`unknown operator ${op}`);
  }
}

/**
 * Parses and evaluates `text`. Examples: "3*4-2" -> 10 using [3,4,2]; "(1+2)/4" -> 3/4;
 * "2/(1-1)" -> error "division by zero"; "2**3" -> error.
 */
export function evaluateExpression(text: string): ParseResult {
  if (text.length > MAX_LENGTH) return { ok: false, error: `longer than ${MAX_LENGTH} characters` };
  const src = text.replace(/\s+/g, '');
  if (src.length === 0) return { ok: false, error: 'empty expression' };
  let pos = 0;
  const numbers: number[] = [];
  const fail = (msg: string): never => {
    throw new SyntaxError(`${msg} at position ${pos}`);
  };
  const expr = (depth: number): Rational => {
    let left = term(depth);
    while (src[pos] === '+' || src[pos] === '-') {
      const op = src[pos++];
      left = apply(op, left, term(depth));
    }
    return left;
  };
  const term = (depth: number): Rational => {
    let left = factor(depth);
    while (src[pos] === '*' || src[pos] === '/') {
      const op = src[pos++];
      left = apply(op, left, factor(depth));
    }
    return left;
  };
  const factor = (depth: number): Rational => {
    if (depth > MAX_DEPTH) fail('nested too deeply');
    if (src[pos] === '(') {
      pos++;
      const v = expr(depth + 1);
      if (src[pos] !== ')') fail("expected ')'");
      pos++;
      return v;
    }
    const start = pos;
    while (pos < src.length && src[pos] >= '0' && src[pos] <= '9') pos++;
    if (pos === start) fail(pos < src.length ? `unexpected '${src[pos]}'` : 'unexpected end');
    const digits = src.slice(start, pos);
    numbers.push(Number(digits));
    return { num: BigInt(digits), den: 1n };
  };
  try {
    const value = expr(0);
    if (pos !== src.length) fail(`unexpected '${src[pos]}'`);
    return { ok: true, value, numbers };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
}

/** Whether `used` takes each number at most as often as `given` holds it (a sub-multiset). */
export function usesAtMostOnce(used: readonly number[], given: readonly number[]): boolean {
  const counts = new Map<number, number>();
  for (const n of given) counts.set(n, (counts.get(n) ?? 0) + 1);
  for (const n of used) {
    const left = counts.get(n) ?? 0;
    if (left === 0) return false;
    counts.set(n, left - 1);
  }
  return true;
}
