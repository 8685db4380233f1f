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
  pointCount: number;
}

export function lineKey(runId: string, metric: string): string {
  return `run:${runId}:${metric}`;
}

export function buildChartData(spec: ChartSpec, runs: readonly RunRecord[], smoothing: number): ChartData {
  const series: Record<string, SeriesPoint[]> = {};
  const lines: ChartLine[] = [];
  const bands: ChartData['bands'] = [];
  const bandValues = new Map<string, Map<number, [number, number]>>();
  let pointCount = 0;
  runs.forEach((run, runIndex) => {
    spec.metrics.forEach((metric, metricIndex) => {
      const points = chartSeries(run.metrics, metric, smoothing);
      if (points.length === 0) return;
      pointCount += points.length;
      const key = lineKey(run.id, metric);
      series[key] = points;
      lines.push({ key, runId: run.id, runName: run.name, metric, runIndex, metricIndex });
    });
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
  return { rows, lines, bands, pointCount };
}
