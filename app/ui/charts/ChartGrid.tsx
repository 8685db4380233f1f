/**
 * The live charts: every visible run's metrics, redrawn at most ten times a second, with the EMA
 * smoothing slider. Presenter mode shows fewer, taller, high-contrast charts.
 */
import { useMemo } from 'react';
import { type RunRecord, useRunsStore } from '../../state/runs-store.js';
import { useUiStore } from '../../state/ui-store.js';
import { useThrottledStore } from '../hooks/useThrottled.js';
import { CHARTS, PRESENTER_CHARTS } from './glossary.js';
import { MetricChart } from './MetricChart.js';

export function ChartGrid() {
  const runs = useThrottledStore(useRunsStore, (s) => s.runs, 250);
  const visible = useRunsStore((s) => s.visible);
  const smoothing = useUiStore((s) => s.smoothing);
  const setSmoothing = useUiStore((s) => s.setSmoothing);
  const presenter = useUiStore((s) => s.presenter);
  const shown = useMemo(
    () => visible.map((id) => runs[id]).filter((r): r is RunRecord => !!r),
    [runs, visible],
  );
  const specs = presenter ? CHARTS.filter((c) => PRESENTER_CHARTS.includes(c.title)) : CHARTS;
  return (
    <section className="charts" aria-labelledby="charts-title">
      <div className="charts-head">
        <h2 id="charts-title">Charts</h2>
        <label className="smoothing">
          Smoothing (EMA) <output>{smoothing.toFixed(2)}</output>
          <input
            type="range"
            min={0}
            max={0.99}
            step={0.01}
            value={smoothing}
            onChange={(e) => setSmoothing(Number(e.target.value))}
          />
        </label>
      </div>
      {shown.length === 0 && (
        <p className="note">No run on the charts yet: press Start, or tick a saved run in the run list.</p>
      )}
      <div className="chart-grid">
        {specs.map((spec) => (
          <MetricChart
            key={spec.title}
            spec={spec}
            runs={shown}
            smoothing={smoothing}
            highContrast={presenter}
            height={presenter ? 165 : 170}
          />
        ))}
      </div>
    </section>
  );
}
