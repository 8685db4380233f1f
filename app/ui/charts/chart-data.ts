/**
 * Builds one chart's recharts rows from the visible runs: each (run, metric) becomes a column
 * `run:<id>:<metric>`, the reward band a `[low, high]` column `band:<id>`. Smoothing and downsampling
 * follow the lab's settings (state/series.ts).
 */

import type { RunRecord } from '../../state/runs-store.js';
import { chartSeries, mergeByStep, type SeriesPoint } from '../../state/series.js';
import type { ChartSpec } from './glossary.js';

export interface ChartLine {
  key: string;
  runId: string;
  runName: string;
  metric: string;
  runIndex: number;
  metricIndex: number;
}

export interface ChartData {
  rows: Record<string, number | [number, number]>[];
  lines: ChartLine[];
  bands: { key: string; runIndex: number }[];
  /** With `startLines`: each (run, metric)'s first logged value, unsmoothed (where the run started). */
  starts: { key: string; metric: string; value: number; runIndex: number; metricIndex: number }[];
  /** A staged run's stage boundaries: the first step of each stage after the first (its `stage` column). */
  stageStarts: { key: string; step: number; stage: number; runIndex: number }[];
  pointCount: number;
  /** Smallest and largest value drawn (lines only); null without points. */
  range: [number, number] | null;
}

/**
 * The y-domain for a chart without a fixed one: recharts' automatic one, except for a flat series (a
 * constant learning rate, say), which it would give one repeated tick; that is padded by 10%.
 */
export function autoDomain(range: [number, number] | null): [number, number] | ['auto', 'auto'] {
  if (!range) return ['auto', 'auto'];
  const [lo, hi] = range;
  const scale = Math.max(Math.abs(lo), Math.abs(hi));
  if (hi - lo > 1e-6 * scale) return ['auto', 'auto'];
  const pad = scale > 0 ? 0.1 * scale : 1;
  return [lo - pad, hi + pad];
}

export function lineKey(runId: string, metric: string): string {
  return `run:${runId}:${metric}`;
}

export function buildChartData(spec: ChartSpec, runs: readonly RunRecord[], smoothing: number): ChartData {
  const series: Record<string, SeriesPoint[]> = {};
  const lines: ChartLine[] = [];
  const bands: ChartData['bands'] = [];
  const starts: ChartData['starts'] = [];
  const stageStarts: ChartData['stageStarts'] = [];
  const bandValues = new Map<string, Map<number, [number, number]>>();
  let pointCount = 0;
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  runs.forEach((run, runIndex) => {
    spec.metrics.forEach((metric, metricIndex) => {
      const points = chartSeries(run.metrics, metric, smoothing);
      if (points.length === 0) return;
      pointCount += points.length;
      for (const p of points) {
        lo = Math.min(lo, p.value);
        hi = Math.max(hi, p.value);
      }
      const key = lineKey(run.id, metric);
      series[key] = points;
      lines.push({ key, runId: run.id, runName: run.name, metric, runIndex, metricIndex });
      if (spec.startLines) {
        const first = run.metrics.find((m) => typeof (m as Record<string, unknown>)[metric] === 'number');
        if (first)
          starts.push({
            key: `start:${key}`,
            metric,
            value: (first as Record<string, number>)[metric],
            runIndex,
            metricIndex,
          });
      }
    });
    if (lines.some((l) => l.runId === run.id)) stageStarts.push(...stageBoundaries(run, runIndex));
    if (spec.band) {
      const centre = series[lineKey(run.id, spec.metrics[0])];
      const spread = new Map(chartSeries(run.metrics, spec.band, smoothing).map((p) => [p.step, p.value]));
      if (centre && spread.size > 0) {
        const key = `band:${run.id}`;
        const values = new Map<number, [number, number]>();
        for (const p of centre) {
          const s = spread.get(p.step);
          if (s !== undefined) values.set(p.step, [p.value - s, p.value + s]);
        }
        if (values.size > 0) {
          bandValues.set(key, values);
          bands.push({ key, runIndex });
        }
      }
    }
  });
  const rows: ChartData['rows'] = mergeByStep(series);
  for (const [key, values] of bandValues) {
    for (const row of rows) {
      const v = values.get(row.step as number);
      if (v) row[key] = v;
    }
  }
  return { rows, lines, bands, starts, stageStarts, pointCount, range: pointCount > 0 ? [lo, hi] : null };
}

/** Where `run`'s `stage` column changes: the step (and index) of each later stage's first row. */
function stageBoundaries(run: RunRecord, runIndex: number): ChartData['stageStarts'] {
  const out: ChartData['stageStarts'] = [];
  let last: number | undefined;
  for (const m of run.metrics) {
    const stage = (m as Record<string, unknown>).stage;
    if (typeof stage !== 'number') continue;
    if (last !== undefined && stage !== last)
      out.push({ key: `stage:${run.id}:${stage}`, step: m.step, stage, runIndex });
    last = stage;
  }
  return out;
}
