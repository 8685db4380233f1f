/**
 * What the run buttons do. Start and Step reuse the active run only when its frozen config equals
 * the one being edited and the worker still holds its session; otherwise they create a new run. An
 * edit while a run is live starts a new run with the new config (the running one is never mutated).
 * Continue resumes a saved run from its stored checkpoint once its local files are back (run-inputs.ts).
 */
import type { RunConfig } from '../../engine/config/index.js';
import type { DatasetRow } from '../../engine/tasks/index.js';
import { send as postToWorker } from '../worker/client.js';
import { readCheckpointFiles } from './checkpoint-db.js';
import { useConfigStore } from './config-store.js';
import { useConsentStore } from './consent-store.js';
import {
  missingDatasetMessage,
  missingLocalDataset,
  rowsForConfig,
  useDatasetStore,
} from './dataset-store.js';
import { labHubOptions } from './hub-options.js';
import { createLiveRun } from './run-actions.js';
import { noteRunInputs, useCheckpointsStore } from './run-checkpoints.js';
import { checkRunInputs, recordRunInputs } from './run-inputs.js';
import { type RunRecord, useRunsStore } from './runs-store.js';
import { useUiStore } from './ui-store.js';

const sameConfig = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The dropped rows each live run was started with: a file dropped again under the same name leaves the
 * config unchanged, but its run must not reuse the session that holds the old rows.
 */
const rowsOfRun = new Map<string, readonly DatasetRow[] | undefined>();

function runName(config: RunConfig, preset: string | null): string {
  const time = new Date().toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  return `${preset ?? 'custom'} · ${config.algorithm} · seed ${config.seed} · ${time}`;
}

/** The run Start/Step should drive: the active live run if the worker holds it with this config. */
function runFor(config: RunConfig, rows: readonly DatasetRow[] | undefined): RunRecord {
  const runs = useRunsStore.getState();
  const active = runs.activeRunId ? runs.runs[runs.activeRunId] : undefined;
  // 'lost': the worker kept the run's last checkpoint and resumes from it on a new device
  const held =
    runs.worker.runId === active?.id && ['paused', 'running', 'starting', 'lost'].includes(runs.worker.state);
  if (
    active &&
    active.source === 'live' &&
    held &&
    sameConfig(active.config, config) &&
    rowsOfRun.get(active.id) === rows
  )
    return active;
  const run = createLiveRun(
    config,
    config.kernel_variants,
    runName(config, useConfigStore.getState().presetName),
  );
  rowsOfRun.clear();
  rowsOfRun.set(run.id, rows);
  noteRunInputs(run.id, recordRunInputs(config, rows, labHubOptions().cache));
  return run;
}

function validConfig(): RunConfig | null {
  if (useConsentStore.getState().pending) {
    useUiStore.getState().notify({
      kind: 'error',
      title: 'The share link has reward code',
      text: 'Read it, then Accept or Decline it before starting a run.',
    });
    return null;
  }
  const { resolved, errors } = useConfigStore.getState();
  if (!resolved) {
    useUiStore.getState().notify({
      kind: 'error',
      title: 'The configuration is not valid',
      text: `Fix these options first: ${errors.join('; ')}`,
    });
    return null;
  }
  const missing = missingLocalDataset(resolved, useDatasetStore.getState().loaded);
  if (missing !== null) {
    useUiStore.getState().notify({
      kind: 'error',
      title: 'The dataset is not here',
      text: `${missingDatasetMessage(missing)}.`,
    });
    return null;
  }
  return resolved;
}

/** Start and Step: the run for the edited config, with the dropped dataset's rows when its task reads them. */
function startOrStep(type: 'start' | 'step'): void {
  const config = validConfig();
  if (!config) return;
  const datasetRows = rowsForConfig(config, useDatasetStore.getState().loaded);
  const run = runFor(config, datasetRows);
  postToWorker({ type, runId: run.id, config: run.config, kernelVariants: run.kernelVariants, datasetRows });
}

export function startRun(): void {
  startOrStep('start');
}

export function stepRun(): void {
  startOrStep('step');
}

/**
 * Continue: the saved run `runId` resumes from its stored checkpoint (after a reload or a crashed tab)
 * once the local files it read are here and match (else a notice says what to drop). Its config
 * becomes the one being edited, so Pause and Start drive it as any live run.
 */
export async function continueRun(runId: string): Promise<void> {
  const notify = useUiStore.getState().notify;
  const run = useRunsStore.getState().runs[runId];
  const ckpt = useCheckpointsStore.getState().saved[runId];
  if (!run || !ckpt) return;
  const loaded = useDatasetStore.getState().loaded;
  const problems = await checkRunInputs(ckpt.inputs, loaded, labHubOptions().cache);
  const files = problems.length === 0 ? await readCheckpointFiles(runId) : null;
  if (!files) {
    notify({
      kind: 'error',
      title: 'This run cannot continue yet',
      text: problems.join(' ') || `The checkpoint of "${run.name}" is no longer in this browser's storage.`,
    });
    return;
  }
  const datasetRows = rowsForConfig(run.config, loaded);
  const runs = useRunsStore.getState();
  runs.markLive(runId);
  runs.setActive(runId);
  useConfigStore.getState().loadConfig(run.config as Record<string, unknown>, null);
  rowsOfRun.clear();
  rowsOfRun.set(runId, datasetRows);
  noteRunInputs(runId, Promise.resolve(ckpt.inputs));
  postToWorker({
    type: 'start',
    runId,
    config: run.config,
    kernelVariants: run.kernelVariants,
    datasetRows,
    resume: { step: ckpt.step, files },
  });
}

export function pauseRun(): void {
  postToWorker({ type: 'pause' });
}

/** Disposes the worker's session; the run's history stays in the list and on the charts. */
export function resetRun(): void {
  postToWorker({ type: 'reset' });
}

/** While a run is live, a valid edit of the config starts a new run with it (after a short pause). */
export function restartOnConfigChange(delayMs = 600): () => void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const unsubscribe = useConfigStore.subscribe((state, prev) => {
    if (state.resolved === prev.resolved || !state.resolved) return;
    const { worker } = useRunsStore.getState();
    if (worker.state !== 'running' && worker.state !== 'starting') return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      const runs = useRunsStore.getState();
      const active = runs.activeRunId ? runs.runs[runs.activeRunId] : undefined;
      const now = useConfigStore.getState().resolved;
      if (now && !sameConfig(active?.config, now) && ['running', 'starting'].includes(runs.worker.state)) {
        startRun();
      }
    }, delayMs);
  });
  return () => {
    unsubscribe();
    if (timer) clearTimeout(timer);
  };
}
