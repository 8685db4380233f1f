/**
 * The run's seeded randomness: one generator per run, split by purpose (tasks, sampling, init) so a
 * run replays exactly and a new consumer never shifts the draws of another. xoshiro128** seeded
 * through splitmix32; `split(purpose)` depends only on the generator's key, never on how much it drew.
 */

/** A seeded stream of uniform numbers. */
export interface Rng {
  /** The 32-bit key this stream was made from (seed or derived from its parent and a purpose). */
  readonly key: number;
  /** Uniform in [0, 1), 32 bits of resolution. */
  next(): number;
  /** Uniform unsigned 32-bit integer. */
  nextU32(): number;
  /** Uniform integer in [lo, hi] (both inclusive). */
  int(lo: number, hi: number): number;
  /** One element of a non-empty array, uniformly. */
  pick<T>(items: readonly T[]): T;
  /** An independent stream for `purpose`; the same key and purpose always give the same stream. */
  split(purpose: string): Rng;
}

/** FNV-1a over UTF-16 code units, then a murmur3 finaliser: a stable 32-bit hash of a string. */
export function hashString(text: string, seed = 0): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return mix32(h);
}

/** murmur3's fmix32: spreads every input bit over the output. */
export function mix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) >>> 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

const rotl = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;

/** A generator for `seed` (any finite number; it is reduced to 32 bits). */
export function createRng(seed: number): Rng {
  if (!Number.isFinite(seed)) throw new Error(`createRng: seed must be a finite number (got ${seed})`);
  return fromKey(Math.trunc(seed) >>> 0);
}

/** The xoshiro128** step over a 4-word state (mutated in place); returns the next 32-bit output. */
export function xoshiro128StarStar(s: Uint32Array): () => number {
  return () => {
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  };
}

function fromKey(key: number): Rng {
  const init = { s: key };
  const s = Uint32Array.of(splitmix32(init), splitmix32(init), splitmix32(init), splitmix32(init));
  if ((s[0] | s[1] | s[2] | s[3]) === 0) s[0] = 1;
  const nextU32 = xoshiro128StarStar(s);
  const next = () => nextU32() / 4294967296;
  return {
    key,
    next,
    nextU32,
    int(lo, hi) {
      if (!Number.isInteger(lo) || !Number.isInteger(hi) || hi < lo) {
        throw new Error(`rng.int: need integers lo <= hi (got ${lo}, ${hi})`);
      }
      return lo + Math.floor(next() * (hi - lo + 1));
    },
    pick(items) {
      if (items.length === 0) throw new Error('rng.pick: empty array');
      return items[Math.floor(next() * items.length)];
    },
    split(purpose) {
      return fromKey(hashString(purpose, key));
    },
  };
}
