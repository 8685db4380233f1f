/**
 * `stages` and `eval_tasks` in the RunConfig (docs/ALGORITHMS.md "Stages"): defaults keep old configs
 * as they were, each stage resolves like a fresh RunConfig (run config, the stage's algorithm
 * defaults, its overrides), refused keys and bad labels are named with the stage, and staged configs
 * survive a re-parse (what --resume compares), share links and `--set`.
 */
import { describe, expect, it } from 'vitest';
import { type PartialRunConfig, parseRunConfig, resolveRunConfig, setByPath, stageConfigs } from './resolve';
import { decodeSharePayload, encodeSharePayload } from './share-link';

const TWO = [
  { name: 'sft_add', steps: 3 },
  { name: 'rl_rev', steps: 5, algorithm: 'grpo', task: { name: 'reversal', length: 3 }, beta: 0 },
];

function errorsOf(input: unknown): string[] {
  const r = parseRunConfig(input);
  if (r.ok) throw new Error('expected the config to be refused');
  return r.errors;
}

describe('stages and eval_tasks in the RunConfig', () => {
  it('default to null and [], and a config without them resolves as before', () => {
    const c = resolveRunConfig({ algorithm: 'ppo', max_steps: 7 });
    expect(c.stages).toBeNull();
    expect(c.eval_tasks).toEqual([]);
    expect(c.max_steps).toBe(7);
    expect(stageConfigs(c)).toEqual([c]);
  });

  it('each stage resolves from the run config, then its algorithm defaults, then its overrides', () => {
    const c = resolveRunConfig({ algorithm: 'sft', learning_rate: 3e-3, stages: TWO });
    expect(c.max_steps).toBe(8);
    const [a, b] = stageConfigs(c);
    expect(a).toMatchObject({ algorithm: 'sft', max_steps: 3, learning_rate: 3e-3, loss_type: 'sft' });
    expect(a.task).toEqual(c.task);
    // grpo's defaults replace sft's (loss_type, estimator, epsilon); the stage's beta beats grpo's 0.04
    expect(b).toMatchObject({
      algorithm: 'grpo',
      max_steps: 5,
      learning_rate: 3e-3,
      loss_type: 'grpo',
      advantage_estimator: 'group',
      epsilon: 0.2,
      beta: 0,
    });
    // a task of another name starts from its own defaults
    expect(b.task).toEqual({
      name: 'reversal',
      length: 3,
      symbols: '0123456789',
      tag: null,
      held_out_fraction: 0.1,
    });
    for (const s of [a, b]) {
      expect(s.stages).toBeNull();
      expect(s.seed).toBe(c.seed);
    }
  });

  it("a stage naming an algorithm gets its defaults, even the run's own; one naming none keeps the run's values", () => {
    const c = resolveRunConfig({
      algorithm: 'grpo',
      beta: 0,
      stages: [
        { name: 'a', steps: 1, algorithm: 'grpo' },
        { name: 'b', steps: 1 },
      ],
    });
    expect(stageConfigs(c).map((s) => s.beta)).toEqual([0.04, 0]);
  });

  it('a resolved staged config parses to itself (config.json and --resume)', () => {
    const c = resolveRunConfig({
      algorithm: 'sft',
      stages: TWO,
      eval_tasks: [{ label: 'add', task: { name: 'addition' } }],
    });
    const again = parseRunConfig(JSON.parse(JSON.stringify(c)));
    expect(again.ok && JSON.stringify(again.config)).toBe(JSON.stringify(c));
    // the stages are written resolved: every option a stage may set, grpo's defaults included
    expect(c.stages?.[1]).toMatchObject({ name: 'rl_rev', steps: 5, kl_estimator: 'k3', loss_type: 'grpo' });
    expect(c.stages?.[1]).not.toHaveProperty('seed');
    expect(c.eval_tasks[0].task).toEqual({ name: 'addition', digits: 2, tag: null, held_out_fraction: 0.1 });
  });

  it('refuses run-wide keys in a stage, naming the stage and the key', () => {
    const errors = errorsOf({
      stages: [
        { name: 'a', steps: 2, seed: 4 },
        { name: 'b', steps: 2, model: { name: 'smoke' }, eval_tasks: [] },
        { name: 'c', steps: 2, max_steps: 9 },
      ],
    });
    expect(errors).toEqual([
      expect.stringMatching(/^stages\.0 \(a\): seed cannot be set in a stage/),
      expect.stringMatching(/^stages\.1 \(b\): model cannot be set in a stage/),
      expect.stringMatching(/^stages\.1 \(b\): eval_tasks cannot be set in a stage/),
      expect.stringMatching(/^stages\.2 \(c\): max_steps cannot be set in a stage .*steps/),
    ]);
    for (const key of ['lora', 'kernel_variants', 'stages'])
      expect(errorsOf({ stages: [{ name: 'a', steps: 1, [key]: null }] })[0]).toContain(
        `: ${key} cannot be set`,
      );
  });

  it('validates each stage as a RunConfig, messages prefixed with the stage', () => {
    expect(errorsOf({ stages: [{ name: 'x', steps: 2, num_generations: 1, lerning_rate: 1 }] })).toEqual([
      'stages.0 (x): num_generations: must be >= 2 (got 1)',
      'stages.0 (x): lerning_rate: unknown option',
    ]);
    expect(
      errorsOf({
        warmup_steps: 3,
        stages: [
          { name: 'x', steps: 2 },
          { name: 'y', steps: 3 },
        ],
      }),
    ).toEqual(['stages.0 (x): warmup_steps: must be <= max_steps (2) (got 3)']);
    expect(errorsOf({ stages: [] })[0]).toMatch(/^stages: needs at least 1 entry/);
    expect(errorsOf({ stages: [{ name: 'x' }] })[0]).toMatch(
      /^stages\.0\.steps: must be a number \(got missing\)/,
    );
    expect(
      errorsOf({
        stages: [
          { name: 'x', steps: 1 },
          { name: 'x', steps: 1 },
        ],
      }),
    ).toEqual(['stages.1.name: is used twice (got "x")']);
  });

  it('labels and stage names must be metric-name segments', () => {
    expect(errorsOf({ eval_tasks: [{ label: 'a/b', task: { name: 'addition' } }] })[0]).toMatch(
      /^eval_tasks\.0\.label: must be 1 to 32 letters, digits, _ or -/,
    );
    expect(errorsOf({ stages: [{ name: 'two words', steps: 1 }] })[0]).toMatch(
      /^stages\.0\.name: must be 1 to 32/,
    );
    expect(
      errorsOf({
        eval_tasks: [
          { label: 'x', task: { name: 'addition' } },
          { label: 'x', task: { name: 'sorting' } },
        ],
      }),
    ).toEqual(['eval_tasks.1.label: is used twice (got "x")']);
    expect(errorsOf({ eval_tasks: [{ label: 'x', task: { name: 'nope' } }] })[0]).toMatch(
      /^eval_tasks\.0\.task/,
    );
    // a run loads one dataset's rows: its own task's
    const data = { name: 'dataset' as const, source: 'a.jsonl' };
    expect(errorsOf({ eval_tasks: [{ label: 'd', task: data }] })[0]).toMatch(
      /^eval_tasks\.0\.task: a dataset task must be the run's own task/,
    );
    expect(errorsOf({ stages: [{ name: 's', steps: 1, task: data }] })[0]).toMatch(
      /^stages\.0 \(s\): task: a dataset task must be the run's own task/,
    );
    expect(parseRunConfig({ task: data, eval_tasks: [{ label: 'd', task: data }] }).ok).toBe(true);
  });

  it('travel in share links and through --set', () => {
    const c = resolveRunConfig({
      algorithm: 'sft',
      stages: TWO,
      eval_tasks: [{ label: 'add', task: { name: 'addition' } }],
    });
    const decoded = decodeSharePayload(encodeSharePayload(c));
    expect(decoded.ok).toBe(true);
    const back = decoded.ok ? parseRunConfig(decoded.payload.config) : null;
    expect(back?.ok && JSON.stringify(back.config)).toBe(JSON.stringify(c));

    let partial = setByPath<PartialRunConfig>({ algorithm: 'sft' }, `stages=${JSON.stringify(TWO)}`);
    partial = setByPath(partial, 'eval_tasks=[{"label":"add","task":{"name":"addition"}}]');
    expect(JSON.stringify(resolveRunConfig(partial))).toBe(JSON.stringify(c));
  });
});
