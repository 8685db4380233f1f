import { describe, expect, it } from 'vitest';
import type { StepMetrics } from '../../engine/train/session-types.js';
import {
  chartSeries,
  downsampleMean,
  emaSmooth,
  mergeByStep,
  metricSeries,
  type SeriesPoint,
} from './series.js';

const pts = (values: number[]): SeriesPoint[] => values.map((value, i) => ({ step: i + 1, value }));

describe('metric series for charts', () => {
  it('picks finite values of one metric in step order, skipping rows without it', () => {
    const rows: StepMetrics[] = [
      { step: 1, reward: 0.5 },
      { step: 2, kl: 0.1 },
      { step: 3, reward: Number.NaN },
      { step: 4, reward: 1 },
    ];
    expect(metricSeries(rows, 'reward')).toEqual([
      { step: 1, value: 0.5 },
      { step: 4, value: 1 },
    ]);
  });

  it('debiased EMA: first point exact, hand-computed second and third', () => {
    const s = emaSmooth(pts([1, 3, 5]), 0.5);
    expect(s[0].value).toBeCloseTo(1, 12);
    // acc = 0.25 + 1.5 = 1.75 -> /(1-0.25) = 2.3333; acc3 = 0.875 + 2.5 = 3.375 -> /(0.875) = 3.857142
    expect(s[1].value).toBeCloseTo(7 / 3, 12);
    expect(s[2].value).toBeCloseTo(3.375 / 0.875, 12);
    expect(emaSmooth(pts([4, 4, 4, 4]), 0.9).every((p) => Math.abs(p.value - 4) < 1e-12)).toBe(true);
    expect(emaSmooth(pts([1, 2]), 0)).toEqual(pts([1, 2]));
  });

  it('bucket-mean downsampling keeps at most maxPoints, the mean, and the last point exact', () => {
    const long = pts(Array.from({ length: 2003 }, (_, i) => (i % 2 === 0 ? 0 : 2)));
    const d = downsampleMean(long, 500);
    expect(d.length).toBeLessThanOrEqual(500);
    expect(d.length).toBeGreaterThan(450);
    expect(d[d.length - 1]).toEqual(long[long.length - 1]);
    const mean = d.slice(0, -1).reduce((a, p) => a + p.value, 0) / (d.length - 1);
    expect(mean).toBeCloseTo(1, 1);
    for (let i = 1; i < d.length; i++) expect(d[i].step).toBeGreaterThan(d[i - 1].step);
    expect(downsampleMean(pts([1, 2, 3]), 500)).toEqual(pts([1, 2, 3]));
  });

  it('chartSeries and mergeByStep line up runs by step', () => {
    const a = chartSeries(
      [
        { step: 1, reward: 1 },
        { step: 2, reward: 2 },
      ],
      'reward',
      0,
    );
    const merged = mergeByStep({ a, b: [{ step: 2, value: 9 }] });
    expect(merged).toEqual([
      { step: 1, a: 1 },
      { step: 2, a: 2, b: 9 },
    ]);
  });
});
