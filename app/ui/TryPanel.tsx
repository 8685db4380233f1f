/**
 * Try panel: a prompt box, and the answers of the run's starting model and of its current model side
 * by side, generated in the worker. Answers are shown as text.
 */
import { type FormEvent, useState } from 'react';
import { generateAnswers } from '../worker/client.js';

type TryState =
  | { kind: 'idle' }
  | { kind: 'busy' }
  | { kind: 'done'; prompt: string; start: string[]; current: string[] }
  | { kind: 'failed'; message: string };

export function TryPanel() {
  const [prompt, setPrompt] = useState('');
  const [state, setState] = useState<TryState>({ kind: 'idle' });
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const p = prompt;
    if (!p.trim()) return;
    setState({ kind: 'busy' });
    try {
      const r = await generateAnswers([p]);
      setState({ kind: 'done', prompt: p, start: r.start[0] ?? [], current: r.current[0] ?? [] });
    } catch (err) {
      setState({ kind: 'failed', message: err instanceof Error ? err.message : String(err) });
    }
  };
  return (
    <section className="card try" aria-labelledby="try-title">
      <h2 id="try-title">Try it</h2>
      <form onSubmit={submit} className="try-form">
        <label htmlFor="try-prompt">Prompt</label>
        <input
          id="try-prompt"
          className="try-input"
          type="text"
          value={prompt}
          placeholder="e.g. 12+34="
          onChange={(e) => setPrompt(e.target.value)}
        />
        <button type="submit" disabled={state.kind === 'busy'}>
          Generate
        </button>
      </form>
      {state.kind === 'busy' && <p className="note">Generating in the worker…</p>}
      {state.kind === 'failed' && (
        <p className="field-error" role="alert">
          {state.message}
        </p>
      )}
      <div className="try-columns">
        {(['start', 'current'] as const).map((which) => (
          <div key={which} className="try-column">
            <h3>{which === 'start' ? 'Starting model' : 'Current model'}</h3>
            {state.kind === 'done' ? (
              <ol>
                {state[which].map((answer, i) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: answers are positional.
                  <li key={i}>
                    <code className="completion-text">{answer}</code>
                  </li>
                ))}
              </ol>
            ) : (
              <p className="note">Answers appear here.</p>
            )}
          </div>
        ))}
      </div>
    </section>
  );
}
