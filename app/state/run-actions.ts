/**
 * What the lab does to runs, store and IndexedDB together: create a live run, take in the worker's
 * batches, import a run file, delete (its checkpoint too), restore after a reload (with the index of
 * saved checkpoints, run-checkpoints.ts). Writes go through two queues (write-queues.ts: steps, and
 * checkpoints after the steps before them); a write that fails stays queued and is retried after the
 * next delete or write; a full quota raises a notice naming the largest runs.
 */
import type { Algorithm } from '../../engine/config/schema.js';
import { HealthMonitor } from '../../engine/train/health.js';
import type { StepMetrics, StepSamples } from '../../engine/train/session-types.js';
import { forgetCheckpoint, restoreCheckpointIndex, storeRunCheckpoint } from './run-checkpoints.js';
import type { RunFile } from './run-file.js';
import { newRunId, type RunRecord, useRunsStore } from './runs-store.js';
import { deleteSavedRun, isQuotaError, loadSavedRuns, putRunMeta, putSteps } from './saved-runs-db.js';
import { useUiStore } from './ui-store.js';
import { RunWriteQueues } from './write-queues.js';

const queues = new RunWriteQueues(
  {
    meta: (_runId, write) => write(),
    steps: (runId, metrics, samples) => putSteps(runId, metrics, samples),
    checkpoint: (runId, step, files) => storeRunCheckpoint(runId, step, files),
  },
  (err, waiting) => reportWriteFailure(err, waiting),
);

function approxBytes(run: RunRecord): number {
  return JSON.stringify(run.metrics).length + JSON.stringify(run.samples).length;
}

function reportWriteFailure(err: unknown, waiting: number): void {
  const runs = Object.values(useRunsStore.getState().runs)
    .sort((a, b) => approxBytes(b) - approxBytes(a))
    .slice(0, 3)
    .map((r) => `"${r.name}" (~${Math.ceil(approxBytes(r) / 1024)} KB)`);
  useUiStore.getState().notify(
    isQuotaError(err)
      ? {
          kind: 'error',
          title: 'Browser storage is full',
          text: `New steps are kept in this tab but not saved (${waiting} writes waiting). Delete saved runs to make room — the largest are ${runs.join(', ') || 'none'} — or export them first. Saving resumes by itself.`,
        }
      : {
          kind: 'error',
          title: 'Saving runs failed',
          text: `${err instanceof Error ? err.message : String(err)}. ${waiting} writes are waiting; export the run to keep it.`,
        },
  );
}

/** Writes to IndexedDB waiting or in flight. */
export function pendingWriteCount(): number {
  return queues.pending;
}

/** Resolves when every queued write is saved. */
export function writesSaved(): Promise<void> {
  return queues.idle();
}

/** A new live run with a frozen copy of `config`; it becomes the active run. */
export function createLiveRun(
  config: unknown,
  kernelVariants: Record<string, string>,
  name: string,
): RunRecord {
  const run: RunRecord = {
    id: newRunId(),
    name,
    createdAt: Date.now(),
    config: structuredClone(config),
    kernelVariants: { ...kernelVariants },
    source: 'live',
    metrics: [],
    samples: [],
  };
  const store = useRunsStore.getState();
  store.addRun(run);
  store.setActive(run.id);
  queues.meta(run.id, () => putRunMeta(run));
  return run;
}

/**
 * A live run for an experiment's arm (experiment-actions.ts), under the id the worker gave it; the
 * charts draw it beside the other arms.
 */
export function createArmRun(
  runId: string,
  name: string,
  config: unknown,
  experiment: { id: string; label: string },
): RunRecord {
  const run: RunRecord = {
    id: runId,
    name,
    createdAt: Date.now(),
    config: structuredClone(config),
    kernelVariants: {},
    source: 'live',
    metrics: [],
    samples: [],
    experiment,
  };
  useRunsStore.getState().addRun(run);
  queues.meta(run.id, () => putRunMeta(run));
  return run;
}

/** One health monitor per live run (engine/train/health.ts): each notice is shown once per run. */
const healthMonitors = new Map<string, HealthMonitor>();

export function receiveMetrics(runId: string, rows: StepMetrics[]): void {
  const run = useRunsStore.getState().runs[runId];
  if (!run) return;
  useRunsStore.getState().appendMetrics(runId, rows);
  queues.steps(runId, rows, []);
  const algorithm = (run.config as { algorithm?: Algorithm }).algorithm;
  if (!algorithm) return;
  // a staged run's rows are judged by their stage's algorithm
  const stages = (run.config as { stages?: { algorithm: Algorithm }[] | null }).stages ?? [];
  const monitor =
    healthMonitors.get(runId) ??
    new HealthMonitor(
      algorithm,
      stages.map((s) => s.algorithm),
    );
  healthMonitors.set(runId, monitor);
  for (const row of rows)
    for (const n of monitor.push(row as unknown as Record<string, unknown>))
      useUiStore
        .getState()
        .notify({ kind: 'info', title: n.title, text: `${run.name}, step ${n.step}: ${n.text}` });
}

export function receiveSamples(runId: string, samples: StepSamples[]): void {
  if (!useRunsStore.getState().runs[runId]) return;
  useRunsStore.getState().appendSamples(runId, samples);
  queues.steps(runId, [], samples);
}

/**
 * A checkpoint the worker posted: saved after the run's metric and sample writes already queued, so
 * the stored checkpoint never runs ahead of the stored steps (Continue recomputes only later ones);
 * it has its own queue, so its size never holds up those writes (write-queues.ts).
 */
export function receiveCheckpoint(runId: string, step: number, files: [string, Uint8Array][]): void {
  if (!useRunsStore.getState().runs[runId]) return;
  queues.checkpoint(runId, step, files);
}

/** Adds an imported run file as a new saved run, opened and shown on the charts. */
export function importRun(file: RunFile): RunRecord {
  const run: RunRecord = {
    id: newRunId(),
    name: file.name,
    createdAt: Date.parse(file.created_at) || Date.now(),
    config: file.config,
    kernelVariants: {},
    source: 'imported',
    metrics: file.metrics,
    samples: file.samples,
  };
  const store = useRunsStore.getState();
  store.addRun(run);
  store.setActive(run.id);
  queues.meta(run.id, async () => {
    await putRunMeta(run);
    await putSteps(run.id, run.metrics, run.samples);
  });
  return run;
}

export async function deleteRun(runId: string): Promise<void> {
  useRunsStore.getState().removeRun(runId);
  // Writes still waiting for this run would bring it back; the ones in flight are left to finish.
  queues.forget(runId);
  try {
    await deleteSavedRun(runId);
    await forgetCheckpoint(runId);
  } catch (err) {
    reportWriteFailure(err, queues.pending);
  }
  queues.retry();
}

/** Loads the saved runs into the store after a page load (newest first, none drawn until chosen). */
export async function restoreSavedRuns(): Promise<void> {
  try {
    const runs = await loadSavedRuns();
    const store = useRunsStore.getState();
    for (const run of runs.reverse()) {
      if (!store.runs[run.id]) store.addRun(run);
    }
    await restoreCheckpointIndex(new Set(runs.map((r) => r.id)));
  } catch (err) {
    useUiStore.getState().notify({
      kind: 'error',
      title: 'Saved runs could not be read',
      text: `${err instanceof Error ? err.message : String(err)}. New runs still work; private windows may block storage.`,
    });
  }
}
