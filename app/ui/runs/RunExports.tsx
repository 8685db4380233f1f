/**
 * Export buttons of one run: metrics as CSV and JSONL, the whole run as `.tabrl.json` (config,
 * metrics, samples; imports back identically), and the checkpoint in HF layout from the worker or,
 * after a reload, the one saved in this browser.
 */
import { zipSync } from 'fflate';
import { useState } from 'react';
import { useCheckpointsStore } from '../../state/run-checkpoints.js';
import { buildRunFile, metricsToCsv, metricsToJsonl, serializeRunFile } from '../../state/run-file.js';
import type { RunRecord } from '../../state/runs-store.js';
import { useRunsStore } from '../../state/runs-store.js';
import { downloadFile, fileStem } from './downloads.js';
import { runWeights } from './run-weights.js';

export function RunExports({ run }: { run: RunRecord }) {
  const [message, setMessage] = useState('');
  const inWorker = useRunsStore((s) => s.worker.runId === run.id && s.worker.state !== 'idle');
  const saved = useCheckpointsStore((s) => s.saved[run.id]);
  const heldByWorker = inWorker || saved !== undefined;
  const stem = fileStem(run.name);
  const exportCheckpoint = async () => {
    setMessage('Writing the checkpoint…');
    try {
      const files = await runWeights(run.id);
      downloadFile(
        `${stem}-checkpoint.zip`,
        zipSync(Object.fromEntries(files)) as BlobPart,
        'application/zip',
      );
      setMessage('');
    } catch (err) {
      setMessage(err instanceof Error ? err.message : String(err));
    }
  };
  return (
    <div className="run-exports">
      <button
        type="button"
        onClick={() => downloadFile(`${stem}.metrics.csv`, metricsToCsv(run.metrics), 'text/csv')}
      >
        CSV<span className="sr-only"> metrics of {run.name}</span>
      </button>
      <button
        type="button"
        onClick={() =>
          downloadFile(`${stem}.metrics.jsonl`, metricsToJsonl(run.metrics), 'application/jsonl')
        }
      >
        JSON<span className="sr-only"> metrics of {run.name}</span>
      </button>
      <button
        type="button"
        onClick={() =>
          downloadFile(`${stem}.tabrl.json`, serializeRunFile(buildRunFile(run)), 'application/json')
        }
      >
        Run file<span className="sr-only"> of {run.name}</span>
      </button>
      <button
        type="button"
        onClick={exportCheckpoint}
        disabled={!heldByWorker}
        title={
          heldByWorker
            ? 'model.safetensors, config.json, tokenizer.json (HF layout)'
            : 'No checkpoint of this run is kept: only the run in the worker, or one saved in this browser, has weights'
        }
      >
        Checkpoint<span className="sr-only"> of {run.name}</span>
      </button>
      {message && (
        <span className="note" role="status">
          {message}
        </span>
      )}
    </div>
  );
}
