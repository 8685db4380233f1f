/**
 * The reward-code editor: the config's reward_code entries as name + monospace source, each listed in
 * reward_funcs while it exists, and "Test on sample" that runs the code in the page's sandbox on a few
 * completions made from the task's own prompts (the gold answer, a wrong one, an empty one) and shows
 * each value or error. The code never runs on the page's thread.
 */
import { useId, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { RunConfig } from '../../../engine/config/index.js';
import {
  REWARD_CODE_CONTRACT,
  type SandboxOutcome,
  type UserRewardCode,
  type UserRewardInput,
} from '../../../engine/rewards/sandbox.js';
import { createRng } from '../../../engine/rl/random.js';
import { createTask, type DatasetRow } from '../../../engine/tasks/index.js';
import { scoreOnPage } from '../../rewards/page-sandbox.js';
import { errorsAt, useConfigStore, valueAt } from '../../state/config-store.js';
import { rowsForConfig, useDatasetStore } from '../../state/dataset-store.js';

const EXAMPLE = '(completion, prompt, answer) => (completion.trim() === answer ? 1 : 0)';

/**
 * A few (completion, prompt, answer) triples of the config's task: gold, a wrong answer, empty. A
 * dataset task draws from `datasetRows` (the dropped file's), when there are some.
 */
export function sampleInputs(
  config: RunConfig | null,
  datasetRows?: readonly DatasetRow[],
): UserRewardInput[] {
  let samples = [{ prompt: '12+34=', answer: '46', gold: '46' }];
  try {
    if (config) {
      const task = createTask(config.task, { rows: datasetRows });
      const rng = createRng(config.seed).split('reward-code-test');
      samples = [task.draw(rng), task.draw(rng)];
    }
  } catch {
    // a dataset task whose rows are not in this tab (a URL the worker fetches, or not dropped yet)
  }
  return samples.flatMap((s) => [
    { completion: s.gold, prompt: s.prompt, answer: s.answer },
    {
      completion: `${s.gold.slice(0, -1)}${s.gold.endsWith('0') ? '1' : '0'}`,
      prompt: s.prompt,
      answer: s.answer,
    },
    { completion: '', prompt: s.prompt, answer: s.answer },
  ]);
}

function entriesOf(value: unknown): UserRewardCode[] {
  return Array.isArray(value)
    ? value.map((v) => ({ name: String(v?.name ?? ''), source: String(v?.source ?? '') }))
    : [];
}

function freeName(taken: readonly string[]): string {
  for (let i = 1; ; i++) if (!taken.includes(`my_reward_${i}`)) return `my_reward_${i}`;
}

function TestResults({ inputs, outcomes }: { inputs: UserRewardInput[]; outcomes: SandboxOutcome[] }) {
  return (
    <table className="reward-test" aria-label="Test results">
      <thead>
        <tr>
          <th scope="col">prompt</th>
          <th scope="col">answer</th>
          <th scope="col">completion</th>
          <th scope="col">reward</th>
        </tr>
      </thead>
      <tbody>
        {inputs.map((x, i) => {
          const o = outcomes[i];
          return (
            // biome-ignore lint/suspicious/noArrayIndexKey: rows are positional and never reordered
            <tr key={i}>
              <td className="mono">{x.prompt}</td>
              <td className="mono">{x.answer}</td>
              <td className="mono">{x.completion === '' ? '(empty)' : x.completion}</td>
              <td className={o?.ok ? 'mono' : 'mono field-error'}>{o ? (o.ok ? o.value : o.error) : ''}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function Entry({ index, entry, all }: { index: number; entry: UserRewardCode; all: UserRewardCode[] }) {
  const id = useId();
  const draft = useConfigStore((s) => s.draft);
  const resolved = useConfigStore((s) => s.resolved);
  const lastValid = useConfigStore((s) => s.lastValid);
  const errors = useConfigStore(useShallow((s) => errorsAt(s.errors, ['reward_code', String(index)])));
  const setOption = useConfigStore((s) => s.setOption);
  const [test, setTest] = useState<{ inputs: UserRewardInput[]; outcomes: SandboxOutcome[] } | null>(null);
  const [testing, setTesting] = useState(false);
  const funcs = (valueAt({ draft, lastValid }, ['reward_funcs']) as string[] | undefined) ?? [];

  const update = (next: UserRewardCode) => {
    const code = all.map((e, i) => (i === index ? next : e));
    setOption(['reward_code'], code);
    if (next.name !== entry.name) {
      setOption(
        ['reward_funcs'],
        funcs.map((f) => (f === entry.name ? next.name : f)),
      );
    }
  };
  const remove = () => {
    const at = funcs.indexOf(entry.name);
    setOption(
      ['reward_code'],
      all.filter((_, i) => i !== index),
    );
    if (at >= 0) {
      const weights = valueAt({ draft, lastValid }, ['reward_weights']) as number[] | null | undefined;
      setOption(
        ['reward_funcs'],
        funcs.filter((_, i) => i !== at),
      );
      if (Array.isArray(weights))
        setOption(
          ['reward_weights'],
          weights.filter((_, i) => i !== at),
        );
    }
  };
  const runTest = async () => {
    setTesting(true);
    const config = resolved ?? lastValid;
    const inputs = sampleInputs(config, rowsForConfig(config, useDatasetStore.getState().loaded));
    try {
      const out = await scoreOnPage([entry], inputs);
      setTest({ inputs, outcomes: out[entry.name] ?? [] });
    } finally {
      setTesting(false);
    }
  };
  return (
    <fieldset className="reward-code-entry">
      <legend>{entry.name || '(unnamed)'}</legend>
      <label htmlFor={`${id}-name`}>name</label>
      <input
        id={`${id}-name`}
        type="text"
        className="mono"
        value={entry.name}
        onChange={(e) => update({ ...entry, name: e.target.value })}
      />
      <label htmlFor={`${id}-source`}>Reward code {entry.name}</label>
      <textarea
        id={`${id}-source`}
        className="mono code"
        rows={5}
        spellCheck={false}
        value={entry.source}
        onChange={(e) => update({ ...entry, source: e.target.value })}
      />
      {errors.length > 0 && (
        <span className="field-error" role="alert">
          {errors.join('; ')}
        </span>
      )}
      <div className="buttons">
        <button type="button" onClick={runTest} disabled={testing || entry.source.trim() === ''}>
          Test on sample<span className="sr-only"> {entry.name}</span>
        </button>
        <button type="button" onClick={remove}>
          Remove<span className="sr-only"> {entry.name}</span>
        </button>
      </div>
      {testing && <p className="note">Running in the sandbox…</p>}
      {test && <TestResults {...test} />}
    </fieldset>
  );
}

export function RewardCodeEditor() {
  const code = entriesOf(useConfigStore((s) => valueAt(s, ['reward_code'])));
  const setOption = useConfigStore((s) => s.setOption);
  const funcs = (useConfigStore((s) => valueAt(s, ['reward_funcs'])) as string[] | undefined) ?? [];
  const weights = useConfigStore((s) => valueAt(s, ['reward_weights']) as number[] | null | undefined);
  const add = () => {
    const name = freeName([...code.map((c) => c.name), ...funcs]);
    setOption(['reward_code'], [...code, { name, source: EXAMPLE }]);
    setOption(['reward_funcs'], [...funcs, name]);
    if (Array.isArray(weights)) setOption(['reward_weights'], [...weights, 1]);
  };
  return (
    <details className="group reward-code" open={code.length > 0}>
      <summary>Reward code</summary>
      <p className="note">{REWARD_CODE_CONTRACT}</p>
      {code.map((entry, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: a rename must not remount the textarea
        <Entry key={i} index={i} entry={entry} all={code} />
      ))}
      <button type="button" onClick={add}>
        Add reward function
      </button>
    </details>
  );
}
