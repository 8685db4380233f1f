/**
 * Where a run's weights for an export come from: the worker, while it holds the run's session (the
 * current step), else the run's checkpoint saved in this browser (after a reload, a crashed tab or a
 * Reset: the step it was taken after). Without either the worker's own message says why.
 */
import { storedCheckpointFiles, useCheckpointsStore } from '../../state/run-checkpoints.js';
import { useRunsStore } from '../../state/runs-store.js';
import { saveCheckpoint } from '../../worker/client.js';

const HOLDING = ['paused', 'running', 'starting', 'finished'];

/** True while the worker has the session of `runId` (its weights are the current ones). */
export function workerHolds(worker: { runId: string | null; state: string }, runId: string | null): boolean {
  return runId !== null && worker.runId === runId && HOLDING.includes(worker.state);
}

/** The saved checkpoint an export of `runId` would read, or undefined when the worker answers. */
export function savedWeightsOf(runId: string | null) {
  const runs = useRunsStore.getState();
  if (runId === null || workerHolds(runs.worker, runId)) return undefined;
  return useCheckpointsStore.getState().saved[runId];
}

export async function runWeights(runId: string | null): Promise<[string, Uint8Array][]> {
  if (savedWeightsOf(runId) && runId !== null) {
    const files = await storedCheckpointFiles(runId);
    if (files) return files;
  }
  return saveCheckpoint();
}
