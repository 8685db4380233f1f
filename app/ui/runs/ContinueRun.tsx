/**
 * Continue for a saved run whose checkpoint this browser kept (after a reload or a crashed tab): the
 * step it resumes from and its size, and, until they are back and match by SHA-256, the local files
 * the run read (a dropped dataset, a dropped model folder), each with what to do. Nothing shows while
 * the worker holds the run (Start and Pause drive it then).
 */
import { useEffect, useId, useState } from 'react';
import { formatBytes } from '../../../engine/model/memory.js';
import { useConfigStore } from '../../state/config-store.js';
import { useDatasetStore } from '../../state/dataset-store.js';
import { labHubOptions } from '../../state/hub-options.js';
import { useCheckpointsStore } from '../../state/run-checkpoints.js';
import { continueRun } from '../../state/run-control.js';
import { checkRunInputs } from '../../state/run-inputs.js';
import { type RunRecord, useRunsStore } from '../../state/runs-store.js';
import { useLabStore } from '../../state/store.js';
import { workerHolds } from './run-weights.js';

export function ContinueRun({ run }: { run: RunRecord }) {
  const ckpt = useCheckpointsStore((s) => s.saved[run.id]);
  const held = useRunsStore(
    (s) => workerHolds(s.worker, run.id) || (s.worker.runId === run.id && s.worker.state === 'lost'),
  );
  const busy = useRunsStore((s) => s.worker.state === 'running' || s.worker.state === 'starting');
  const gpuReady = useLabStore((s) => s.gpu.kind === 'ready');
  const loaded = useDatasetStore((s) => s.loaded);
  // a model folder dropped again is stored, then set as the edited model: check again then
  const editedModel = useConfigStore((s) => JSON.stringify(s.draft.model ?? null));
  const [problems, setProblems] = useState<string[] | null>(null);
  const noteId = useId();
  const inputs = ckpt?.inputs;

  // biome-ignore lint/correctness/useExhaustiveDependencies: editedModel changes when a folder is dropped again
  useEffect(() => {
    if (!inputs) return;
    let live = true;
    setProblems(null);
    void checkRunInputs(inputs, loaded, labHubOptions().cache).then(
      (p) => live && setProblems(p),
      (e) => live && setProblems([`The run's files could not be checked: ${(e as Error).message}`]),
    );
    return () => {
      live = false;
    };
  }, [inputs, loaded, editedModel]);

  if (!ckpt || held) return null;
  const maxSteps = (run.config as { max_steps?: number }).max_steps ?? Number.POSITIVE_INFINITY;
  const done = ckpt.step >= maxSteps;
  const note = `checkpoint of step ${ckpt.step} saved (${formatBytes(ckpt.bytes)})${done ? ': the run is finished; its model exports read it' : ''}`;
  return (
    <div className="continue-run">
      {!done && (
        <button
          type="button"
          className="primary"
          onClick={() => void continueRun(run.id)}
          disabled={!gpuReady || busy || problems === null || problems.length > 0}
          aria-describedby={noteId}
        >
          Continue<span className="sr-only"> {run.name}</span>
        </button>
      )}
      <div className="note" id={noteId}>
        {note}
        {!done && busy && ' · pause the running run to continue this one'}
        {!done && problems === null && ' · checking its files…'}
        {!done && problems && problems.length > 0 && (
          <>
            {' · before Continue:'}
            <ul className="continue-needs" data-testid="continue-needs">
              {problems.map((p) => (
                <li key={p}>{p}</li>
              ))}
            </ul>
          </>
        )}
      </div>
    </div>
  );
}
