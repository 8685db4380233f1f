/**
 * The runs' saved checkpoints, kept within a stated budget: the latest checkpoint of at most
 * CHECKPOINT_RUNS runs and CHECKPOINT_BYTES in all (docs/DESIGN.md, "Lab runs survive a reload").
 * The worker posts a checkpoint every few steps and on Pause (run-loop.ts); each replaces its run's
 * previous one, and the oldest other runs' checkpoints make room (their metrics stay, a notice says
 * so). A write the quota refuses keeps the previous checkpoint and names what to delete.
 */
import { create } from 'zustand';
import { formatBytes } from '../../engine/model/memory.js';
import {
  type CheckpointMeta,
  deleteCheckpoint,
  listCheckpoints,
  putCheckpoint,
  readCheckpointFiles,
} from './checkpoint-db.js';
import type { RunInputs } from './run-inputs.js';
import { useRunsStore } from './runs-store.js';
import { isQuotaError } from './saved-runs-db.js';
import { useUiStore } from './ui-store.js';

/** How many runs keep a checkpoint (each only its latest). */
export const CHECKPOINT_RUNS = 3;
/** The checkpoints' bytes in all; a single larger checkpoint is not kept. */
export const CHECKPOINT_BYTES = 1024 ** 3;
export const BUDGET_TEXT = `the latest checkpoint of at most ${CHECKPOINT_RUNS} runs, ${formatBytes(CHECKPOINT_BYTES)} in all`;

export type CheckpointPlan = { ok: true; evict: string[] } | { ok: false; reason: string };

/**
 * Which other runs' checkpoints to drop (oldest saved first) so `incoming` fits the budget.
 * planCheckpoint([], {runId: 'a', bytes: 10}) = {ok: true, evict: []}.
 */
export function planCheckpoint(
  kept: readonly Pick<CheckpointMeta, 'runId' | 'bytes' | 'savedAt'>[],
  incoming: { runId: string; bytes: number },
  budget = { runs: CHECKPOINT_RUNS, bytes: CHECKPOINT_BYTES },
): CheckpointPlan {
  if (incoming.bytes > budget.bytes)
    return {
      ok: false,
      reason: `it is ${formatBytes(incoming.bytes)}, more than the ${formatBytes(budget.bytes)} the lab keeps for checkpoints`,
    };
  const others = kept.filter((k) => k.runId !== incoming.runId).sort((a, b) => b.savedAt - a.savedAt);
  let bytes = incoming.bytes;
  const stay: string[] = [];
  const evict: string[] = [];
  for (const k of others) {
    if (stay.length + 1 < budget.runs && bytes + k.bytes <= budget.bytes) {
      stay.push(k.runId);
      bytes += k.bytes;
    } else evict.push(k.runId);
  }
  return { ok: true, evict };
}

interface CheckpointsState {
  /** The saved checkpoints by run id (files stay in IndexedDB until needed). */
  saved: Record<string, CheckpointMeta>;
  set: (meta: CheckpointMeta) => void;
  remove: (runIds: readonly string[]) => void;
  load: (metas: readonly CheckpointMeta[]) => void;
}

export const useCheckpointsStore = create<CheckpointsState>((set) => ({
  saved: {},
  set: (meta) => set((s) => ({ saved: { ...s.saved, [meta.runId]: meta } })),
  remove: (ids) =>
    set((s) => ({ saved: Object.fromEntries(Object.entries(s.saved).filter(([k]) => !ids.includes(k))) })),
  load: (metas) =>
    set((s) => ({ saved: { ...Object.fromEntries(metas.map((m) => [m.runId, m])), ...s.saved } })),
}));

/** The local inputs of each run started or continued in this tab (recorded at start, hashing takes a moment). */
const inputsOfRun = new Map<string, Promise<RunInputs>>();

export function noteRunInputs(runId: string, inputs: Promise<RunInputs>): void {
  inputsOfRun.set(runId, inputs);
}

const runName = (runId: string) => useRunsStore.getState().runs[runId]?.name ?? runId;

/**
 * Saves a checkpoint the worker posted, within the budget; failures become notices, never exceptions.
 * run-actions.ts queues it behind the run's metric and sample writes, so a stored checkpoint is never
 * ahead of the stored steps.
 */
export async function storeRunCheckpoint(
  runId: string,
  step: number,
  files: [string, Uint8Array][],
): Promise<void> {
  if (!useRunsStore.getState().runs[runId]) return; // deleted meanwhile
  const notify = useUiStore.getState().notify;
  const bytes = files.reduce((n, [, b]) => n + b.length, 0);
  const saved = useCheckpointsStore.getState().saved;
  const previous = saved[runId];
  const keeps = previous
    ? `Continue after a reload resumes from the checkpoint of step ${previous.step}.`
    : 'The run cannot be continued after a reload until a checkpoint is saved.';
  const plan = planCheckpoint(Object.values(saved), { runId, bytes });
  if (!plan.ok) {
    notify({
      kind: 'error',
      title: 'Checkpoint not saved',
      text: `The checkpoint of "${runName(runId)}" at step ${step} was not saved in this browser: ${plan.reason}. ${keeps} Export the HF folder before closing the tab to keep the weights.`,
    });
    return;
  }
  const inputs = (await inputsOfRun.get(runId)?.catch(() => undefined)) ?? previous?.inputs ?? {};
  const meta: CheckpointMeta = { runId, step, bytes, savedAt: Date.now(), inputs };
  try {
    await putCheckpoint({ ...meta, files }, plan.evict);
  } catch (err) {
    const largest = Object.values(saved)
      .filter((m) => m.runId !== runId)
      .sort((a, b) => b.bytes - a.bytes)
      .slice(0, 3)
      .map((m) => `"${runName(m.runId)}" (checkpoint ${formatBytes(m.bytes)})`);
    notify({
      kind: 'error',
      title: isQuotaError(err) ? 'Browser storage is full' : 'Saving the checkpoint failed',
      text: `The checkpoint of "${runName(runId)}" at step ${step} (${formatBytes(bytes)}) was not saved; the run keeps training and nothing saved before was lost. ${keeps} To make room, delete saved runs${largest.length > 0 ? ` (the largest checkpoints: ${largest.join(', ')})` : ''} or other sites' data; the next checkpoint is tried again.${isQuotaError(err) ? '' : ` (${err instanceof Error ? err.message : String(err)})`}`,
    });
    return;
  }
  const store = useCheckpointsStore.getState();
  store.remove(plan.evict);
  store.set(meta);
  if (plan.evict.length > 0)
    notify({
      kind: 'info',
      title: 'Older checkpoints made room',
      text: `The lab keeps ${BUDGET_TEXT}. The checkpoints of ${plan.evict.map((id) => `"${runName(id)}"`).join(', ')} were deleted (their charts and samples stay; they can no longer Continue).`,
    });
}

/** The stored files of a run's checkpoint, or null when none is kept. */
export async function storedCheckpointFiles(runId: string): Promise<[string, Uint8Array][] | null> {
  return useCheckpointsStore.getState().saved[runId] ? readCheckpointFiles(runId) : null;
}

export async function forgetCheckpoint(runId: string): Promise<void> {
  useCheckpointsStore.getState().remove([runId]);
  inputsOfRun.delete(runId);
  await deleteCheckpoint(runId);
}

/** After a page load: which runs have checkpoints (those of runs no longer saved are deleted). */
export async function restoreCheckpointIndex(savedRunIds: ReadonlySet<string>): Promise<void> {
  const metas = await listCheckpoints();
  const known = (id: string) => savedRunIds.has(id) || Boolean(useRunsStore.getState().runs[id]);
  for (const m of metas) if (!known(m.runId)) await deleteCheckpoint(m.runId);
  useCheckpointsStore.getState().load(metas.filter((m) => known(m.runId)));
}
