/**
 * The live charts: every visible run's metrics, redrawn at most ten times a second, with the EMA
 * smoothing slider. The set follows the algorithm of the run in view and the options it turns on
 * (chart-sets.ts); "More charts"
 * adds a chart for any other metric the runs log. Presenter mode shows fewer, taller, high-contrast charts.
 */
import { useMemo, useState } from 'react';
import { ALGORITHMS, type Algorithm } from '../../../engine/config/schema.js';
import { useConfigStore } from '../../state/config-store.js';
import { type RunRecord, useRunsStore } from '../../state/runs-store.js';
import { useUiStore } from '../../state/ui-store.js';
import { useThrottledStore } from '../hooks/useThrottled.js';
import {
  chartForMetric,
  defaultCharts,
  moreChartChoices,
  optionCharts,
  presenterCharts,
  withEvalTasks,
} from './chart-sets.js';
import { MetricChart } from './MetricChart.js';

const known = (a: unknown): a is Algorithm =>
  typeof a === 'string' && (ALGORITHMS as readonly string[]).includes(a);

/**
 * The algorithm whose charts a run's frozen config gets, when it names one TabRL knows: a staged
 * run's first stage that samples (an SFT stage before an RL one still shows the RL charts).
 */
function algorithmOf(config: unknown): Algorithm | null {
  const c = config as { algorithm?: unknown; stages?: { algorithm?: unknown }[] | null } | null;
  const staged = (c?.stages ?? []).map((s) => s.algorithm).filter(known);
  const a = staged.find((x) => x !== 'sft') ?? c?.algorithm;
  return known(a) ? a : null;
}

/** The eval_tasks labels of a frozen config (none when it has no eval_tasks). */
function evalLabelsOf(config: unknown): string[] {
  const tasks = (config as { eval_tasks?: { label?: unknown }[] } | null)?.eval_tasks ?? [];
  return tasks.map((t) => t.label).filter((l): l is string => typeof l === 'string');
}

export function ChartGrid() {
  const runs = useThrottledStore(useRunsStore, (s) => s.runs, 250);
  const visible = useRunsStore((s) => s.visible);
  const activeRunId = useRunsStore((s) => s.activeRunId);
  const draft = useConfigStore((s) => s.lastValid);
  const smoothing = useUiStore((s) => s.smoothing);
  const setSmoothing = useUiStore((s) => s.setSmoothing);
  const presenter = useUiStore((s) => s.presenter);
  const extra = useUiStore((s) => s.extraCharts);
  const addChart = useUiStore((s) => s.addChart);
  const removeChart = useUiStore((s) => s.removeChart);
  const [choice, setChoice] = useState('');
  const shown = useMemo(
    () => visible.map((id) => runs[id]).filter((r): r is RunRecord => !!r),
    [runs, visible],
  );
  // the run in the controls decides the set; with none on the charts, the config being edited
  const inView = (activeRunId && runs[activeRunId]) || shown[0];
  const algorithm = (inView && algorithmOf(inView.config)) || algorithmOf(draft) || draft.algorithm;
  const runConfig = inView ? inView.config : draft;
  const labels = evalLabelsOf(runConfig);
  const base = withEvalTasks(
    presenter ? presenterCharts(algorithm) : [...defaultCharts(algorithm), ...optionCharts(runConfig)],
    labels,
  );
  const added = extra.map(chartForMetric).filter((c) => !base.some((b) => b.title === c.title));
  const choices = useMemo(
    () =>
      moreChartChoices(
        shown.flatMap((r) => r.metrics as unknown as Record<string, unknown>[]),
        [...base, ...added],
      ),
    [shown, base, added],
  );
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
        <form
          className="more-charts"
          onSubmit={(e) => {
            e.preventDefault();
            if (choice) addChart(choice);
            setChoice('');
          }}
        >
          <label>
            More charts{' '}
            <select
              value={choice}
              onChange={(e) => setChoice(e.target.value)}
              disabled={choices.length === 0}
            >
              <option value="">{choices.length === 0 ? 'all drawn' : `${choices.length} more`}</option>
              {choices.map((m) => (
                <option key={m} value={m}>
                  {m}
                </option>
              ))}
            </select>
          </label>
          <button type="submit" disabled={!choice}>
            Add chart
          </button>
        </form>
      </div>
      {shown.length === 0 && (
        <p className="note">No run on the charts yet: press Start, or tick a saved run in the run list.</p>
      )}
      <div className="chart-grid" data-algorithm={algorithm}>
        {[...base, ...added].map((spec) => (
          <MetricChart
            key={spec.title}
            spec={spec}
            runs={shown}
            smoothing={smoothing}
            highContrast={presenter}
            height={presenter ? 165 : 170}
            onRemove={added.includes(spec) ? () => removeChart(spec.metrics[0]) : undefined}
          />
        ))}
      </div>
    </section>
  );
}
