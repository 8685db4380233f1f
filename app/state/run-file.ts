/**
 * The whole-run export file (`<name>.tabrl.json`) and the metric exports (CSV, JSON). A run file is
 * `{format: "tabrl-run", version: 1, name, created_at, config, metrics: StepMetrics[], samples:
 * StepSamples[]}` with docs/DESIGN.md's metric and sample rows; importing validates it with zod and gives
 * back the same numbers (JSON round-trips float64 exactly). Non-finite metrics are written as null.
 */
import { z } from 'zod';
import { MAX_JSON_DEPTH, nestedDeeperThan } from '../../engine/json-depth.js';
import type { StepMetrics, StepSamples } from '../../engine/train/session-types.js';

export const RUN_FILE_FORMAT = 'tabrl-run';
export const RUN_FILE_VERSION = 1;

export interface RunFile {
  format: typeof RUN_FILE_FORMAT;
  version: typeof RUN_FILE_VERSION;
  name: string;
  created_at: string;
  config: unknown;
  metrics: StepMetrics[];
  samples: StepSamples[];
}

const finiteOrNull = z.union([z.number(), z.null()]);
const metricRowSchema = z
  .object({ step: z.number().int().nonnegative() })
  .catchall(finiteOrNull)
  .transform((row) => {
    const out: Record<string, number> = {};
    for (const [k, v] of Object.entries(row)) out[k] = v === null ? Number.NaN : v;
    return out as StepMetrics;
  });

const completionSchema = z.object({
  text: z.string(),
  reward: z.number(),
  rewards: z.record(z.string(), z.number()),
  advantage: z.number(),
  length: z.number(),
  truncated: z.boolean(),
  tokens: z.array(z.number()),
  logprobs: z.array(z.number()),
  entropies: z.array(z.number()),
  pieces: z.array(z.string()).optional(),
});

const samplesSchema = z.object({
  step: z.number().int().nonnegative(),
  groups: z.array(
    z.object({
      prompt: z.string(),
      rendered_prompt: z.string().optional(),
      completions: z.array(completionSchema),
    }),
  ),
});

const runFileSchema = z.object({
  format: z.literal(RUN_FILE_FORMAT),
  version: z.literal(RUN_FILE_VERSION),
  name: z.string().max(200),
  created_at: z.string(),
  config: z.unknown(),
  metrics: z.array(metricRowSchema),
  samples: z.array(samplesSchema),
});

export function buildRunFile(run: {
  name: string;
  createdAt: number;
  config: unknown;
  metrics: readonly StepMetrics[];
  samples: readonly StepSamples[];
}): RunFile {
  return {
    format: RUN_FILE_FORMAT,
    version: RUN_FILE_VERSION,
    name: run.name,
    created_at: new Date(run.createdAt).toISOString(),
    config: run.config,
    metrics: run.metrics.slice(),
    samples: run.samples.slice(),
  };
}

/** JSON text of a run file; NaN and ±Infinity become null (JSON has no spelling for them). */
export function serializeRunFile(file: RunFile): string {
  return JSON.stringify(file, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v));
}

export type RunFileParse = { ok: true; file: RunFile } | { ok: false; error: string };

/** Parses and validates an imported run file; the error names the first wrong field. */
export function parseRunFile(text: string): RunFileParse {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, error: 'This file is not JSON: is it a .tabrl.json run export?' };
  }
  // saving the run (IndexedDB's structured clone) and the charts recurse into it
  if (nestedDeeperThan(value, MAX_JSON_DEPTH))
    return {
      ok: false,
      error: `Not a TabRL run file: it nests more than ${MAX_JSON_DEPTH} levels deep (a run export nests under 10)`,
    };
  const r = runFileSchema.safeParse(value);
  if (!r.success) {
    const issue = r.error.issues[0];
    const where = issue.path.length > 0 ? issue.path.join('.') : 'the file';
    return { ok: false, error: `Not a TabRL run file: ${where}: ${issue.message}` };
  }
  return { ok: true, file: r.data as RunFile };
}

function csvCell(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? '' : String(value);
}

/** Metrics as CSV: one column per metric seen in any row (`step` first, then sorted), one row per step. */
export function metricsToCsv(rows: readonly StepMetrics[]): string {
  const keys = new Set<string>();
  for (const row of rows) for (const k of Object.keys(row)) if (k !== 'step') keys.add(k);
  const columns = ['step', ...[...keys].sort()];
  const quote = (name: string) => (/[",\n]/.test(name) ? `"${name.replace(/"/g, '""')}"` : name);
  const lines = [columns.map(quote).join(',')];
  for (const row of rows) lines.push(columns.map((c) => csvCell(row[c])).join(','));
  return `${lines.join('\n')}\n`;
}

/** Metrics as JSON Lines, docs/DESIGN.md's `metrics.jsonl`. */
export function metricsToJsonl(rows: readonly StepMetrics[]): string {
  return rows
    .map((row) => JSON.stringify(row, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v)))
    .join('\n')
    .concat(rows.length > 0 ? '\n' : '');
}
