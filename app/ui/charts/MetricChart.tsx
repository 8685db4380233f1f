/**
 * One live chart: a region named after its metric, a title that explains the metric on hover and
 * focus, one line per visible run (and per metric, dashed, when several share the chart), the reward's
 * ± std band, and an empty-state message until there are points.
 */
import { memo, useId, useMemo } from 'react';
import {
  Area,
  CartesianGrid,
  ComposedChart,
  Line,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { RunRecord } from '../../state/runs-store.js';
import { autoDomain, buildChartData } from './chart-data.js';
import { type ChartSpec, explainChart } from './glossary.js';
import { METRIC_DASHES, runColour } from './palette.js';

interface Props {
  spec: ChartSpec;
  runs: readonly RunRecord[];
  smoothing: number;
  highContrast: boolean;
  height: number;
  /** A chart added with "More charts" can be taken away again. */
  onRemove?: () => void;
}

const formatTick = (v: number) =>
  Math.abs(v) >= 1000
    ? `${(v / 1000).toFixed(1)}k`
    : Math.abs(v) < 0.01 && v !== 0
      ? v.toExponential(0)
      : String(+v.toFixed(3));

export const MetricChart = memo(function MetricChart({
  spec,
  runs,
  smoothing,
  highContrast,
  height,
  onRemove,
}: Props) {
  const tipId = useId();
  const data = useMemo(() => buildChartData(spec, runs, smoothing), [spec, runs, smoothing]);
  const multiMetric = spec.metrics.length > 1;
  return (
    <section className="chart card" aria-label={spec.title} data-points={data.pointCount}>
      <h3 className="chart-title">
        <button type="button" className="term" aria-describedby={tipId}>
          {spec.title}
        </button>
        <span role="tooltip" id={tipId} className="tip">
          {explainChart(spec)}
        </span>
        {onRemove && (
          <button
            type="button"
            className="chart-remove"
            onClick={onRemove}
            aria-label={`Remove chart ${spec.title}`}
          >
            ×
          </button>
        )}
      </h3>
      {multiMetric && (
        <p className="chart-key">
          {spec.metrics.map((m, i) => (
            <span key={m} className="chart-key-item">
              <svg width="22" height="8" aria-hidden="true">
                <line
                  x1="0"
                  y1="4"
                  x2="22"
                  y2="4"
                  stroke="currentColor"
                  strokeWidth="2"
                  strokeDasharray={METRIC_DASHES[i]}
                />
              </svg>
              {m.replace('clip_ratio/', '').replace('_mean', '').replace('eval/', '')}
            </span>
          ))}
          {spec.startLines && <span className="chart-key-item">dotted: at the start</span>}
        </p>
      )}
      {data.pointCount === 0 ? (
        <p className="chart-empty" style={{ height }}>
          {runs.some((r) => r.metrics.length > 0)
            ? `The runs shown log no ${spec.metrics.length > 1 ? spec.title : spec.metrics[0]} (their settings do not produce it, or not yet).`
            : 'No points yet. Press Start or Step, or open a saved run.'}
        </p>
      ) : (
        <div style={{ height }} className="chart-plot">
          <ResponsiveContainer width="100%" height="100%">
            <ComposedChart data={data.rows} margin={{ top: 6, right: 12, bottom: 2, left: 0 }}>
              <CartesianGrid stroke={highContrast ? '#999' : '#e4e8f0'} strokeDasharray="3 3" />
              <XAxis
                dataKey="step"
                type="number"
                domain={['dataMin', 'dataMax']}
                tickFormatter={(v: number) => String(Math.round(v))}
                stroke={highContrast ? '#000' : '#52607a'}
                allowDecimals={false}
              />
              <YAxis
                width={highContrast ? 72 : 64}
                domain={spec.domain ?? autoDomain(data.range)}
                tickFormatter={formatTick}
                stroke={highContrast ? '#000' : '#52607a'}
              />
              {data.bands.map((b) => (
                <Area
                  key={b.key}
                  dataKey={b.key}
                  stroke="none"
                  fill={runColour(b.runIndex, highContrast)}
                  fillOpacity={0.15}
                  isAnimationActive={false}
                  connectNulls
                  name="± std"
                />
              ))}
              {data.lines.map((l) => (
                <Line
                  key={l.key}
                  dataKey={l.key}
                  name={multiMetric ? `${l.runName} · ${l.metric}` : l.runName}
                  stroke={runColour(l.runIndex, highContrast)}
                  strokeWidth={highContrast ? 3 : 2}
                  strokeDasharray={METRIC_DASHES[l.metricIndex % METRIC_DASHES.length]}
                  dot={data.rows.length < 3}
                  isAnimationActive={false}
                  connectNulls
                />
              ))}
              {data.starts.map((s) => (
                <ReferenceLine
                  key={s.key}
                  y={s.value}
                  stroke={runColour(s.runIndex, highContrast)}
                  strokeOpacity={0.7}
                  strokeDasharray="1 3"
                  ifOverflow="extendDomain"
                  label={
                    s.runIndex === 0
                      ? {
                          value: `${s.metric.replace('eval/', '')} start`,
                          position: 'insideTopRight',
                          fontSize: 10,
                          fill: highContrast ? '#000' : '#52607a',
                        }
                      : undefined
                  }
                />
              ))}
              {data.stageStarts.map((b) => (
                <ReferenceLine
                  key={b.key}
                  x={b.step}
                  stroke={runColour(b.runIndex, highContrast)}
                  strokeOpacity={0.6}
                  strokeDasharray="4 3"
                  label={
                    b.runIndex === 0
                      ? {
                          value: `stage ${b.stage}`,
                          position: 'insideTopLeft',
                          fontSize: 10,
                          fill: highContrast ? '#000' : '#52607a',
                        }
                      : undefined
                  }
                />
              ))}
              <Tooltip
                formatter={(v) =>
                  Array.isArray(v) ? v.map((x) => Number(x).toFixed(3)).join(' – ') : Number(v).toFixed(4)
                }
                labelFormatter={(s) => `step ${Math.round(Number(s))}`}
              />
            </ComposedChart>
          </ResponsiveContainer>
        </div>
      )}
    </section>
  );
});
