/**
 * Saved runs: every run of this browser (live, reopened from IndexedDB, imported), each with a
 * checkbox to overlay it on the charts, Open (make it the inspected run), Delete, exports, Vary one
 * option, Continue for a run whose checkpoint this browser kept; experiments, each with its arms
 * under it; and the import control for `.tabrl.json` files.
 */
import { useState } from 'react';
import { deleteExperiment, showExperiment } from '../../state/experiment-actions.js';
import { type ExperimentRecord, useExperimentsStore } from '../../state/experiments-store.js';
import { deleteRun, importRun } from '../../state/run-actions.js';
import { BUDGET_TEXT } from '../../state/run-checkpoints.js';
import { resetRun } from '../../state/run-control.js';
import { parseRunFile } from '../../state/run-file.js';
import { type RunRecord, useRunsStore } from '../../state/runs-store.js';
import { send } from '../../worker/client.js';
import { runColour } from '../charts/palette.js';
import { ExperimentExports } from '../experiments/ExperimentPanel.js';
import { ContinueRun } from './ContinueRun.js';
import { RunExports } from './RunExports.js';
import { VaryOption } from './VaryOption.js';

function RunRow({ run }: { run: RunRecord }) {
  const visible = useRunsStore((s) => s.visible);
  const activeRunId = useRunsStore((s) => s.activeRunId);
  const toggleVisible = useRunsStore((s) => s.toggleVisible);
  const setActive = useRunsStore((s) => s.setActive);
  const id = run.id;
  const colourIndex = visible.indexOf(id);
  return (
    <li className={id === activeRunId ? 'active' : ''} data-run-name={run.name}>
      <div className="run-row">
        <label className="inline">
          <input type="checkbox" checked={colourIndex >= 0} onChange={() => toggleVisible(id)} />
          <span
            className="swatch"
            aria-hidden="true"
            style={{ background: colourIndex >= 0 ? runColour(colourIndex, false) : 'transparent' }}
          />
          <span className="run-title">{run.name}</span>
        </label>
        <span className="note">
          {run.metrics.length} steps · {run.source}
        </span>
      </div>
      <div className="run-actions">
        <button type="button" onClick={() => setActive(id)} aria-pressed={id === activeRunId}>
          Open<span className="sr-only"> {run.name}</span>
        </button>
        <button
          type="button"
          onClick={() => {
            if (useRunsStore.getState().worker.runId === id) resetRun();
            void deleteRun(id);
          }}
        >
          Delete<span className="sr-only"> {run.name}</span>
        </button>
        <RunExports run={run} />
      </div>
      <VaryOption run={run} />
      <ContinueRun run={run} />
    </li>
  );
}

const STATE_TEXT: Record<ExperimentRecord['state'], string> = {
  running: 'running',
  done: 'finished',
  failed: 'failed',
  cancelled: 'cancelled',
  interrupted: 'interrupted',
};

/** A saved experiment: its verdict, Show (panel and charts), exports, Delete, and its arms as runs. */
function ExperimentGroup({ record }: { record: ExperimentRecord }) {
  const runs = useRunsStore((s) => s.runs);
  const currentId = useExperimentsStore((s) => s.currentId);
  const arms = record.arms.map((a) => runs[a.runId]).filter((r): r is RunRecord => !!r);
  const verdict = record.result?.verdict.verdict;
  return (
    <li className="experiment-group" data-experiment-id={record.id} data-experiment-name={record.name}>
      <div className="run-row">
        <span className="run-title">
          Experiment {record.name} ({record.spec.kind === 'vary' ? 'vary one option' : record.scale}, seed{' '}
          {record.seed})
        </span>
        <span className="note">
          {arms.length} arms · {verdict ? verdict.replace('_', ' ') : STATE_TEXT[record.state]}
        </span>
      </div>
      <div className="run-actions">
        <button
          type="button"
          onClick={() => showExperiment(record.id)}
          aria-pressed={currentId === record.id}
        >
          Show<span className="sr-only"> experiment {record.name}</span>
        </button>
        {record.state !== 'running' && (
          <button type="button" onClick={() => void deleteExperiment(record.id, send)}>
            Delete<span className="sr-only"> experiment {record.name} and its arms</span>
          </button>
        )}
        <ExperimentExports record={record} />
      </div>
      {arms.length > 0 && (
        <ul className="run-list" aria-label={`Arms of experiment ${record.name}`}>
          {arms.map((run) => (
            <RunRow key={run.id} run={run} />
          ))}
        </ul>
      )}
    </li>
  );
}

export function RunList() {
  const runs = useRunsStore((s) => s.runs);
  const order = useRunsStore((s) => s.order);
  const experiments = useExperimentsStore((s) => s.records);
  const experimentOrder = useExperimentsStore((s) => s.order);
  const [importMessage, setImportMessage] = useState('');

  const onImport = async (files: FileList | null) => {
    for (const file of files ?? []) {
      const parsed = parseRunFile(await file.text());
      if (!parsed.ok) {
        setImportMessage(`${file.name}: ${parsed.error}`);
        continue;
      }
      importRun(parsed.file);
      setImportMessage(`Imported "${parsed.file.name}" (${parsed.file.metrics.length} steps).`);
    }
  };
  // an experiment's arms are listed under it, not among the runs
  const grouped = new Set(experimentOrder.flatMap((id) => experiments[id]?.arms.map((a) => a.runId) ?? []));
  const loose = order.filter((id) => runs[id] && !grouped.has(id));

  return (
    <section className="card runs" aria-labelledby="runs-title">
      <h2 id="runs-title">Runs</h2>
      <p className="note" data-testid="checkpoint-budget">
        Runs are saved in this browser as they train. So that a run can Continue after a reload, the lab also
        keeps a checkpoint every 10 steps and on Pause: {BUDGET_TEXT} (the oldest make room).
      </p>
      <div className="import">
        <label htmlFor="import-run">Import a run file (.tabrl.json)</label>
        <input
          id="import-run"
          type="file"
          accept=".json,application/json"
          multiple
          onChange={(e) => onImport(e.target.files)}
        />
        <span className="note" role="status">
          {importMessage}
        </span>
      </div>
      {loose.length === 0 && experimentOrder.length === 0 ? (
        <p className="note">No runs yet.</p>
      ) : (
        <ul className="run-list">
          {experimentOrder.map((id) => {
            const record = experiments[id];
            return record ? <ExperimentGroup key={id} record={record} /> : null;
          })}
          {loose.map((id) => (
            <RunRow key={id} run={runs[id] as RunRecord} />
          ))}
        </ul>
      )}
    </section>
  );
}
