/**
 * `stages` and `eval_tasks` in the RunConfig (docs/ALGORITHMS.md "Stages (`stages`) and extra
 * evaluations (`eval_tasks`)"): their zod pieces, and how each stage resolves like a fresh RunConfig
 * (the run's resolved config, then the stage's `algorithm` defaults, then its other overrides). The
 * resolved run config holds every stage fully resolved (every overridable key), so config.json shows
 * what each stage ran and re-parsing it gives the same config (a resume compares the two).
 */

import { z } from 'zod';
import { taskOptions } from '../tasks/options';

/** A label or stage name: one metric-name segment (`eval/<label>/pass@1`). */
const SEGMENT = /^[A-Za-z0-9_-]{1,32}$/;
const SEGMENT_RULE = 'must be 1 to 32 letters, digits, _ or - (it becomes part of metric names)';

/** Keys a stage may not override: they hold for the whole run. */
export const STAGE_REFUSED_KEYS = [
  'seed',
  'model',
  'lora',
  'kernel_variants',
  'eval_tasks',
  'stages',
  'schema_version',
  'max_steps',
] as const;

/** Why a refused key is refused, for the error message. */
const REFUSED_WHY: Record<(typeof STAGE_REFUSED_KEYS)[number], string> = {
  seed: 'the seed holds for the whole run',
  model: 'the model holds for the whole run (a stage continues from the weights the last one left)',
  lora: 'LoRA adapters hold for the whole run',
  kernel_variants: 'kernel variants hold for the whole run',
  eval_tasks: 'eval_tasks holds for the whole run; set it at the top level',
  stages: 'stages do not nest',
  schema_version: 'the schema version is the run config’s',
  max_steps: 'a stage’s length is its `steps`',
};

export const stageEntry = z
  .looseObject({
    name: z.string().regex(SEGMENT, SEGMENT_RULE).describe('Stage name (shown in progress lines)'),
    steps: z.int().min(1).describe('Steps of this stage'),
  })
  .describe('One stage: name, steps, then any RunConfig options it overrides');

export const stagesOption = z
  .array(stageEntry)
  .min(1)
  .max(16)
  .nullable()
  .describe(
    'Stages run one after another in one run, [{name, steps, ...overrides}] (optimizer, baseline and reference reset at each); max_steps = the sum of steps; null = one stage, this config',
  );

export const evalTaskEntry = z.strictObject({
  label: z.string().regex(SEGMENT, SEGMENT_RULE).describe('Metric segment: eval/<label>/pass@1'),
  task: taskOptions,
});

export const evalTasksOption = z
  .array(evalTaskEntry)
  .max(8)
  .describe(
    'More tasks evaluated at every evaluation on their own held-out prompts, [{label, task}], logged as eval/<label>/pass@1, pass@k, greedy, reward',
  );

/** What a stage entry overrides: every key but name and steps. */
export function stageOverrides(entry: Record<string, unknown>): Record<string, unknown> {
  const { name: _name, steps: _steps, ...over } = entry;
  return over;
}

/** One message per refused key a stage sets, naming the stage and the key. */
export function refusedStageKeys(entry: Record<string, unknown>, index: number): string[] {
  return STAGE_REFUSED_KEYS.filter((k) => entry[k] !== undefined).map(
    (k) => `${stageLabel(entry, index)}: ${k} cannot be set in a stage (${REFUSED_WHY[k]})`,
  );
}

/** `stages.1 (rl)`: how messages name a stage. */
export function stageLabel(entry: { name?: unknown }, index: number): string {
  return `stages.${index}${typeof entry.name === 'string' ? ` (${entry.name})` : ''}`;
}

/**
 * Why a task other than the run's own cannot be used (stages, eval_tasks), or null: a run loads the
 * rows of one dataset, its top-level task's.
 */
export function otherDatasetProblem(
  task: { name: string; source?: unknown },
  run: { name: string; source?: unknown },
): string | null {
  if (task.name !== 'dataset') return null;
  if (run.name === 'dataset' && run.source === task.source) return null;
  return `a dataset task must be the run's own task (same source): a run loads one dataset's rows; make it the top-level task`;
}
