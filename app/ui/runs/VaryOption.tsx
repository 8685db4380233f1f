/**
 * "Vary one option" of a run: pick one of its options and a new value, and run both as a two-arm
 * experiment (app/experiments/spec.ts varyOneOption): the run as it was and the run with that one
 * change, from the same seed, judged on held-out eval/pass@1.
 */
import { useId, useMemo, useState } from 'react';
import { parseRunConfig } from '../../../engine/config/resolve.js';
import { parseOptionValue, varyChoices, varyOneOption } from '../../experiments/spec.js';
import { startExperiment } from '../../state/experiment-actions.js';
import type { RunRecord } from '../../state/runs-store.js';
import { send } from '../../worker/client.js';

export function VaryOption({ run }: { run: RunRecord }) {
  const [open, setOpen] = useState(false);
  const [key, setKey] = useState('');
  const [text, setText] = useState('');
  const [message, setMessage] = useState('');
  const id = useId();
  const parsed = useMemo(() => parseRunConfig(run.config), [run.config]);
  const choices = parsed.ok ? varyChoices(parsed.config) : [];
  const current = choices.find((c) => c.key === key);
  const go = () => {
    if (!parsed.ok || !current) return;
    const value = parseOptionValue(current.value, text);
    if (!value.ok) {
      setMessage(value.error);
      return;
    }
    const built = varyOneOption(parsed.config, key, value.value);
    if (!built.ok) {
      setMessage(built.error);
      return;
    }
    const r = startExperiment({ kind: 'vary', config: parsed.config, key, value: value.value }, send);
    setMessage(
      r.ok
        ? `Running "as run" against ${key} = ${String(value.value)} (see the panel above the charts).`
        : r.error,
    );
    if (r.ok) setOpen(false);
  };
  return (
    <div className="vary">
      <button type="button" aria-expanded={open} aria-controls={`${id}-form`} onClick={() => setOpen(!open)}>
        Vary one option<span className="sr-only"> of {run.name}</span>
      </button>
      {open && (
        <div className="vary-form" id={`${id}-form`}>
          {!parsed.ok ? (
            <span className="note">This run's configuration is not valid here: {parsed.errors[0]}</span>
          ) : (
            <>
              <label htmlFor={`${id}-key`}>Option</label>
              <select
                id={`${id}-key`}
                value={key}
                onChange={(e) => {
                  setKey(e.target.value);
                  const c = choices.find((x) => x.key === e.target.value);
                  setText(c ? String(c.value) : '');
                  setMessage('');
                }}
              >
                <option value="">choose…</option>
                {choices.map((c) => (
                  <option key={c.key} value={c.key}>
                    {c.key} (now {String(c.value)})
                  </option>
                ))}
              </select>
              <label htmlFor={`${id}-value`}>New value</label>
              <input
                id={`${id}-value`}
                value={text}
                disabled={!current}
                onChange={(e) => setText(e.target.value)}
                onKeyDown={(e) => e.key === 'Enter' && go()}
              />
              <button type="button" onClick={go} disabled={!current}>
                Run both as an experiment
              </button>
              <span className="note">
                Both arms train {parsed.config.max_steps} steps from seed {parsed.config.seed}; judged on
                held-out eval/pass@1, the change expected to raise it (the question asked, not a paper's
                claim).
              </span>
            </>
          )}
        </div>
      )}
      {message && (
        <span className="note" role="status">
          {message}
        </span>
      )}
    </div>
  );
}
