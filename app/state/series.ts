/**
 * Turning stored metric rows into chart points: pick one metric, smooth it with a debiased EMA (as
 * TensorBoard does, so the first points are not dragged towards zero) and downsample long runs by
 * bucket means so a chart never draws more than a few hundred points. Pure functions.
 */
import type { StepMetrics } from '../../engine/train/session-types.js';

export interface SeriesPoint {
  step: number;
  value: number;
}

/** Longest series a chart draws; longer runs are averaged into this many buckets. */
export const MAX_CHART_POINTS = 200;

/** The finite values of `metric` in `rows`, in step order. */
export function metricSeries(rows: readonly StepMetrics[], metric: string): SeriesPoint[] {
  const out: SeriesPoint[] = [];
  for (const row of rows) {
    const value = row[metric];
    if (typeof value === 'number' && Number.isFinite(value)) out.push({ step: row.step, value });
  }
  return out;
}

/**
 * Debiased exponential moving average: s_t = w·s_{t-1} + (1-w)·x_t, divided by (1 - w^t).
 * `weight` 0 returns the input; 0.99 is very smooth.
 */
export function emaSmooth(points: readonly SeriesPoint[], weight: number): SeriesPoint[] {
  if (weight <= 0) return points.slice();
  const w = Math.min(weight, 0.999);
  let acc = 0;
  let debias = 1;
  return points.map((p) => {
    acc = w * acc + (1 - w) * p.value;
    debias *= w;
    return { step: p.step, value: acc / (1 - debias) };
  });
}

/**
 * Averages consecutive points into at most `maxPoints` buckets (step and value both averaged, the
 * last point kept exact so the chart ends where the run is).
 */
export function downsampleMean(points: readonly SeriesPoint[], maxPoints = MAX_CHART_POINTS): SeriesPoint[] {
  if (points.length <= maxPoints) return points.slice();
  const out: SeriesPoint[] = [];
  const buckets = maxPoints - 1;
  const body = points.length - 1;
  for (let b = 0; b < buckets; b++) {
    const from = Math.floor((b * body) / buckets);
    const to = Math.floor(((b + 1) * body) / buckets);
    let s = 0;
    let v = 0;
    for (let i = from; i < to; i++) {
      s += points[i].step;
      v += points[i].value;
    }
    const n = to - from;
    if (n > 0) out.push({ step: s / n, value: v / n });
  }
  out.push(points[points.length - 1]);
  return out;
}

/** What a chart line draws for one run: smoothed, then downsampled. */
export function chartSeries(
  rows: readonly StepMetrics[],
  metric: string,
  smoothing: number,
  maxPoints = MAX_CHART_POINTS,
): SeriesPoint[] {
  return downsampleMean(emaSmooth(metricSeries(rows, metric), smoothing), maxPoints);
}

/**
 * Merges several runs' series into recharts rows keyed by step: `{step, [key]: value}`. Steps that
 * only some runs have leave the others undefined (recharts bridges them with connectNulls).
 */
export function mergeByStep(series: Record<string, readonly SeriesPoint[]>): Record<string, number>[] {
  const byStep = new Map<number, Record<string, number>>();
  for (const [key, points] of Object.entries(series)) {
    for (const p of points) {
      let row = byStep.get(p.step);
      if (!row) {
        row = { step: p.step };
        byStep.set(p.step, row);
      }
      row[key] = p.value;
    }
  }
  return [...byStep.values()].sort((a, b) => a.step - b.step);
}
