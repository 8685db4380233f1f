/**
 * Saved runs in IndexedDB (through `idb`): each run's frozen config, and its metric and sample rows
 * one record per step, written as they arrive so a reload mid-run keeps everything. Writes that fail
 * (a full quota above all) are kept in a retry queue and reported; nothing is silently dropped.
 */
import { type DBSchema, type IDBPDatabase, openDB } from 'idb';
import type { StepMetrics, StepSamples } from '../../engine/train/session-types.js';
import type { ExperimentRecord } from './experiments-store.js';
import type { RunRecord } from './runs-store.js';

type RunMeta = Omit<RunRecord, 'metrics' | 'samples'>;

interface TabRlDb extends DBSchema {
  runs: { key: string; value: RunMeta };
  metrics: {
    key: [string, number];
    value: { runId: string; step: number; row: StepMetrics };
    indexes: { run: string };
  };
  samples: {
    key: [string, number];
    value: { runId: string; step: number; samples: StepSamples };
    indexes: { run: string };
  };
  /** Experiments of the gallery (version 2): each arm is a run of `runs`, named in `arms`. */
  experiments: { key: string; value: ExperimentRecord };
}

export const DB_NAME = 'tabrl-runs';
let dbPromise: Promise<IDBPDatabase<TabRlDb>> | null = null;

function db(): Promise<IDBPDatabase<TabRlDb>> {
  if (!dbPromise) {
    dbPromise = openDB<TabRlDb>(DB_NAME, 2, {
      upgrade(d, oldVersion) {
        if (oldVersion < 1) {
          d.createObjectStore('runs', { keyPath: 'id' });
          d.createObjectStore('metrics', { keyPath: ['runId', 'step'] }).createIndex('run', 'runId');
          d.createObjectStore('samples', { keyPath: ['runId', 'step'] }).createIndex('run', 'runId');
        }
        if (oldVersion < 2) d.createObjectStore('experiments', { keyPath: 'id' });
      },
    });
  }
  return dbPromise;
}

export function isQuotaError(err: unknown): boolean {
  const name = (err as { name?: string } | null)?.name;
  return name === 'QuotaExceededError' || name === 'NS_ERROR_DOM_QUOTA_REACHED';
}

export async function putRunMeta(run: RunMeta): Promise<void> {
  const d = await db();
  await d.put('runs', {
    id: run.id,
    name: run.name,
    createdAt: run.createdAt,
    config: run.config,
    kernelVariants: run.kernelVariants,
    source: run.source,
    ...(run.experiment ? { experiment: run.experiment } : {}),
  });
}

export async function putExperiment(record: ExperimentRecord): Promise<void> {
  await (await db()).put('experiments', record);
}

/** Every saved experiment, newest first. */
export async function loadExperiments(): Promise<ExperimentRecord[]> {
  const all = await (await db()).getAll('experiments');
  return all.sort((a, b) => b.createdAt - a.createdAt);
}

export async function deleteExperimentRecord(id: string): Promise<void> {
  await (await db()).delete('experiments', id);
}

/** Steps' metrics and samples in one transaction (the write queue merges steps that waited). */
export async function putSteps(
  runId: string,
  metrics: readonly StepMetrics[],
  samples: readonly StepSamples[],
): Promise<void> {
  const d = await db();
  const tx = d.transaction(['metrics', 'samples'], 'readwrite');
  const m = tx.objectStore('metrics');
  const s = tx.objectStore('samples');
  await Promise.all([
    ...metrics.map((row) => m.put({ runId, step: row.step, row })),
    ...samples.map((x) => s.put({ runId, step: x.step, samples: x })),
    tx.done,
  ]);
}

/** Every saved run with its metrics and samples, newest first. */
export async function loadSavedRuns(): Promise<RunRecord[]> {
  const d = await db();
  const metas = await d.getAll('runs');
  const out: RunRecord[] = [];
  for (const meta of metas) {
    const range = IDBKeyRange.bound([meta.id, Number.NEGATIVE_INFINITY], [meta.id, Number.POSITIVE_INFINITY]);
    const metrics = (await d.getAll('metrics', range)).map((m) => m.row);
    const samples = (await d.getAll('samples', range)).map((s) => s.samples);
    out.push({ ...meta, source: meta.source === 'imported' ? 'imported' : 'saved', metrics, samples });
  }
  return out.sort((a, b) => b.createdAt - a.createdAt);
}

export async function deleteSavedRun(runId: string): Promise<void> {
  const d = await db();
  const tx = d.transaction(['runs', 'metrics', 'samples'], 'readwrite');
  const range = IDBKeyRange.bound([runId, Number.NEGATIVE_INFINITY], [runId, Number.POSITIVE_INFINITY]);
  await Promise.all([
    tx.objectStore('runs').delete(runId),
    tx.objectStore('metrics').delete(range),
    tx.objectStore('samples').delete(range),
    tx.done,
  ]);
}
