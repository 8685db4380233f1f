/**
 * Try panel: a prompt box, and the answers of the run's starting model and of its current model side
 * by side, generated in the worker. Answers are shown as text. Two sliders shape the current model's
 * answers: guidance weight w and interpolation α toward θ_ref (app/worker/try-knobs.ts).
 */
import { type FormEvent, useState } from 'react';
import { PAPERS, type Paper } from '../../engine/papers.js';
import { generateAnswers } from '../worker/client.js';
import { DEFAULT_KNOBS, type KnobRange, TRY_KNOBS, type TryKnobs } from '../worker/try-knobs.js';

type TryState =
  | { kind: 'idle' }
  | { kind: 'busy' }
  | { kind: 'done'; prompt: string; start: string[]; current: string[] }
  | { kind: 'failed'; message: string };

/** What each slider does, in one line naming its paper. */
const KNOB_TEXT: Record<keyof TryKnobs, { label: string; help: string; paper: Paper }> = {
  guidance: {
    label: 'Guidance w',
    help: 'Current model samples (1 − w)·reference + w·policy logits: 0 = the reference, 1 = the policy, above 1 pushes past it, after',
    paper: PAPERS.rlGuidance,
  },
  alpha: {
    label: 'Interpolation α',
    help: 'Current model runs the weights (1 − α)·reference + α·policy: 0 = the reference, 1 = the policy, after',
    paper: PAPERS.interpolation,
  },
};

function KnobSlider({
  name,
  range,
  value,
  onChange,
}: {
  name: keyof TryKnobs;
  range: KnobRange;
  value: number;
  onChange: (v: number) => void;
}) {
  const text = KNOB_TEXT[name];
  const id = `try-${name}`;
  const digits = range.step < 0.1 ? 2 : 1;
  return (
    <div className="try-knob">
      <label htmlFor={id}>
        {text.label} <output htmlFor={id}>{value.toFixed(digits)}</output>
      </label>
      <input
        id={id}
        type="range"
        min={range.min}
        max={range.max}
        step={range.step}
        value={value}
        aria-describedby={`${id}-help`}
        aria-valuetext={value.toFixed(digits)}
        onChange={(e) => onChange(Number(e.target.value))}
      />
      <span id={`${id}-help`} className="note">
        {text.help}{' '}
        <a href={text.paper.url} target="_blank" rel="noreferrer">
          “{text.paper.title}”
        </a>
        . The reference is the policy when RL started (the starting model before that).
      </span>
    </div>
  );
}

export function TryPanel() {
  const [prompt, setPrompt] = useState('');
  const [state, setState] = useState<TryState>({ kind: 'idle' });
  const [knobs, setKnobs] = useState<TryKnobs>(DEFAULT_KNOBS);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const p = prompt;
    if (!p.trim()) return;
    setState({ kind: 'busy' });
    try {
      const r = await generateAnswers([p], knobs);
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
      <fieldset className="try-knobs">
        <legend>Current model</legend>
        {(['guidance', 'alpha'] as const).map((name) => (
          <KnobSlider
            key={name}
            name={name}
            range={TRY_KNOBS[name]}
            value={knobs[name]}
            onChange={(v) => setKnobs((k) => ({ ...k, [name]: v }))}
          />
        ))}
      </fieldset>
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
