/**
 * Saved runs: every run of this browser (live, reopened from IndexedDB, imported), each with a
 * checkbox to overlay it on the charts, Open (make it the inspected run), Delete, exports, Continue
 * for a run whose checkpoint this browser kept; and the import control for `.tabrl.json` files.
 */
import { useState } from 'react';
import { deleteRun, importRun } from '../../state/run-actions.js';
import { BUDGET_TEXT } from '../../state/run-checkpoints.js';
import { resetRun } from '../../state/run-control.js';
import { parseRunFile } from '../../state/run-file.js';
import { useRunsStore } from '../../state/runs-store.js';
import { runColour } from '../charts/palette.js';
import { ContinueRun } from './ContinueRun.js';
import { RunExports } from './RunExports.js';

export function RunList() {
  const runs = useRunsStore((s) => s.runs);
  const order = useRunsStore((s) => s.order);
  const visible = useRunsStore((s) => s.visible);
  const activeRunId = useRunsStore((s) => s.activeRunId);
  const toggleVisible = useRunsStore((s) => s.toggleVisible);
  const setActive = useRunsStore((s) => s.setActive);
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
      {order.length === 0 ? (
        <p className="note">No runs yet.</p>
      ) : (
        <ul className="run-list">
          {order.map((id) => {
            const run = runs[id];
            if (!run) return null;
            const colourIndex = visible.indexOf(id);
            return (
              <li key={id} className={id === activeRunId ? 'active' : ''} data-run-name={run.name}>
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
                <ContinueRun run={run} />
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
