/**
 * What the lab does with experiments, stores and IndexedDB together: start one in the worker (the
 * charts then show its arms only), take in the worker's experiment-* messages, cancel, restore after a
 * reload (an experiment the page left mid-way is `interrupted`), delete (its arms too), and export
 * every arm's metrics at once.
 */
import { expectedText } from '../../engine/experiments/types.js';
import { type ExperimentSpec, resolveSpec, specTitle } from '../experiments/spec.js';
import type { FromWorker, ToWorker } from '../worker/protocol.js';
import { type ExperimentRecord, newExperimentId, useExperimentsStore } from './experiments-store.js';
import { createArmRun, deleteRun } from './run-actions.js';
import { useRunsStore } from './runs-store.js';
import { deleteExperimentRecord, loadExperiments, putExperiment } from './saved-runs-db.js';
import { useUiStore } from './ui-store.js';

type ExperimentMessage = Extract<
  FromWorker,
  { type: 'experiment-arm' | 'experiment-progress' | 'experiment-done' | 'experiment-failed' }
>;

function save(id: string): void {
  const record = useExperimentsStore.getState().records[id];
  if (!record) return;
  putExperiment(record).catch((err) =>
    useUiStore.getState().notify({
      kind: 'error',
      title: 'Saving the experiment failed',
      text: `${err instanceof Error ? err.message : String(err)}. Its arms are kept in this tab; export them to keep them.`,
    }),
  );
}

/** The experiment running now, if any. */
export function runningExperiment(): ExperimentRecord | null {
  const s = useExperimentsStore.getState();
  return s.order.map((id) => s.records[id]).find((r) => r?.state === 'running') ?? null;
}

/** Starts `spec` in the worker; returns the new record, or the reason it cannot run. */
export function startExperiment(
  spec: ExperimentSpec,
  send: (msg: ToWorker) => void,
): { ok: true; record: ExperimentRecord } | { ok: false; error: string } {
  const resolved = resolveSpec(spec);
  if (!resolved.ok) return resolved;
  const { experiment, scale, seed } = resolved;
  const previous = runningExperiment();
  if (previous) cancelExperiment(previous.id, send);
  const record: ExperimentRecord = {
    id: newExperimentId(),
    spec,
    name: specTitle(spec),
    claim: experiment.claim,
    metric: experiment.metric,
    expected: expectedText(experiment.judge),
    scale,
    seed,
    createdAt: Date.now(),
    state: 'running',
    arms: [],
  };
  const store = useExperimentsStore.getState();
  store.put(record);
  store.setCurrent(record.id);
  store.select(spec);
  store.setProgress(null);
  // the charts show this experiment's arms only, each in its own colour
  useRunsStore.setState({ visible: [], activeRunId: null });
  save(record.id);
  send({ type: 'run-experiment', experimentId: record.id, experiment, scale, seed, commit: 'unknown' });
  return { ok: true, record };
}

export function cancelExperiment(id: string, send: (msg: ToWorker) => void): void {
  send({ type: 'cancel-experiment', experimentId: id });
}

/** The worker's experiment messages (client.ts). */
export function receiveExperimentMessage(msg: ExperimentMessage): void {
  const store = useExperimentsStore.getState();
  const record = store.records[msg.experimentId];
  if (!record) return;
  switch (msg.type) {
    case 'experiment-arm': {
      if (!useRunsStore.getState().runs[msg.runId])
        createArmRun(msg.runId, `${record.name} · ${msg.label}`, msg.config, {
          id: record.id,
          label: msg.label,
        });
      if (!record.arms.some((a) => a.runId === msg.runId))
        store.update(record.id, { arms: [...record.arms, { label: msg.label, runId: msg.runId }] });
      save(record.id);
      break;
    }
    case 'experiment-progress':
      store.setProgress({ experimentId: msg.experimentId, progress: msg.progress });
      break;
    case 'experiment-done':
      store.update(record.id, { state: 'done', result: msg.result, seconds: msg.seconds });
      store.setProgress(null);
      markArmsSaved(record.id);
      save(record.id);
      break;
    case 'experiment-failed':
      store.update(record.id, {
        state: msg.cancelled ? 'cancelled' : 'failed',
        message: msg.message,
      });
      store.setProgress(null);
      markArmsSaved(record.id);
      save(record.id);
      break;
    default:
      msg satisfies never;
  }
}

/** The arms of a stopped experiment are saved runs now (the worker holds none of them). */
function markArmsSaved(id: string): void {
  const record = useExperimentsStore.getState().records[id];
  if (!record) return;
  useRunsStore.setState((s) => {
    const runs = { ...s.runs };
    for (const a of record.arms) if (runs[a.runId]) runs[a.runId] = { ...runs[a.runId], source: 'saved' };
    return { runs };
  });
}

/** Opens a saved experiment in the panel and shows its arms, and only them, on the charts. */
export function showExperiment(id: string): void {
  const record = useExperimentsStore.getState().records[id];
  if (!record) return;
  useExperimentsStore.getState().setCurrent(id);
  const runs = useRunsStore.getState().runs;
  useRunsStore.setState({
    visible: record.arms.map((a) => a.runId).filter((r) => runs[r]),
    activeRunId: null,
  });
}

export async function deleteExperiment(id: string, send: (msg: ToWorker) => void): Promise<void> {
  const record = useExperimentsStore.getState().records[id];
  if (!record) return;
  if (record.state === 'running') cancelExperiment(id, send);
  useExperimentsStore.getState().remove(id);
  for (const a of record.arms) await deleteRun(a.runId);
  try {
    await deleteExperimentRecord(id);
  } catch (err) {
    useUiStore.getState().notify({
      kind: 'error',
      title: 'Deleting the experiment failed',
      text: err instanceof Error ? err.message : String(err),
    });
  }
}

/** Loads the saved experiments after a page load (their arms come with the saved runs). */
export async function restoreExperiments(): Promise<void> {
  try {
    const records = await loadExperiments();
    const store = useExperimentsStore.getState();
    for (const r of records.reverse()) {
      if (store.records[r.id]) continue;
      // the page that ran it closed before the end: what it finished is kept, the verdict is not
      const record: ExperimentRecord =
        r.state === 'running'
          ? {
              ...r,
              state: 'interrupted',
              message: 'The page was closed or reloaded before the experiment ended.',
            }
          : r;
      store.put(record);
      if (record !== r) void putExperiment(record).catch(() => {});
    }
  } catch (err) {
    useUiStore.getState().notify({
      kind: 'error',
      title: 'Saved experiments could not be read',
      text: `${err instanceof Error ? err.message : String(err)}. New experiments still work.`,
    });
  }
}
