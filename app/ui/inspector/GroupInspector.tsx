/**
 * The group inspector: for the latest step (or any earlier one: the run's whole sample history is held,
 * within state/sample-history.ts's cap) of the active run, each prompt with its
 * G completions, the reward of each reward function, advantage, length and truncation. Groups whose
 * rewards all agree (nothing to learn) are marked. Tokens are shaded by log-prob or entropy.
 */
import { useRunsStore } from '../../state/runs-store.js';
import { isThinned, SAMPLE_CAP, THINNED_EVERY } from '../../state/sample-history.js';
import { type TokenShading, useUiStore } from '../../state/ui-store.js';
import { useThrottledStore } from '../hooks/useThrottled.js';
import { CompletionText } from './CompletionText.js';

const ZERO_SPREAD = 1e-6;

const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(3).replace(/\.?0+$/, '') || '0' : '–');

export function GroupInspector() {
  const run = useThrottledStore(
    useRunsStore,
    (s) => (s.activeRunId ? s.runs[s.activeRunId] : undefined),
    250,
  );
  const inspected = useRunsStore((s) => s.inspectedStep);
  const inspectStep = useRunsStore((s) => s.inspectStep);
  const shading = useUiStore((s) => s.shading);
  const setShading = useUiStore((s) => s.setShading);
  const samples = run?.samples ?? [];
  const current = inspected === null ? samples.at(-1) : samples.find((s) => s.step === inspected);
  const at = current ? samples.indexOf(current) : -1;
  // Previous / Next walk the steps held; the newest one means "follow the latest" again
  const go = (i: number) => inspectStep(i >= samples.length - 1 ? null : samples[i].step);
  return (
    <section className="card inspector" aria-labelledby="inspector-title">
      <div className="inspector-head">
        <h2 id="inspector-title">Group inspector</h2>
        <label>
          Step{' '}
          <select
            value={inspected === null ? 'latest' : String(inspected)}
            onChange={(e) => inspectStep(e.target.value === 'latest' ? null : Number(e.target.value))}
            disabled={samples.length === 0}
          >
            <option value="latest">latest{samples.length > 0 ? ` (${samples.at(-1)?.step})` : ''}</option>
            {samples
              .slice()
              .reverse()
              .map((s) => (
                <option key={s.step} value={s.step}>
                  {s.step}
                </option>
              ))}
          </select>
        </label>
        <span className="step-walk">
          <button type="button" onClick={() => go(at - 1)} disabled={at <= 0}>
            Previous step
          </button>
          <button type="button" onClick={() => go(at + 1)} disabled={at < 0 || at >= samples.length - 1}>
            Next step
          </button>
        </span>
        <label>
          Shade tokens by{' '}
          <select value={shading} onChange={(e) => setShading(e.target.value as TokenShading)}>
            <option value="logprob">log-prob (darker = less likely)</option>
            <option value="entropy">entropy (darker = less sure)</option>
            <option value="none">nothing</option>
          </select>
        </label>
      </div>
      {isThinned(samples) && (
        <p className="note">
          This run holds more than {SAMPLE_CAP.toLocaleString('en')} answers: older steps are kept every{' '}
          {THINNED_EVERY}th step, the recent ones all.
        </p>
      )}
      {!current ? (
        <p className="note">
          No samples yet: they appear here after the first step, or when a saved run is opened.
        </p>
      ) : (
        <div className="groups" data-step={current.step}>
          {current.groups.map((g, gi) => {
            const rewards = g.completions.map((c) => c.reward);
            const spread = rewards.length > 0 ? Math.max(...rewards) - Math.min(...rewards) : 0;
            const zero = spread < ZERO_SPREAD;
            const fns = [...new Set(g.completions.flatMap((c) => Object.keys(c.rewards)))];
            return (
              <article
                // biome-ignore lint/suspicious/noArrayIndexKey: groups are positional within a step.
                key={gi}
                className={`group-card${zero ? ' zero-spread' : ''}${g.dropped ? ' dropped' : ''}`}
                data-dropped={g.dropped}
              >
                <h3>
                  <span className="sr-only">Prompt {gi + 1}: </span>
                  <code className="prompt">{g.prompt}</code>
                  {g.dropped === 'all_agree' ? (
                    <span className="badge">
                      dropped by dynamic sampling: every answer scored {fmt(rewards[0] ?? 0)}, so it was not
                      trained on
                    </span>
                  ) : g.dropped === 'surplus' ? (
                    <span className="badge">
                      dropped by dynamic sampling: enough groups with spread were drawn before it
                    </span>
                  ) : (
                    zero && (
                      <span className="badge">
                        zero spread: all rewards {fmt(rewards[0] ?? 0)}, no signal
                      </span>
                    )
                  )}
                </h3>
                <table>
                  <thead>
                    <tr>
                      <th scope="col">completion</th>
                      <th scope="col">reward</th>
                      {fns.map((f) => (
                        <th key={f} scope="col">
                          {f}
                        </th>
                      ))}
                      <th scope="col">advantage</th>
                      <th scope="col">length</th>
                      {g.completions.some((c) => c.prefix_length !== undefined) && (
                        <th scope="col">forced prefix</th>
                      )}
                      <th scope="col">truncated</th>
                    </tr>
                  </thead>
                  <tbody>
                    {g.completions.map((c, ci) => (
                      // biome-ignore lint/suspicious/noArrayIndexKey: completions are positional in a group.
                      <tr key={ci}>
                        <td className="completion">
                          <CompletionText completion={c} shading={shading} />
                        </td>
                        <td>{fmt(c.reward)}</td>
                        {fns.map((f) => (
                          <td key={f}>{fmt(c.rewards[f] ?? Number.NaN)}</td>
                        ))}
                        <td className={c.advantage > 0 ? 'pos' : c.advantage < 0 ? 'neg' : ''}>
                          {fmt(c.advantage)}
                        </td>
                        <td>{c.length}</td>
                        {g.completions.some((x) => x.prefix_length !== undefined) && (
                          <td>{c.prefix_length ? `${c.prefix_length} tokens` : 'none'}</td>
                        )}
                        <td>{c.truncated ? 'yes' : 'no'}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </article>
            );
          })}
        </div>
      )}
    </section>
  );
}
