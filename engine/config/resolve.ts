/**
 * From what a user wrote (a preset's partial config, a config file, a share link, `--set`
 * assignments) to one validated RunConfig: shared defaults, then the algorithm's defaults, then the
 * user's values; errors name the field, say why and show what was given.
 */

import type { z } from 'zod';
import { MAX_JSON_DEPTH, nestedDeeperThan } from '../json-depth';
import type { TaskOptions } from '../tasks/options';
import { ALGORITHM_DEFAULTS, LORA_DEFAULTS, PREFIX_SAMPLING_DEFAULTS, SHARED_DEFAULTS } from './defaults';
import { ALGORITHMS, type Algorithm, RUN_CONFIG_KEYS, type RunConfig, runConfigSchema } from './schema';
import {
  otherDatasetProblem,
  refusedStageKeys,
  STAGE_REFUSED_KEYS,
  stageLabel,
  stageOverrides,
} from './stages';

type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/** What users write: any subset of RunConfig (the task may give only some of its options). */
export type PartialRunConfig = Omit<DeepPartial<RunConfig>, 'task' | 'eval_tasks' | 'stages'> & {
  task?: DeepPartial<TaskOptions>;
  eval_tasks?: { label: string; task: DeepPartial<TaskOptions> }[];
  /** Each stage: name, steps, then any options it overrides (engine/config/stages.ts). */
  stages?: ({ name: string; steps: number } & Record<string, unknown>)[] | null;
};

export type ParseResult = { ok: true; config: RunConfig } | { ok: false; errors: string[] };

export class RunConfigError extends Error {
  constructor(readonly errors: string[]) {
    super(`invalid RunConfig:\n  ${errors.join('\n  ')}`);
    this.name = 'RunConfigError';
  }
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Objects merge key by key; arrays, null and scalars replace. Undefined values are ignored. */
function deepMerge(base: unknown, over: unknown): unknown {
  if (over === undefined) return structuredClone(base);
  if (!isPlainObject(base) || !isPlainObject(over)) return structuredClone(over);
  const out: Record<string, unknown> = structuredClone(base);
  for (const [k, v] of Object.entries(over)) out[k] = deepMerge(base[k], v);
  return out;
}

/** Defaults for `algorithm`, with user values on top; a task of another name starts from its own defaults. */
function withDefaults(input: Record<string, unknown>): Record<string, unknown> {
  const algorithm = (ALGORITHMS as readonly unknown[]).includes(input.algorithm)
    ? (input.algorithm as Algorithm)
    : SHARED_DEFAULTS.algorithm;
  const base = deepMerge(SHARED_DEFAULTS, ALGORITHM_DEFAULTS[algorithm]) as Record<string, unknown>;
  if (
    isPlainObject(input.task) &&
    input.task.name !== undefined &&
    input.task.name !== SHARED_DEFAULTS.task.name
  ) {
    base.task = { name: input.task.name };
  }
  if (isPlainObject(input.lora)) base.lora = structuredClone(LORA_DEFAULTS);
  if (isPlainObject(input.relift)) base.relift = { batch: null };
  if (isPlainObject(input.prefix_sampling)) base.prefix_sampling = { ...PREFIX_SAMPLING_DEFAULTS };
  return deepMerge(base, input) as Record<string, unknown>;
}

function show(value: unknown): string {
  if (value === undefined) return 'missing';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const key of path) {
    if (typeof v !== 'object' || v === null) return undefined;
    v = (v as Record<PropertyKey, unknown>)[key as string];
  }
  return v;
}

function describeType(expected: string): string {
  const noun = expected === 'int' ? 'integer' : expected === 'record' ? 'object' : expected;
  return `${/^[aeiou]/.test(noun) ? 'an' : 'a'} ${noun}`;
}

/** One readable line per zod issue: "num_generations: must be >= 2 (got 1)". */
export function formatIssues(issues: readonly z.core.$ZodIssue[], input: unknown): string[] {
  const lines: string[] = [];
  for (const issue of issues) {
    const path = issue.path.map(String).join('.');
    const got = ` (got ${show(valueAt(input, issue.path))})`;
    switch (issue.code) {
      case 'too_small':
        if (issue.origin === 'string' || issue.origin === 'array') {
          const unit = issue.origin === 'string' ? 'character' : 'entry';
          lines.push(
            `${path}: needs at least ${issue.minimum} ${unit}${issue.minimum === 1 ? '' : 's'}${got}`,
          );
        } else {
          lines.push(`${path}: must be ${issue.inclusive ? '>=' : '>'} ${issue.minimum}${got}`);
        }
        break;
      case 'too_big':
        lines.push(`${path}: must be ${issue.inclusive ? '<=' : '<'} ${issue.maximum}${got}`);
        break;
      case 'invalid_type':
        lines.push(`${path}: must be ${describeType(issue.expected)}${got}`);
        break;
      case 'invalid_value':
        lines.push(`${path}: must be one of ${issue.values.map((v) => String(v)).join(', ')}${got}`);
        break;
      case 'invalid_union':
        if ('options' in issue && Array.isArray(issue.options)) {
          lines.push(`${path}: must be one of ${issue.options.join(', ')}${got}`);
        } else {
          lines.push(`${path}: ${issue.message}${got}`);
        }
        break;
      case 'unrecognized_keys':
        for (const key of issue.keys) lines.push(`${path ? `${path}.` : ''}${key}: unknown option`);
        break;
      case 'invalid_format':
      case 'custom':
      case 'invalid_key':
      case 'invalid_element':
      case 'not_multiple_of':
        lines.push(`${path}: ${issue.message}${got}`);
        break;
      default:
        lines.push(`${path}: ${(issue as { message: string }).message}${got}`);
    }
  }
  return lines;
}

/** Validates anything (a parsed config file, a decoded share link), applying defaults first. */
export function parseRunConfig(input: unknown): ParseResult {
  if (!isPlainObject(input)) return { ok: false, errors: [`config: must be an object (got ${show(input)})`] };
  // the merge, zod and show() recurse: a value nested thousands deep would overflow the stack
  if (nestedDeeperThan(input, MAX_JSON_DEPTH))
    return {
      ok: false,
      errors: [
        `config: nested more than ${MAX_JSON_DEPTH} levels deep; a RunConfig nests a few levels at most`,
      ],
    };
  const merged = withDefaults(input);
  // a staged run's length is its stages' (docs/ALGORITHMS.md "Stages")
  const stageSteps = Array.isArray(merged.stages)
    ? merged.stages.map((s) => (isPlainObject(s) ? s.steps : undefined))
    : [];
  if (stageSteps.length > 0 && stageSteps.every((n) => Number.isInteger(n) && (n as number) >= 1))
    merged.max_steps = (stageSteps as number[]).reduce((a, b) => a + b, 0);
  const result = runConfigSchema.safeParse(merged);
  if (!result.success) return { ok: false, errors: formatIssues(result.error.issues, merged) };
  if (!result.data.stages) return { ok: true, config: result.data };
  return resolveStages(result.data);
}

/** The keys a resolved stage entry holds besides name and steps, in schema order. */
const STAGE_KEYS = RUN_CONFIG_KEYS.filter((k) => !(STAGE_REFUSED_KEYS as readonly string[]).includes(k));

/**
 * Resolves each stage like a fresh RunConfig: the run's config, then the stage's `algorithm` defaults,
 * then its other overrides (a task of another name starts from its own defaults), validated with the
 * stage named in every message. The config returned holds each stage fully resolved.
 */
function resolveStages(config: RunConfig): ParseResult {
  const errors: string[] = [];
  const run = { ...config, stages: null };
  const resolved: Record<string, unknown>[] = [];
  (config.stages ?? []).forEach((entry, i) => {
    const label = stageLabel(entry, i);
    const refused = refusedStageKeys(entry, i);
    if (refused.length > 0) {
      errors.push(...refused);
      return;
    }
    const over = stageOverrides(entry);
    let base: Record<string, unknown> = structuredClone(run);
    if ((ALGORITHMS as readonly unknown[]).includes(over.algorithm))
      base = deepMerge(base, ALGORITHM_DEFAULTS[over.algorithm as Algorithm]) as Record<string, unknown>;
    if (isPlainObject(over.task) && over.task.name !== undefined && over.task.name !== config.task.name)
      base.task = { name: over.task.name };
    const merged = deepMerge(base, over) as Record<string, unknown>;
    merged.max_steps = entry.steps;
    const r = runConfigSchema.safeParse(merged);
    if (!r.success) {
      errors.push(...formatIssues(r.error.issues, merged).map((line) => `${label}: ${line}`));
      return;
    }
    const c = r.data;
    const dataset = otherDatasetProblem(c.task, config.task);
    if (dataset) errors.push(`${label}: task: ${dataset}`);
    const out: Record<string, unknown> = { name: entry.name, steps: entry.steps };
    for (const k of STAGE_KEYS) out[k] = c[k];
    resolved.push(out);
  });
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, config: { ...config, stages: resolved as RunConfig['stages'] } };
}

/**
 * The RunConfig each stage runs (max_steps its steps, stages null): one, the config itself, for a run
 * without stages. `config` must be parsed (its stages resolved).
 */
export function stageConfigs(config: RunConfig): RunConfig[] {
  if (!config.stages) return [config];
  return config.stages.map((entry) => ({
    ...config,
    ...(stageOverrides(entry) as Partial<RunConfig>),
    max_steps: entry.steps,
    stages: null,
  }));
}

/** Defaults for the partial's algorithm, then its values; throws RunConfigError listing every problem. */
export function resolveRunConfig(partial: PartialRunConfig = {}): RunConfig {
  const r = parseRunConfig(partial);
  if (!r.ok) throw new RunConfigError(r.errors);
  return r.config;
}

/** `'1e-3'` -> 0.001, `'true'` -> true, `'null'` -> null, `'[1,2]'` -> array, `'cosine'` -> 'cosine'. */
function parseValue(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * The CLI's `--set key=value`: returns a copy of `config` with the value at the dotted path set
 * (JSON when it parses, else the raw string). Setting `task.name` to another task drops the old
 * task's options. Works on partial and resolved configs; validation is resolveRunConfig's job.
 * setByPath(c, 'model.overrides.n_layer=2'), setByPath(c, 'reward_weights=[1,0.5]').
 */
export function setByPath<T extends object>(config: T, assignment: string): T {
  const eq = assignment.indexOf('=');
  if (eq <= 0) throw new Error(`--set expects key=value (got ${JSON.stringify(assignment)})`);
  const path = assignment.slice(0, eq).trim().split('.');
  const value = parseValue(assignment.slice(eq + 1));
  if (!(RUN_CONFIG_KEYS as string[]).includes(path[0])) {
    throw new Error(`--set ${path[0]}: unknown option (options: ${RUN_CONFIG_KEYS.join(', ')})`);
  }
  if (path.some((p) => p === '' || p === '__proto__' || p === 'constructor' || p === 'prototype')) {
    throw new Error(`--set ${path.join('.')}: bad path`);
  }
  const out = structuredClone(config) as Record<string, unknown>;
  if (path.length === 2 && path[0] === 'task' && path[1] === 'name') {
    const task = isPlainObject(out.task) ? out.task : {};
    if (task.name !== value) out.task = { name: value };
    return out as T;
  }
  let node: Record<string, unknown> = out;
  for (const key of path.slice(0, -1)) {
    if (!isPlainObject(node[key]) && !Array.isArray(node[key])) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]] = value;
  return out as T;
}
