/**
 * The Experiments gallery, the setup column's second tab beside Presets: every declared experiment
 * (engine/experiments/registry.ts) with its claim, papers, arms, judged metric and expected direction,
 * a scale and seed for all, and one Run button each. Run starts its arms one after another in the
 * worker; the panel above the charts (ExperimentPanel) follows it.
 */
import { useEffect, useId, useState } from 'react';
import { EXPERIMENTS } from '../../../engine/experiments/registry.js';
import { type Experiment, expectedText, SCALES, type Scale } from '../../../engine/experiments/types.js';
import { PAPERS } from '../../../engine/papers.js';
import { type ExperimentSpec, varyOneOption } from '../../experiments/spec.js';
import { startExperiment } from '../../state/experiment-actions.js';
import { useExperimentsStore } from '../../state/experiments-store.js';
import { send } from '../../worker/client.js';

export const SCALE_TEXT: Record<Scale, string> = {
  quick:
    'quick: a micro model, 1–2 steps an arm (checks the machinery in about a minute; says nothing about the claim)',
  full: 'full: the measured setting of docs/EXPERIMENTS.md (3–12 minutes on a software GPU)',
};

/** How each arm comes about, in words. */
export function armText(e: Experiment): string[] {
  return e.arms.map((a) => {
    if ('interpolate' in a)
      return `${a.label}: weights α = ${a.interpolate} of the way from ${a.from}'s start`;
    if ('guidance_weight' in a)
      return `${a.label}: ${a.from} evaluated with guidance w = ${a.guidance_weight}`;
    return `${a.label}: trained`;
  });
}

function ExperimentCard({
  e,
  chosen,
  running,
  onRun,
}: {
  e: Experiment;
  chosen: boolean;
  running: boolean;
  onRun: () => void;
}) {
  const id = `experiment-${e.name}`;
  return (
    <li
      className={`preset card experiment${chosen ? ' chosen' : ''}`}
      data-experiment={e.name}
      aria-labelledby={id}
    >
      <h3 id={id}>{e.name}</h3>
      <p>{e.claim}</p>
      <dl className="experiment-facts">
        <dt>Arms</dt>
        <dd>
          <ul>
            {armText(e).map((t) => (
              <li key={t}>{t}</li>
            ))}
          </ul>
        </dd>
        <dt>Judged on</dt>
        <dd>
          <code>{e.metric}</code>{' '}
          {e.source === 'train' ? '(logged in training, second half of steps)' : '(held-out evaluation)'}
        </dd>
        <dt>Expected</dt>
        <dd>
          <code>{expectedText(e.judge)}</code>
        </dd>
        <dt>Papers</dt>
        <dd>
          {e.papers.map((p, i) => (
            <span key={p}>
              {i > 0 && '; '}
              <a href={PAPERS[p].url} target="_blank" rel="noreferrer">
                {PAPERS[p].title}
              </a>
            </span>
          ))}
        </dd>
      </dl>
      <div className="preset-foot">
        <button type="button" onClick={onRun} aria-describedby={id}>
          {running ? 'Restart' : 'Run'}
          <span className="sr-only"> experiment {e.name}</span>
        </button>
      </div>
    </li>
  );
}

/** A vary-one-option experiment a share link selected: its two arms and Run. */
function VaryCard({ spec, onRun }: { spec: Extract<ExperimentSpec, { kind: 'vary' }>; onRun: () => void }) {
  const built = varyOneOption(spec.config, spec.key, spec.value);
  const id = 'experiment-vary-selected';
  return (
    <li className="preset card experiment chosen" data-experiment={`vary ${spec.key}`} aria-labelledby={id}>
      <h3 id={id}>vary {spec.key}</h3>
      {built.ok ? (
        <>
          <p>{built.experiment.claim}</p>
          <dl className="experiment-facts">
            <dt>Arms</dt>
            <dd>
              {built.experiment.arms.map((a) => a.label).join(' and ')}: each {spec.config.max_steps} steps
              from seed {spec.config.seed}
            </dd>
            <dt>Judged on</dt>
            <dd>
              <code>eval/pass@1</code> (held-out evaluation)
            </dd>
            <dt>Expected</dt>
            <dd>
              <code>{expectedText(built.experiment.judge)}</code> (the question asked)
            </dd>
          </dl>
          <div className="preset-foot">
            <button type="button" onClick={onRun} aria-describedby={id}>
              Run<span className="sr-only"> experiment vary {spec.key}</span>
            </button>
          </div>
        </>
      ) : (
        <p className="note">{built.error}</p>
      )}
    </li>
  );
}

export function ExperimentGallery() {
  const selected = useExperimentsStore((s) => s.selected);
  const select = useExperimentsStore((s) => s.select);
  const running = useExperimentsStore((s) =>
    s.order.map((id) => s.records[id]).find((r) => r?.state === 'running'),
  );
  const [scale, setScale] = useState<Scale>('quick');
  const [seed, setSeed] = useState('0');
  const [error, setError] = useState('');
  const seedId = useId();
  // a share link (or a run) selects an experiment: the controls take its scale and seed
  useEffect(() => {
    if (selected?.kind !== 'registry') return;
    setScale(selected.scale);
    setSeed(String(selected.seed));
    document
      .querySelector(`[data-experiment="${CSS.escape(selected.name)}"]`)
      ?.scrollIntoView?.({ block: 'nearest' });
  }, [selected]);
  const run = (name: string) => {
    const n = Number(seed);
    if (!/^\d+$/.test(seed.trim()) || !Number.isSafeInteger(n)) {
      setError(`The seed must be a whole number from 0 (got "${seed}").`);
      return;
    }
    setError('');
    const spec = { kind: 'registry', name, scale, seed: n } as const;
    select(spec);
    const r = startExperiment(spec, send);
    if (!r.ok) setError(r.error);
  };
  return (
    <section className="presets experiments-gallery" aria-labelledby="experiments-title">
      <h2 id="experiments-title">Experiments</h2>
      <p className="note">
        Each tests a paper's claim: its arms train one after another in this tab, then a verdict with error
        bars (docs/EXPERIMENTS.md).
      </p>
      <fieldset className="experiment-settings">
        <legend>Scale and seed for Run</legend>
        {SCALES.map((s) => (
          <label key={s} className="inline">
            <input
              type="radio"
              name="experiment-scale"
              value={s}
              checked={scale === s}
              onChange={() => setScale(s)}
            />
            {SCALE_TEXT[s]}
          </label>
        ))}
        <label htmlFor={seedId} className="inline">
          Seed{' '}
          <input
            id={seedId}
            type="number"
            min={0}
            step={1}
            value={seed}
            onChange={(ev) => setSeed(ev.target.value)}
            className="experiment-seed"
          />
        </label>
        <span className="note" role="alert">
          {error}
        </span>
      </fieldset>
      <ul className="preset-list experiment-list">
        {selected?.kind === 'vary' && (
          <VaryCard
            spec={selected}
            onRun={() => {
              const r = startExperiment(selected, send);
              setError(r.ok ? '' : r.error);
            }}
          />
        )}
        {EXPERIMENTS.map((e) => (
          <ExperimentCard
            key={e.name}
            e={e}
            chosen={selected?.kind === 'registry' && selected.name === e.name}
            running={running?.spec.kind === 'registry' && running.spec.name === e.name}
            onRun={() => run(e.name)}
          />
        ))}
      </ul>
    </section>
  );
}
