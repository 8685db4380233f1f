/**
 * The experiment in view, above the charts: its claim, its arms in the colours the charts draw them
 * in, progress while it runs (arm i of n, step, time left) with Cancel, then the verdict card (each
 * arm's value ± its bootstrap standard error, the expected order, the verdict and what it means), the
 * share link that opens the same experiment, and one export of every arm's metrics.
 */
import { useEffect, useRef, useState } from 'react';
import type { Verdict } from '../../../engine/experiments/verdict.js';
import { experimentMetricsCsv, experimentMetricsJsonl } from '../../experiments/export.js';
import { experimentShareUrl } from '../../share/experiment-link.js';
import { cancelExperiment, deleteExperiment } from '../../state/experiment-actions.js';
import { type ExperimentRecord, useExperimentsStore } from '../../state/experiments-store.js';
import { useRunsStore } from '../../state/runs-store.js';
import { useUiStore } from '../../state/ui-store.js';
import { send } from '../../worker/client.js';
import type { ExperimentProgress } from '../../worker/protocol.js';
import { runColour } from '../charts/palette.js';
import { copyText } from '../clipboard.js';
import { downloadFile, fileStem } from '../runs/downloads.js';

export const VERDICT_TEXT: Record<Verdict, string> = {
  reproduced:
    'The arms differ by more than two standard errors, in the direction the claim states: this run agrees with the claim.',
  not_reproduced:
    'The arms differ by more than two standard errors, against the direction the claim states: this run contradicts it.',
  inconclusive:
    'The difference is within two standard errors: this run cannot tell either way (more prompts, steps or seeds might).',
};

const fmtSeconds = (s: number) =>
  s < 90 ? `${Math.round(s)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;

/** "Arm 2 of 4 (grpo): training, step 1 of 2 · about 40 s left". */
export function progressText(p: ExperimentProgress): string {
  const what =
    p.phase === 'training'
      ? `training, step ${p.step} of ${p.steps}`
      : p.phase === 'starting'
        ? 'saving its starting weights'
        : 'evaluating on held-out prompts';
  const left = p.etaSeconds === null ? 'timing the first step' : `about ${fmtSeconds(p.etaSeconds)} left`;
  return `Arm ${p.armIndex + 1} of ${p.armTotal} (${p.label}): ${what} · ${left}`;
}

/** The share of the work done: arms finished, plus the running arm's share of its steps. */
function fraction(p: ExperimentProgress): number {
  const within =
    p.phase === 'training' && p.steps > 0 ? p.step / p.steps : p.phase === 'evaluating' ? 0.9 : 0;
  return Math.min(1, (p.armIndex + within) / Math.max(1, p.armTotal));
}

function ArmLegend({ record }: { record: ExperimentRecord }) {
  const visible = useRunsStore((s) => s.visible);
  const presenter = useUiStore((s) => s.presenter);
  if (record.arms.length === 0) return null;
  return (
    <ul className="arm-legend" aria-label="Arms on the charts">
      {record.arms.map((a) => {
        const i = visible.indexOf(a.runId);
        return (
          <li key={a.runId}>
            <span
              className="swatch"
              aria-hidden="true"
              style={{ background: i >= 0 ? runColour(i, presenter) : 'transparent' }}
            />
            {a.label}
            {i < 0 && <span className="note"> (not on the charts)</span>}
          </li>
        );
      })}
    </ul>
  );
}

export function VerdictCard({ record }: { record: ExperimentRecord }) {
  const result = record.result;
  if (!result) return null;
  const v = result.verdict;
  return (
    <section className={`verdict-card verdict-${v.verdict}`} aria-labelledby={`verdict-${record.id}`}>
      <h3 id={`verdict-${record.id}`}>
        Verdict: <span className="verdict-word">{v.verdict.replace('_', ' ')}</span>
      </h3>
      <p>{VERDICT_TEXT[v.verdict]}</p>
      <table className="verdict-table">
        <caption className="sr-only">Each arm's {v.metric} with its standard error</caption>
        <thead>
          <tr>
            <th scope="col">arm</th>
            <th scope="col">
              <code>{v.metric}</code> ± stderr
            </th>
            <th scope="col">error bar (± 2 stderr)</th>
            <th scope="col">steps</th>
            <th scope="col">seconds</th>
          </tr>
        </thead>
        <tbody>
          {result.rows.map((r) => (
            <tr key={r.label} data-arm={r.label}>
              <th scope="row">{r.label}</th>
              <td className="mono">
                {r.value.toFixed(4)} ± {r.stderr.toFixed(4)}
              </td>
              <td>
                <ErrorBar rows={result.rows} value={r.value} stderr={r.stderr} />
              </td>
              <td>{r.steps}</td>
              <td>{r.seconds.toFixed(1)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p>
        Expected <code>{v.expected}</code>; the verdict asks for a gap of more than two standard errors (of
        the difference) between the arms judged.{' '}
        {record.scale === 'quick' &&
          'Quick scale only checks the machinery on a micro model: its verdict says nothing about the claim. '}
        {record.spec.kind === 'vary' &&
          'The direction is the question asked of this change, not a claim of any paper. '}
        The measured full-scale results are in docs/EXPERIMENTS.md, "Measured results". Seed {v.seed}, adapter{' '}
        {v.adapter}
        {record.seconds !== undefined && `, ${fmtSeconds(record.seconds)} in all`}.
      </p>
    </section>
  );
}

/** value ± 2·stderr on a shared axis of every arm's bars, drawn in SVG with a text alternative. */
function ErrorBar({
  rows,
  value,
  stderr,
}: {
  rows: readonly { value: number; stderr: number }[];
  value: number;
  stderr: number;
}) {
  const lo = Math.min(...rows.map((r) => r.value - 2 * r.stderr));
  const hi = Math.max(...rows.map((r) => r.value + 2 * r.stderr));
  const span = hi - lo || 1;
  const x = (v: number) => 4 + ((v - lo) / span) * 112;
  return (
    <svg
      width="120"
      height="14"
      role="img"
      aria-label={`${(value - 2 * stderr).toFixed(3)} to ${(value + 2 * stderr).toFixed(3)}`}
    >
      <line x1={x(value - 2 * stderr)} x2={x(value + 2 * stderr)} y1="7" y2="7" stroke="currentColor" />
      <line x1={x(value - 2 * stderr)} x2={x(value - 2 * stderr)} y1="3" y2="11" stroke="currentColor" />
      <line x1={x(value + 2 * stderr)} x2={x(value + 2 * stderr)} y1="3" y2="11" stroke="currentColor" />
      <circle cx={x(value)} cy="7" r="3" fill="currentColor" />
    </svg>
  );
}

function ExperimentShare({ record }: { record: ExperimentRecord }) {
  const [url, setUrl] = useState('');
  const [message, setMessage] = useState('');
  const make = async () => {
    const link = experimentShareUrl(window.location.href, record.spec);
    setUrl(link);
    setMessage(
      (await copyText(link))
        ? 'Link copied: it opens this experiment (same settings and seed) in the gallery.'
        : 'The link is below (the clipboard was not available).',
    );
  };
  return (
    <div className="experiment-share">
      <button type="button" onClick={make}>
        Copy experiment link
      </button>
      <span className="note" role="status">
        {message}
      </span>
      {url && (
        <input
          className="mono experiment-link"
          readOnly
          value={url}
          aria-label="Experiment share link"
          onFocus={(e) => e.currentTarget.select()}
        />
      )}
    </div>
  );
}

export function ExperimentExports({ record }: { record: ExperimentRecord }) {
  const runs = useRunsStore((s) => s.runs);
  const arms = record.arms.map((a) => ({ label: a.label, metrics: runs[a.runId]?.metrics ?? [] }));
  const stem = fileStem(`experiment-${record.name}-${record.scale}-seed${record.seed}`);
  const empty = arms.every((a) => a.metrics.length === 0);
  return (
    <div className="run-exports">
      <button
        type="button"
        disabled={empty}
        onClick={() => downloadFile(`${stem}.metrics.csv`, experimentMetricsCsv(arms), 'text/csv')}
      >
        All arms' metrics (CSV)<span className="sr-only"> of experiment {record.name}</span>
      </button>
      <button
        type="button"
        disabled={empty}
        onClick={() =>
          downloadFile(`${stem}.metrics.jsonl`, experimentMetricsJsonl(arms), 'application/jsonl')
        }
      >
        JSONL<span className="sr-only"> of all arms' metrics of experiment {record.name}</span>
      </button>
      {record.result && (
        <button
          type="button"
          onClick={() =>
            downloadFile(
              `${stem}.verdict.json`,
              `${JSON.stringify(record.result?.verdict, null, 2)}\n`,
              'application/json',
            )
          }
        >
          verdict.json<span className="sr-only"> of experiment {record.name}</span>
        </button>
      )}
    </div>
  );
}

export function ExperimentPanel() {
  const record = useExperimentsStore((s) => (s.currentId ? s.records[s.currentId] : undefined));
  const progress = useExperimentsStore((s) => s.progress);
  const setCurrent = useExperimentsStore((s) => s.setCurrent);
  const heading = useRef<HTMLHeadingElement>(null);
  const shownId = record?.id;
  // a new experiment in view (Run in the gallery, Vary in the runs list, Show): bring the panel to the eye
  useEffect(() => {
    if (!shownId || !heading.current) return;
    heading.current.scrollIntoView?.({ block: 'start', behavior: 'smooth' });
    heading.current.focus({ preventScroll: true });
  }, [shownId]);
  if (!record) return null;
  const p = progress?.experimentId === record.id ? progress.progress : null;
  const titleId = `experiment-panel-${record.id}`;
  return (
    <section className="card experiment-panel" aria-labelledby={titleId} data-state={record.state}>
      <div className="experiment-head">
        <h2 id={titleId} ref={heading} tabIndex={-1}>
          Experiment {record.name}{' '}
          <span className="note">
            ({record.spec.kind === 'vary' ? 'vary one option' : `${record.scale} scale`}, seed {record.seed})
          </span>
        </h2>
        <button type="button" onClick={() => setCurrent(null)}>
          Close<span className="sr-only"> experiment {record.name}</span>
        </button>
      </div>
      <p>{record.claim}</p>
      <ArmLegend record={record} />
      {record.state === 'running' && (
        <div className="experiment-progress">
          <span id={`${titleId}-progress`} aria-live="polite">
            {p ? progressText(p) : 'Starting: the current run is set aside and the first arm loads…'}
          </span>
          <div
            className={`progress${p ? '' : ' indeterminate'}`}
            role="progressbar"
            aria-labelledby={`${titleId}-progress`}
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={p ? Math.round(fraction(p) * 100) : undefined}
          >
            {p && <div className="bar" style={{ width: `${fraction(p) * 100}%` }} />}
          </div>
          <button type="button" onClick={() => cancelExperiment(record.id, send)}>
            Cancel experiment
          </button>
        </div>
      )}
      {(record.state === 'failed' || record.state === 'cancelled' || record.state === 'interrupted') && (
        <p className={`run-message${record.state === 'failed' ? ' failed' : ' paused'}`} role="alert">
          {record.state === 'failed' ? 'The experiment failed: ' : ''}
          {record.message} The arms it finished are kept with the saved runs.
        </p>
      )}
      <VerdictCard record={record} />
      <div className="experiment-actions">
        <ExperimentShare record={record} />
        <ExperimentExports record={record} />
        {record.state !== 'running' && (
          <button type="button" onClick={() => void deleteExperiment(record.id, send)}>
            Delete<span className="sr-only"> experiment {record.name} and its arms</span>
          </button>
        )}
      </div>
    </section>
  );
}
