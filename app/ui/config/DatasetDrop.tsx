/**
 * "Use a JSONL dataset": a drop zone that is also a file picker (a native file input, so keyboards
 * and screen readers reach it). A good file becomes the `dataset` task (source `local:<file name>`),
 * its rows kept in this tab; a bad one is listed line by line and changes nothing. Below it: the
 * loaded file's summary, or why a dataset task cannot run yet (a shared link's file, not dropped here).
 */
import { type DragEvent, useId, useState } from 'react';
import { useConfigStore, valueAt } from '../../state/config-store.js';
import {
  datasetSourceOf,
  datasetTaskFor,
  localDatasetName,
  missingDatasetMessage,
  readDatasetFile,
  SHOWN_ERRORS,
  summarizeDataset,
  useDatasetStore,
} from '../../state/dataset-store.js';

async function takeDatasetFile(file: File): Promise<void> {
  const out = readDatasetFile(file.name, await file.text());
  const datasets = useDatasetStore.getState();
  if (!out.ok) {
    datasets.setRefused(out.refused);
    return;
  }
  datasets.setLoaded(out.dataset);
  const config = useConfigStore.getState();
  config.setOption(['task'], datasetTaskFor(config.draft.task, out.dataset.source));
}

function Refused() {
  const refused = useDatasetStore((s) => s.refused);
  if (!refused) return null;
  const n = refused.errors.length;
  return (
    <div className="dataset-errors" role="alert">
      <p>
        <strong>{refused.fileName}</strong> was not used ({n} error{n === 1 ? '' : 's'}; the configuration is
        unchanged):
      </p>
      <ul>
        {refused.errors.slice(0, SHOWN_ERRORS).map((e) => (
          <li key={e} className="mono">
            {e}
          </li>
        ))}
      </ul>
      {n > SHOWN_ERRORS && <p>…and {n - SHOWN_ERRORS} more.</p>}
    </div>
  );
}

function Summary() {
  const loaded = useDatasetStore((s) => s.loaded);
  const source = useConfigStore((s) => datasetSourceOf(s.draft));
  const fraction = useConfigStore((s) => Number(valueAt(s, ['task', 'held_out_fraction']) ?? 0.1));
  if (source === null) return null;
  const local = localDatasetName(source);
  if (local === null) {
    return (
      <p className="note" data-testid="dataset-summary">
        The engine fetches <code>{source}</code> when the run starts (this site, or a host the page's
        Content-Security-Policy allows).
      </p>
    );
  }
  if (loaded?.source !== source) {
    return (
      <p className="dataset-missing" role="alert">
        {missingDatasetMessage(local)}
      </p>
    );
  }
  const ok = Number.isFinite(fraction) && fraction > 0 && fraction < 1;
  const s = summarizeDataset(loaded.rows, ok ? fraction : 0.1);
  return (
    <div className="dataset-summary" data-testid="dataset-summary">
      <p>
        <strong>{loaded.fileName}</strong>: <span data-testid="dataset-rows">{s.rows}</span> rows,{' '}
        <span data-testid="dataset-held-out">{s.heldOut}</span> held out for evaluation. The rows stay in this
        tab: after a reload, or on a shared link, drop the file again.
      </p>
      {(s.heldOut === 0 || s.heldOut === s.rows) && (
        <p className="field-error">
          {s.heldOut === 0
            ? 'No row is held out, so evaluation cannot run: raise held_out_fraction or add rows (or set eval_every to 0).'
            : 'Every row is held out, so there is nothing to train on: lower held_out_fraction.'}
        </p>
      )}
      <table className="dataset-examples">
        <caption>Examples</caption>
        <thead>
          <tr>
            <th scope="col">prompt</th>
            <th scope="col">answer</th>
          </tr>
        </thead>
        <tbody>
          {s.examples.map((r, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: rows are positional and may repeat
            <tr key={i}>
              <td className="mono">{r.prompt}</td>
              <td className="mono">{r.answer}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function DatasetDrop() {
  const id = useId();
  const [dragging, setDragging] = useState(false);
  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    const file = e.dataTransfer.files[0];
    if (file) void takeDatasetFile(file);
  };
  return (
    <div className="dataset">
      {/* the drop target; its keyboard and screen-reader equivalent is the file input inside */}
      <fieldset
        aria-label="Dataset drop zone"
        className={`dataset-drop${dragging ? ' dragging' : ''}`}
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={onDrop}
      >
        <label htmlFor={id}>Use a JSONL dataset</label>
        <input
          id={id}
          type="file"
          accept=".jsonl,application/jsonl,application/x-ndjson"
          aria-describedby={`${id}-help`}
          onChange={(e) => {
            const file = e.target.files?.[0];
            if (file) void takeDatasetFile(file);
            e.target.value = '';
          }}
        />
        <span id={`${id}-help`} className="note">
          Drop a .jsonl file here, or choose one: one {'{"prompt": "...", "answer": "..."}'} per line.
        </span>
      </fieldset>
      <Refused />
      <Summary />
    </div>
  );
}
