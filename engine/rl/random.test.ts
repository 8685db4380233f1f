import { describe, expect, it } from 'vitest';
import { createRng, hashString, xoshiro128StarStar } from './random';

describe('createRng', () => {
  it('replays the same stream for the same seed and differs for another seed', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const xa = Array.from({ length: 8 }, () => a.nextU32());
    const xb = Array.from({ length: 8 }, () => b.nextU32());
    const xc = Array.from({ length: 8 }, () => c.nextU32());
    expect(xb).toEqual(xa);
    expect(xc).not.toEqual(xa);
  });

  it('split depends on key and purpose only, not on draws already made', () => {
    const a = createRng(7);
    const fresh = a.split('tasks').nextU32();
    for (let i = 0; i < 100; i++) a.next();
    expect(a.split('tasks').nextU32()).toBe(fresh);
    expect(a.split('sampling').nextU32()).not.toBe(fresh);
    expect(createRng(8).split('tasks').nextU32()).not.toBe(fresh);
  });

  it('is roughly uniform: 20000 draws into 10 bins stay within 5% of 2000 each', () => {
    const r = createRng(1);
    const bins = new Array(10).fill(0);
    for (let i = 0; i < 20000; i++) bins[Math.floor(r.next() * 10)]++;
    for (const count of bins) expect(Math.abs(count - 2000)).toBeLessThan(100);
  });

  it('int covers both ends of an inclusive range and nothing outside', () => {
    const r = createRng(3);
    const seen = new Set<number>();
    for (let i = 0; i < 500; i++) seen.add(r.int(-2, 2));
    expect([...seen].sort()).toEqual([-1, -2, 0, 1, 2].sort());
    expect(() => r.int(3, 2)).toThrow(/lo <= hi/);
  });

  it('xoshiro128** matches the reference outputs for state [1, 2, 3, 4]', () => {
    // Blackman & Vigna's xoshiro128starstar.c seeded with s = {1, 2, 3, 4}
    const next = xoshiro128StarStar(Uint32Array.of(1, 2, 3, 4));
    expect([next(), next(), next(), next(), next(), next()]).toEqual([
      11520, 0, 5927040, 70819200, 2031721883, 1637235492,
    ]);
  });

  it('pinned values: seeds, splits and prompt hashes must never change (share links replay on them)', () => {
    expect(hashString('abc')).toBe(482950588);
    expect(createRng(42).nextU32()).toBe(2837322924);
    expect(createRng(42).split('tasks').nextU32()).toBe(1399203039);
  });

  it('hashString is sensitive to the seed', () => {
    expect(hashString('abc', 1)).not.toBe(hashString('abc'));
    expect(hashString('abc')).toBe(hashString('abc', 0));
  });
});
