/**
 * One file of every arm's metrics: CSV with an `arm` column first (then step and the metrics, as a
 * run's CSV export), or JSON Lines with an `arm` field on each row. Pure functions.
 */
import type { StepMetrics } from '../../engine/train/session-types.js';
import { metricsToCsv } from '../state/run-file.js';

export interface ArmMetrics {
  label: string;
  metrics: readonly StepMetrics[];
}

const quote = (text: string) => (/[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);

export function experimentMetricsCsv(arms: readonly ArmMetrics[]): string {
  // one table over every arm's columns: run-file.ts's CSV of all rows, each line led by its arm
  const all = arms.flatMap((a) => a.metrics);
  const lines = metricsToCsv(all).split('\n');
  const out = [`arm,${lines[0]}`];
  let i = 1;
  for (const a of arms) for (const _ of a.metrics) out.push(`${quote(a.label)},${lines[i++]}`);
  return `${out.join('\n')}\n`;
}

export function experimentMetricsJsonl(arms: readonly ArmMetrics[]): string {
  const rows = arms.flatMap((a) =>
    a.metrics.map((row) =>
      JSON.stringify({ arm: a.label, ...row }, (_k, v) =>
        typeof v === 'number' && !Number.isFinite(v) ? null : v,
      ),
    ),
  );
  return rows.length > 0 ? `${rows.join('\n')}\n` : '';
}
