/**
 * Each run's latest checkpoint in IndexedDB (a database of its own beside saved-runs-db.ts, so its
 * large records never slow the reading of metrics): the checkpoint folder's files as the worker wrote
 * them (HF layout plus trainer state), the step it was taken after, and what the run read from this
 * machine (run-inputs.ts), so a reloaded or crashed tab can continue the run exactly and export it.
 * A put replaces the run's record in one transaction: a failed write (a full quota) leaves the
 * previous checkpoint in place.
 */
import { type DBSchema, type IDBPDatabase, openDB } from 'idb';
import type { RunInputs } from './run-inputs.js';

/** What the lab lists without reading the files. */
export interface CheckpointMeta {
  runId: string;
  /** Steps done when it was taken: Continue runs step `step` next. */
  step: number;
  /** Sum of the files' sizes. */
  bytes: number;
  savedAt: number;
  /** The local files the run read (a dropped dataset, a dropped model folder), by SHA-256. */
  inputs: RunInputs;
}

export interface StoredCheckpoint extends CheckpointMeta {
  files: [string, Uint8Array][];
}

interface CheckpointDb extends DBSchema {
  meta: { key: string; value: CheckpointMeta };
  files: { key: string; value: { runId: string; files: [string, Uint8Array][] } };
}

export const CHECKPOINT_DB_NAME = 'tabrl-checkpoints';
let dbPromise: Promise<IDBPDatabase<CheckpointDb>> | null = null;

function db(): Promise<IDBPDatabase<CheckpointDb>> {
  if (!dbPromise) {
    dbPromise = openDB<CheckpointDb>(CHECKPOINT_DB_NAME, 1, {
      upgrade(d) {
        d.createObjectStore('meta', { keyPath: 'runId' });
        d.createObjectStore('files', { keyPath: 'runId' });
      },
    });
  }
  return dbPromise;
}

/** Writes `ckpt` in place of the run's previous one and deletes `evict` (other runs'), all or nothing. */
export async function putCheckpoint(ckpt: StoredCheckpoint, evict: readonly string[] = []): Promise<void> {
  const d = await db();
  const tx = d.transaction(['meta', 'files'], 'readwrite');
  const { files, ...meta } = ckpt;
  await Promise.all([
    ...evict.flatMap((id) => [tx.objectStore('meta').delete(id), tx.objectStore('files').delete(id)]),
    tx.objectStore('files').put({ runId: ckpt.runId, files }),
    tx.objectStore('meta').put(meta),
    tx.done,
  ]);
}

export async function listCheckpoints(): Promise<CheckpointMeta[]> {
  return (await db()).getAll('meta');
}

export async function readCheckpointFiles(runId: string): Promise<[string, Uint8Array][] | null> {
  return (await (await db()).get('files', runId))?.files ?? null;
}

export async function deleteCheckpoint(runId: string): Promise<void> {
  const d = await db();
  const tx = d.transaction(['meta', 'files'], 'readwrite');
  await Promise.all([tx.objectStore('meta').delete(runId), tx.objectStore('files').delete(runId), tx.done]);
}
