/**
 * Chart data marks a staged run's stage boundaries (where its `stage` column changes), only for runs
 * the chart draws, and nothing for runs without stages.
 */
import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../state/runs-store.js';
import { buildChartData } from './chart-data.js';

const run = (id: string, metrics: Record<string, number>[]): RunRecord => ({
  id,
  name: id,
  createdAt: 0,
  config: {},
  kernelVariants: {},
  source: 'saved',
  metrics: metrics as RunRecord['metrics'],
  samples: [],
});

describe('stage boundaries on charts', () => {
  it('marks the first step of each later stage, for the runs the chart draws', () => {
    const staged = run('a', [
      { step: 0, stage: 0, loss: 1 },
      { step: 1, stage: 0, loss: 0.9 },
      { step: 2, stage: 1, loss: 0.8, reward: 0.1 },
      { step: 3, stage: 2, loss: 0.7, reward: 0.2 },
    ]);
    const plain = run('b', [
      { step: 0, loss: 1 },
      { step: 1, loss: 0.5 },
    ]);
    const loss = buildChartData({ title: 'loss', metrics: ['loss'] }, [staged, plain], 0);
    expect(loss.stageStarts).toEqual([
      { key: 'stage:a:1', step: 2, stage: 1, runIndex: 0 },
      { key: 'stage:a:2', step: 3, stage: 2, runIndex: 0 },
    ]);
    // a chart that draws nothing of the staged run marks none of its stages
    expect(buildChartData({ title: 'kl', metrics: ['kl'] }, [staged], 0).stageStarts).toEqual([]);
    expect(buildChartData({ title: 'loss', metrics: ['loss'] }, [plain], 0).stageStarts).toEqual([]);
  });
});
