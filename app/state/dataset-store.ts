/**
 * A JSONL dataset the person dropped into the lab: its rows stay in this tab's memory (never in the
 * URL, never uploaded) and become the `dataset` task's rows when a run starts. The config names the
 * file as `task.source = 'local:<file name>'`; any other source (a URL, a site path) is fetched by
 * the worker instead. Rows are not saved across reloads: after one, the file must be dropped again.
 */
import { create } from 'zustand';
import {
  type DatasetRow,
  datasetOptions,
  isHeldOut,
  parseJsonlDataset,
  type TaskOptions,
} from '../../engine/tasks/index.js';

export const LOCAL_PREFIX = 'local:';
/** How many of a refused file's errors the lab lists (the count says how many there are in all). */
export const SHOWN_ERRORS = 10;

/** The file name a `local:NAME` source names, or null for URLs and site paths. */
export function localDatasetName(source: string): string | null {
  return source.startsWith(LOCAL_PREFIX) ? source.slice(LOCAL_PREFIX.length) : null;
}

export interface LoadedDataset {
  fileName: string;
  /** `local:<fileName>`: the task source these rows answer. */
  source: string;
  rows: DatasetRow[];
}

export interface RefusedDataset {
  fileName: string;
  /** parseJsonlDataset's messages ('line 3: ...'), all of them. */
  errors: string[];
}

export type DatasetFileOutcome =
  | { ok: true; dataset: LoadedDataset }
  | { ok: false; refused: RefusedDataset };

/** Parses a dropped file's text. readDatasetFile('a.jsonl', '{"prompt":"1+1=","answer":2}').ok = true. */
export function readDatasetFile(fileName: string, text: string): DatasetFileOutcome {
  const parsed = parseJsonlDataset(text);
  if (!parsed.ok) return { ok: false, refused: { fileName, errors: parsed.errors } };
  return { ok: true, dataset: { fileName, source: `${LOCAL_PREFIX}${fileName}`, rows: parsed.rows } };
}

/**
 * The task a dropped file makes. A dataset task already being edited keeps its match, tag and
 * held_out_fraction (a share link's choices survive the drop); any other task is replaced by a
 * dataset task with the schema's defaults (exact match, no tag, held_out_fraction 0.1).
 */
export function datasetTaskFor(current: unknown, source: string): TaskOptions {
  const cur = (current ?? {}) as Record<string, unknown>;
  const keep = cur.name === 'dataset' ? cur : {};
  const kept = Object.fromEntries(
    ['match', 'tag', 'held_out_fraction'].filter((k) => k in keep).map((k) => [k, keep[k]]),
  );
  // an invalid kept value (being edited) is dropped rather than blocking the drop
  const withKept = datasetOptions.safeParse({ ...kept, name: 'dataset', source });
  return withKept.success ? withKept.data : datasetOptions.parse({ name: 'dataset', source });
}

export interface DatasetSummary {
  rows: number;
  /** Rows whose prompt falls on the held-out side of the hash split (engine/tasks/split.ts). */
  heldOut: number;
  /** The first few training rows, as examples. */
  examples: DatasetRow[];
}

export function summarizeDataset(rows: readonly DatasetRow[], heldOutFraction: number, examples = 3) {
  const held = rows.map((r) => isHeldOut(r.prompt, heldOutFraction));
  return {
    rows: rows.length,
    heldOut: held.filter(Boolean).length,
    examples: rows.filter((_, i) => !held[i]).slice(0, examples),
  } satisfies DatasetSummary;
}

/** A `dataset` task's source, or null for other tasks (and for configs that are not objects). */
export function datasetSourceOf(config: unknown): string | null {
  const task = (config as { task?: { name?: unknown; source?: unknown } } | null)?.task;
  return task?.name === 'dataset' && typeof task.source === 'string' ? task.source : null;
}

/** The rows a run of `config` takes from the page: the loaded file's when its source is this one. */
export function rowsForConfig(config: unknown, loaded: LoadedDataset | null): DatasetRow[] | undefined {
  const source = datasetSourceOf(config);
  return source !== null && loaded?.source === source ? loaded.rows : undefined;
}

/** The file a config's `local:` source names that is not loaded in this tab, or null. */
export function missingLocalDataset(config: unknown, loaded: LoadedDataset | null): string | null {
  const source = datasetSourceOf(config);
  if (source === null) return null;
  const name = localDatasetName(source);
  return name !== null && loaded?.source !== source ? name : null;
}

/** What the lab says when a config reads a local dataset this tab does not have. */
export function missingDatasetMessage(name: string): string {
  return `This link's task reads the dataset ${name}, which stays on the sharer's machine: drop ${name} here to run it`;
}

/** For a config whose task reads a local file (a link's): drop it here before Start. Else null. */
export function datasetDropHint(config: unknown): string | null {
  const source = datasetSourceOf(config);
  const name = source === null ? null : localDatasetName(source);
  return name === null
    ? null
    : `${missingDatasetMessage(name)} (the drop zone is in the task section); then press Start.`;
}

/** What to do with a config that arrived in a link: Start, or first drop the local file its task reads. */
export function replayHint(config: unknown): string {
  return datasetDropHint(config) ?? 'Press Start to replay the run.';
}

interface DatasetState {
  loaded: LoadedDataset | null;
  /** The last dropped file that was refused, with why; cleared by the next good file. */
  refused: RefusedDataset | null;
  setLoaded: (d: LoadedDataset) => void;
  setRefused: (r: RefusedDataset) => void;
}

export const useDatasetStore = create<DatasetState>((set) => ({
  loaded: null,
  refused: null,
  setLoaded: (loaded) => set({ loaded, refused: null }),
  setRefused: (refused) => set({ refused }),
}));
