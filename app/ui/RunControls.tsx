/**
 * Start, Pause, Step, Reset, and the status line (step, tokens/s, phase) with progress bars while the
 * model loads and kernels compile and tune. A failed or lost run says why here, and so does a dataset
 * task whose file is not in this tab (Start and Step wait for it).
 */
import { useConfigStore } from '../state/config-store.js';
import { useConsentStore } from '../state/consent-store.js';
import { missingDatasetMessage, missingLocalDataset, useDatasetStore } from '../state/dataset-store.js';
import { pauseRun, resetRun, startRun, stepRun } from '../state/run-control.js';
import { useRunsStore } from '../state/runs-store.js';
import { useLabStore } from '../state/store.js';

const MEASURED_PHASES = new Set(['loading', 'compiling', 'tuning']);

function lastMetric(rows: readonly Record<string, number>[], key: string): number | undefined {
  for (let i = rows.length - 1; i >= 0; i--) if (Number.isFinite(rows[i][key])) return rows[i][key];
  return undefined;
}

export function RunControls() {
  const worker = useRunsStore((s) => s.worker);
  const phase = useRunsStore((s) => s.phase);
  const active = useRunsStore((s) => (s.activeRunId ? s.runs[s.activeRunId] : undefined));
  const consentPending = useConsentStore((s) => s.pending !== null);
  const loadedDataset = useDatasetStore((s) => s.loaded);
  // a dataset task whose file was dropped on another machine (a share link) cannot run until dropped here
  const missingDataset = useConfigStore((s) => missingLocalDataset(s.resolved, loadedDataset));
  const canRun = useLabStore((s) => s.gpu.kind === 'ready') && !consentPending && missingDataset === null;
  const running = worker.state === 'running' || worker.state === 'starting';
  const rows = active?.metrics ?? [];
  const step =
    active && worker.runId === active.id
      ? Math.max(worker.step, rows.at(-1)?.step ?? 0)
      : (rows.at(-1)?.step ?? 0);
  const tps = lastMetric(rows, 'tokens_per_second');
  const maxSteps = (active?.config as { max_steps?: number } | undefined)?.max_steps;
  return (
    <section className="card run-controls" aria-labelledby="run-title">
      <h2 id="run-title" className="sr-only">
        Run controls
      </h2>
      <div className="buttons">
        <button type="button" className="primary" onClick={startRun} disabled={!canRun || running}>
          Start
        </button>
        <button type="button" onClick={pauseRun} disabled={!running}>
          Pause
        </button>
        <button type="button" onClick={stepRun} disabled={!canRun || running}>
          Step
        </button>
        <button type="button" onClick={resetRun}>
          Reset
        </button>
      </div>
      <p className="status-line" aria-live="polite" data-testid="status-line">
        <span>
          step <strong data-testid="step-count">{step}</strong>
          {maxSteps ? ` / ${maxSteps}` : ''}
        </span>
        <span>
          <strong>{tps === undefined ? '–' : tps.toFixed(0)}</strong> tokens/s
        </span>
        <span>
          phase <strong>{phase?.phase ?? worker.state}</strong>
        </span>
        {active && <span className="run-name">{active.name}</span>}
      </p>
      {phase && MEASURED_PHASES.has(phase.phase) && (
        <div className="phase-progress">
          <span id="phase-progress-label">
            {phase.phase}
            {phase.detail ? `: ${phase.detail}` : ''}
          </span>
          <div
            className={`progress${phase.progress === undefined ? ' indeterminate' : ''}`}
            role="progressbar"
            aria-labelledby="phase-progress-label"
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={phase.progress === undefined ? undefined : Math.round(phase.progress * 100)}
          >
            {phase.progress !== undefined && (
              <div className="bar" style={{ width: `${phase.progress * 100}%` }} />
            )}
          </div>
        </div>
      )}
      {missingDataset !== null && (
        <p className="run-message paused" data-testid="dataset-needed">
          {missingDatasetMessage(missingDataset)} (the drop zone is in the task section).
        </p>
      )}
      {worker.state === 'paused' && worker.message && worker.runId === active?.id && (
        <p className="run-message paused" role="alert">
          Paused: {worker.message}
        </p>
      )}
      {(worker.state === 'failed' || worker.state === 'lost') && (
        <div className={`run-message ${worker.state}`} role="alert">
          {worker.state === 'lost' ? 'Paused: ' : 'The run stopped: '}
          <RunMessage text={worker.message ?? ''} />
        </div>
      )}
    </section>
  );
}

/** A message's first line as it is; a parser's details (the lines after it) folded away under "Details". */
function RunMessage({ text }: { text: string }) {
  const [head, ...rest] = text.split('\n');
  const details = rest.join('\n').replace(/^Details: /, '');
  if (!details) return <>{head}</>;
  return (
    <>
      {head}
      <details className="run-message-details">
        <summary>Details</summary>
        <code>{details}</code>
      </details>
    </>
  );
}
