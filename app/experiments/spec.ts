/**
 * What the lab's Experiments gallery runs, as data a share link can carry: a declared experiment
 * (engine/experiments/registry.ts) at a scale and seed, or "vary one option" of a run (its config as
 * it was, and the same with one top-level option changed). `resolveSpec` turns either into the
 * engine's Experiment for the worker; `varyOneOption` builds the ad-hoc two-arm one. Pure functions.
 */
import { parseRunConfig } from '../../engine/config/resolve.js';
import type { RunConfig } from '../../engine/config/schema.js';
import { EXPERIMENTS, experimentProblems } from '../../engine/experiments/registry.js';
import { type Experiment, SCALES, type Scale } from '../../engine/experiments/types.js';

export type ExperimentSpec =
  | { kind: 'registry'; name: string; scale: Scale; seed: number }
  | { kind: 'vary'; config: RunConfig; key: string; value: string | number | boolean };

export type Resolved =
  | { ok: true; experiment: Experiment; scale: Scale; seed: number }
  | { ok: false; error: string };

/** The label of the unchanged arm of a vary-one-option experiment. */
export const AS_RUN = 'as run';

/** Options a vary-one-option experiment may change: top-level numbers, strings and booleans. */
export function varyChoices(config: RunConfig): { key: string; value: string | number | boolean }[] {
  // the runner sets seed and max_steps itself; schema_version is not an option
  const fixed = new Set(['schema_version', 'seed', 'max_steps']);
  return Object.entries(config)
    .filter(
      (e): e is [string, string | number | boolean] =>
        !fixed.has(e[0]) && ['number', 'string', 'boolean'].includes(typeof e[1]),
    )
    .map(([key, value]) => ({ key, value }))
    .sort((a, b) => a.key.localeCompare(b.key));
}

/** `text` read as a value of the same type as `current` (a number, true/false, or text). */
export function parseOptionValue(
  current: string | number | boolean,
  text: string,
): { ok: true; value: string | number | boolean } | { ok: false; error: string } {
  const t = text.trim();
  if (typeof current === 'number') {
    const n = Number(t);
    if (t === '' || !Number.isFinite(n)) return { ok: false, error: `"${text}" is not a number` };
    return { ok: true, value: n };
  }
  if (typeof current === 'boolean') {
    if (t === 'true' || t === 'false') return { ok: true, value: t === 'true' };
    return { ok: false, error: `"${text}" is not true or false` };
  }
  return { ok: true, value: text };
}

const show = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : String(v));

/** The changed arm's label: `key=value`. */
export function changedLabel(key: string, value: string | number | boolean): string {
  return `${key}=${typeof value === 'string' ? value : String(value)}`;
}

/**
 * A two-arm experiment from a run's config: "as run" and `key=value`, each trained for the run's
 * max_steps from the same seed, judged on held-out eval/pass@1 with direction +1. The direction is
 * the question asked (does the change help?), not a paper's claim.
 */
export function varyOneOption(
  config: RunConfig,
  key: string,
  value: string | number | boolean,
): { ok: true; experiment: Experiment } | { ok: false; error: string } {
  const current = (config as unknown as Record<string, unknown>)[key];
  if (!varyChoices(config).some((c) => c.key === key))
    return { ok: false, error: `"${key}" is not an option a vary-one-option experiment can change` };
  if (current === value) return { ok: false, error: `${key} is already ${show(value)} in this run` };
  const changed = parseRunConfig({ ...config, [key]: value });
  if (!changed.ok) return { ok: false, error: `${key} = ${show(value)}: ${changed.errors.join('; ')}` };
  const label = changedLabel(key, value);
  const experiment: Experiment = {
    name: `vary ${key}`,
    claim: `${key} = ${show(value)} gives a higher held-out pass@1 than the run as it was (${key} = ${show(current)}); the direction is the question asked, not a paper's claim.`,
    papers: [],
    metric: 'eval/pass@1',
    judge: { kind: 'pair', a: label, b: AS_RUN, direction: 1 },
    base: config as unknown as Experiment['base'],
    scales: { quick: { steps: config.max_steps }, full: { steps: config.max_steps } },
    arms: [
      { label: AS_RUN, config: {} },
      { label, config: { [key]: value } as Experiment['base'] },
    ],
  };
  const problems = experimentProblems(experiment);
  if (problems.length > 0) return { ok: false, error: problems.join('; ') };
  return { ok: true, experiment };
}

export function findDeclared(name: string): Experiment | undefined {
  return EXPERIMENTS.find((e) => e.name === name);
}

/** The engine's Experiment, scale and seed a spec names, or why there is none. */
export function resolveSpec(spec: ExperimentSpec): Resolved {
  if (spec.kind === 'registry') {
    const e = findDeclared(spec.name);
    if (!e)
      return {
        ok: false,
        error: `there is no experiment "${spec.name}" (the experiments are ${EXPERIMENTS.map((x) => x.name).join(', ')})`,
      };
    if (!(SCALES as readonly string[]).includes(spec.scale))
      return { ok: false, error: `scale must be one of ${SCALES.join(', ')} (got ${spec.scale})` };
    if (!(Number.isInteger(spec.seed) && spec.seed >= 0))
      return { ok: false, error: `the seed must be a whole number from 0 (got ${spec.seed})` };
    return { ok: true, experiment: e, scale: spec.scale, seed: spec.seed };
  }
  const v = varyOneOption(spec.config, spec.key, spec.value);
  if (!v.ok) return v;
  // full scale: the run's own config, untouched by QUICK_SCALE
  return { ok: true, experiment: v.experiment, scale: 'full', seed: spec.config.seed };
}

/** A short title of a spec: the experiment's name, or `vary key`. */
export function specTitle(spec: ExperimentSpec): string {
  return spec.kind === 'registry' ? spec.name : `vary ${spec.key}`;
}
