import { describe, expect, it } from 'vitest';
import { parseRunConfig } from '../../engine/config/resolve.js';
import type { RunConfig } from '../../engine/config/schema.js';
import { armConfig } from '../../engine/experiments/runner.js';
import type { TrainedArm } from '../../engine/experiments/types.js';
import { experimentFragment, readExperimentLink } from '../share/experiment-link.js';
import { type ArmMetrics, experimentMetricsCsv, experimentMetricsJsonl } from './export.js';
import { AS_RUN, parseOptionValue, resolveSpec, varyChoices, varyOneOption } from './spec.js';

function config(extra: Record<string, unknown> = {}): RunConfig {
  const r = parseRunConfig({ model: { name: 'smoke', overrides: {} }, max_steps: 3, seed: 7, ...extra });
  if (!r.ok) throw new Error(r.errors.join('; '));
  return r.config;
}

describe('vary one option', () => {
  it('builds a two-arm experiment: the run as it was and the run with one option changed', () => {
    const c = config();
    const v = varyOneOption(c, 'learning_rate', 0.05);
    if (!v.ok) throw new Error(v.error);
    const e = v.experiment;
    expect(e.arms.map((a) => a.label)).toEqual([AS_RUN, 'learning_rate=0.05']);
    expect(e.judge).toEqual({ kind: 'pair', a: 'learning_rate=0.05', b: AS_RUN, direction: 1 });
    expect(e.metric).toBe('eval/pass@1');
    expect(e.claim).toMatch(/the question asked, not a paper's claim/);
    // each arm's config is the run's own, the changed one differing in that option only
    const [asRun, changed] = e.arms.map((a) => armConfig(e, a as TrainedArm, 'full', c.seed));
    expect(asRun).toEqual(c);
    expect(changed).toEqual({ ...c, learning_rate: 0.05 });
    const r = resolveSpec({ kind: 'vary', config: c, key: 'learning_rate', value: 0.05 });
    expect(r.ok && [r.scale, r.seed, r.experiment.scales.full.steps]).toEqual(['full', 7, 3]);
  });

  it('refuses what cannot be an experiment, saying why', () => {
    const c = config();
    const err = (r: { ok: boolean; error?: string }) => (r.ok ? 'accepted' : r.error);
    expect(err(varyOneOption(c, 'seed', 3))).toMatch(/not an option/);
    expect(err(varyOneOption(c, 'max_steps', 9))).toMatch(/not an option/);
    expect(err(varyOneOption(c, 'learning_rate', c.learning_rate))).toMatch(/already/);
    expect(err(varyOneOption(c, 'algorithm', 'nope'))).toMatch(/algorithm/);
    expect(varyChoices(c).map((x) => x.key)).toContain('learning_rate');
    expect(varyChoices(c).every((x) => !['seed', 'max_steps', 'schema_version'].includes(x.key))).toBe(true);
  });

  it('reads a new value as the type of the old one', () => {
    expect(parseOptionValue(0.1, ' 0.5 ')).toEqual({ ok: true, value: 0.5 });
    expect(parseOptionValue(0.1, 'x').ok).toBe(false);
    expect(parseOptionValue(0.1, '').ok).toBe(false);
    expect(parseOptionValue(true, 'false')).toEqual({ ok: true, value: false });
    expect(parseOptionValue(true, 'no').ok).toBe(false);
    expect(parseOptionValue('grpo', 'ppo')).toEqual({ ok: true, value: 'ppo' });
  });
});

describe('experiment share links', () => {
  it('round-trip a declared experiment and a vary-one-option one', () => {
    const declared = { kind: 'registry', name: 'dft', scale: 'quick', seed: 3 } as const;
    expect(experimentFragment(declared)).toBe('#experiment=dft&scale=quick&seed=3');
    expect(readExperimentLink(experimentFragment(declared))).toEqual({ ok: true, spec: declared });
    const c = config();
    for (const [key, value] of [
      ['learning_rate', 0.05],
      ['algorithm', 'rloo'],
      ['scale_rewards', false],
    ] as const) {
      const vary = { kind: 'vary', config: c, key, value } as const;
      expect(readExperimentLink(experimentFragment(vary))).toEqual({ ok: true, spec: vary });
    }
    expect(readExperimentLink('#c=abc')).toBe(null);
    expect(readExperimentLink('')).toBe(null);
  });

  it('refuse broken links with the reason', () => {
    const cases: [string, RegExp][] = [
      ['#experiment=nope', /names no experiment.*"nope"/],
      ['#experiment=dft&scale=huge', /scale "huge"/],
      ['#experiment=dft&seed=-1', /seed "-1"/],
      ['#experiment=vary&key=learning_rate', /lacks/],
      ['#experiment=vary&key=learning_rate&type=number&value=1&base=AAAA', /run could not be read/],
      [
        `#experiment=vary&key=learning_rate&type=number&value=abc&base=${new URLSearchParams(experimentFragment({ kind: 'vary', config: config(), key: 'learning_rate', value: 1 }).slice(1)).get('base')}`,
        /not a number/,
      ],
    ];
    for (const [hash, why] of cases) {
      const r = readExperimentLink(hash);
      if (!r || r.ok) throw new Error(`accepted ${hash}`);
      expect(r.error, hash).toMatch(why);
    }
  });
});

describe('export of all arms', () => {
  const arms: ArmMetrics[] = [
    {
      label: 'a',
      metrics: [
        { step: 0, reward: 0.5 },
        { step: 1, reward: 1, 'eval/pass@1': 0.25 },
      ],
    },
    { label: 'b,c', metrics: [{ step: 0, reward: 0 }] },
  ];
  it('writes one CSV with an arm column and one JSONL with an arm field', () => {
    expect(experimentMetricsCsv(arms)).toBe(
      'arm,step,eval/pass@1,reward\na,0,,0.5\na,1,0.25,1\n"b,c",0,,0\n',
    );
    expect(
      experimentMetricsJsonl(arms)
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual([
      { arm: 'a', step: 0, reward: 0.5 },
      { arm: 'a', step: 1, reward: 1, 'eval/pass@1': 0.25 },
      { arm: 'b,c', step: 0, reward: 0 },
    ]);
  });
});
