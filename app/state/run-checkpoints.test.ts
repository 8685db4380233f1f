import { describe, expect, it } from 'vitest';
import { planCheckpoint } from './run-checkpoints.js';

const MB = 1024 ** 2;
const kept = (runId: string, mb: number, savedAt: number) => ({ runId, bytes: mb * MB, savedAt });

describe('the checkpoint budget', () => {
  const budget = { runs: 3, bytes: 100 * MB };

  it("replaces the run's own checkpoint and keeps the newest others up to the run count", () => {
    const now = [kept('a', 10, 1), kept('b', 10, 2), kept('c', 10, 3)];
    expect(planCheckpoint(now, { runId: 'c', bytes: 10 * MB }, budget)).toEqual({ ok: true, evict: [] });
    // a fourth run: the oldest saved (a) makes room
    expect(planCheckpoint(now, { runId: 'd', bytes: 10 * MB }, budget)).toEqual({ ok: true, evict: ['a'] });
  });

  it('drops the oldest until the bytes fit, and refuses one checkpoint larger than the whole budget', () => {
    const now = [kept('a', 40, 1), kept('b', 40, 2)];
    expect(planCheckpoint(now, { runId: 'c', bytes: 50 * MB }, budget)).toEqual({ ok: true, evict: ['a'] });
    const big = planCheckpoint(now, { runId: 'c', bytes: 101 * MB }, budget);
    expect(big.ok).toBe(false);
    expect(!big.ok && big.reason).toMatch(/more than the 100(\.0)? MiB/);
  });
});
