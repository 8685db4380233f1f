/**
 * Every metric a preset card or the teacher's guide names is drawn by the default charts of that card's
 * algorithm, every glossary entry is a metric some chart or the picker can show, and "More charts"
 * offers exactly the logged numeric keys no chart draws.
 */
import { describe, expect, it } from 'vitest';
import { PRESETS, resolveRunConfig } from '../../../engine/config/index.js';
import { ALGORITHMS } from '../../../engine/config/schema.js';
import { QUESTIONS } from '../TeacherGuide.js';
import {
  chartForMetric,
  defaultCharts,
  moreChartChoices,
  optionCharts,
  presenterCharts,
  withEvalTasks,
} from './chart-sets.js';
import { METRIC_GLOSSARY } from './glossary.js';

const drawn = (algorithm: (typeof ALGORITHMS)[number]) =>
  new Set(defaultCharts(algorithm).flatMap((c) => [...c.metrics, ...(c.band ? [c.band] : [])]));

/** Metric names (the glossary's, which the lab explains) that a text mentions. */
const mentioned = (text: string) =>
  Object.keys(METRIC_GLOSSARY).filter((m) =>
    new RegExp(`(^|[^\\w/@-])${m.replace(/[.*+?^${}()|[\]\\/@]/g, '\\$&')}($|[^\\w/@])`).test(text),
  );

describe('chart sets', () => {
  it('each card draws every metric its text or its guide questions name', () => {
    let checked = 0;
    for (const preset of PRESETS) {
      const config = resolveRunConfig(preset.config);
      const { algorithm } = config;
      const text = [preset.description, ...(QUESTIONS[preset.name] ?? [])].join(' ');
      const charts = new Set([...drawn(algorithm), ...optionCharts(config).flatMap((c) => c.metrics)]);
      for (const m of mentioned(text)) {
        expect(charts.has(m), `${preset.name} (${algorithm}) names ${m}`).toBe(true);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(5);
  });

  it('algorithm-specific metrics are on their algorithm’s charts', () => {
    expect(drawn('ppo').has('value_loss')).toBe(true);
    expect(drawn('grpo').has('value_loss')).toBe(false);
    expect(drawn('dapo').has('dynamic_sampling/groups_kept')).toBe(true);
    expect(drawn('rft').has('rft/kept_fraction')).toBe(true);
    expect(drawn('sft').has('sft/anchor_kl')).toBe(true);
    expect(drawn('rft').has('sft/anchor_kl')).toBe(true);
    expect(drawn('sft').has('sft/self_fraction')).toBe(true);
    expect(optionCharts({ algorithm: 'grpo', freeze: { fraction: 0.5 } }).map((c) => c.title)).toEqual([
      'freeze/fraction',
    ]);
    expect(optionCharts({ algorithm: 'grpo', sft_targets: 'self_when_correct' }).map((c) => c.title)).toEqual(
      ['sft/self_fraction'],
    );
    expect(optionCharts({ algorithm: 'grpo', freeze: null, sft_targets: 'gold' })).toEqual([]);
    expect(
      optionCharts({ algorithm: 'grpo', prefix_sampling: { fraction: 0.5 } }).flatMap((c) => c.metrics),
    ).toEqual(['prefix/fraction', 'prefix/mean_ratio']);
    expect(optionCharts({ algorithm: 'grpo', relift: { batch: null } }).flatMap((c) => c.metrics)).toEqual([
      'relift/buffer',
      'relift/sft_steps',
      'relift/sft_loss',
    ]);
    expect(drawn('sft').has('reward')).toBe(false);
    for (const a of ALGORITHMS) {
      for (const m of ['eval/pass@1', 'eval/pass@8', 'eval/greedy', 'grad_norm', 'learning_rate'])
        expect(drawn(a).has(m), `${a}: ${m}`).toBe(true);
      expect(presenterCharts(a).length).toBe(4);
    }
    const passK = defaultCharts('grpo').find((c) => c.title === 'eval/pass@k');
    expect(passK?.startLines).toBe(true);
  });

  it('“More charts” offers the logged numbers no chart draws, and any of them becomes a chart', () => {
    const rows = [
      { step: 0, reward: 0.5, reward_std: 0.1, 'timing/train': 0.2, note: 'text', dispatches: 300 },
      { step: 1, reward: 0.6, 'timing/generate': 0.1, 'eval/pass@1': 0.2 },
    ];
    expect(moreChartChoices(rows, defaultCharts('grpo'))).toEqual([
      'dispatches',
      'timing/generate',
      'timing/train',
    ]);
    expect(chartForMetric('timing/train')).toEqual({ title: 'timing/train', metrics: ['timing/train'] });
    expect(chartForMetric('value_loss').title).toBe('value_loss');
  });

  it('eval_tasks labels draw eval/<label>/pass@1 on the eval/pass@1 chart, nothing else changes', () => {
    const base = defaultCharts('grpo');
    expect(withEvalTasks(base, [])).toBe(base);
    const charts = withEvalTasks(base, ['add', 'rev']);
    expect(charts.find((c) => c.title === 'eval/pass@1')?.metrics).toEqual([
      'eval/pass@1',
      'eval/add/pass@1',
      'eval/rev/pass@1',
    ]);
    expect(charts.filter((c) => c.title !== 'eval/pass@1')).toEqual(
      base.filter((c) => c.title !== 'eval/pass@1'),
    );
  });
});
