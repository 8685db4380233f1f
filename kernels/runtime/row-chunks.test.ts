/**
 * Row-chunk plans: as few chunks as the limit allows, balanced, whole 4-row groups but the last, each
 * within the limit; worked examples by hand (Qwen2.5-0.5B's embedding under WebGPU's default limit).
 */
import { describe, expect, it } from 'vitest';
import { chunkRowStarts, planRowChunks } from './row-chunks.js';

describe('planRowChunks', () => {
  it('keeps a tensor that fits whole', () => {
    expect(planRowChunks(32, 128, 4096)).toEqual([32]);
    expect(planRowChunks(32, 128, 1 << 30)).toEqual([32]);
  });

  it('splits Qwen2.5-0.5B embed_tokens [151936,896] f32 under 128 MiB into 5 chunks', () => {
    // 134217728 / 3584 = 37449 rows at most = 9362 groups of 4; 37984 groups in ceil(37984 / 9362) = 5
    // chunks: 7597, 7597, 7597, 7597, 7596 groups = 30388 rows each, the last 30384
    const plan = planRowChunks(151936, 896 * 4, 128 * 2 ** 20);
    expect(plan).toEqual([30388, 30388, 30388, 30388, 30384]);
    for (const rows of plan) expect(rows * 896 * 4).toBeLessThanOrEqual(128 * 2 ** 20);
    expect(chunkRowStarts(plan)).toEqual([0, 30388, 60776, 91164, 121552, 151936]);
  });

  it('gives uneven micro chunks and refuses a row above the limit', () => {
    expect(planRowChunks(32, 128, 1536)).toEqual([12, 12, 8]); // 12 rows of 128 B = 1536 B
    // 15 rows at most -> 3 groups of 4; 10 groups (the last partial) in 4 chunks: 3, 3, 2, 2
    expect(planRowChunks(37, 64, 1000)).toEqual([12, 12, 8, 5]);
    expect(planRowChunks(5, 64, 130)).toEqual([2, 2, 1]); // under 4 rows per chunk: no alignment
    expect(() => planRowChunks(4, 256, 200)).toThrow(/one row of 256 bytes/);
  });
});
