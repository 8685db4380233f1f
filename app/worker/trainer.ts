/**
 * Opens training sessions in the worker: engine/train/session.ts's `createTrainingSession` on the
 * worker's runtime, with shipped warm starts (`model.name` such as `/models/arithmetic-sft`) fetched
 * from the site the page came from (engine/hub/site-folder.ts: through the folder's files.json, HTML
 * pages in place of files taken as absent), so the lab works from any static host and sub-path. A `dataset`
 * task takes the rows the page sent (a dropped file) or fetches its source the same way.
 */
import type { RunConfig } from '../../engine/config/index.js';
import { cacheStorageHubCache, siteFolderFs } from '../../engine/hub/index.js';
import { type CheckpointFs, memoryFs } from '../../engine/model/checkpoint.js';
import type { ModelConfig } from '../../engine/model/config.js';
import type { RewardSandbox } from '../../engine/rewards/sandbox.js';
import type { DatasetRow } from '../../engine/tasks/index.js';
import { createTrainingSession, type TrainingSession } from '../../engine/train/session.js';
import type { CheckpointFiles, SessionEvents } from '../../engine/train/session-types.js';
import type { Runtime } from '../../kernels/runtime/index.js';
import { fetchDatasetRows } from './dataset-source.js';

export async function openTrainingSession(
  rt: Runtime,
  config: unknown,
  events: SessionEvents,
  siteUrl: string,
  resume?: CheckpointFiles,
  rewardSandbox?: RewardSandbox,
  /** A hub mirror in place of https://huggingface.co (the page's `hub=` flag); same Cache Storage. */
  hubUrl?: string,
  /** false: the page's `ort-cpu-fallback=0` flag (reward models on WebGPU only if it runs every node). */
  ortCpuFallback = true,
  /** A dataset task's rows from a file dropped on the page; absent: fetched from the task's source. */
  datasetRows?: readonly DatasetRow[],
  /**
   * An experiment's sessions (experiment-job.ts): `openKept` opens the checkpoints it keeps in memory
   * (tried before the site), `guidanceReference` θ_ref of a guided arm.
   */
  experiment: {
    openKept?: (name: string) => CheckpointFs | null;
    guidanceReference?: { config: ModelConfig; values: ReadonlyMap<string, ArrayLike<number>> };
  } = {},
): Promise<TrainingSession> {
  // The page validated `config` with parseRunConfig before sending it (run-control.ts).
  const run = config as RunConfig;
  let rows = datasetRows;
  if (run.task.name === 'dataset' && !rows) {
    events.onPhase?.('loading', 0, `dataset ${run.task.source}`);
    rows = await fetchDatasetRows(run.task.source, siteUrl);
  }
  return createTrainingSession(rt, run, events, {
    datasetRows: rows,
    openCheckpoint: (name) => experiment.openKept?.(name) ?? siteFolderFs(siteUrl, name),
    ...(experiment.guidanceReference ? { guidanceReference: experiment.guidanceReference } : {}),
    resume: resume ? memoryFs(new Map(resume)) : undefined,
    rewardSandbox,
    rewardModelPlacement: { webgpuCpuFallback: ortCpuFallback },
    hub: hubUrl
      ? { baseUrl: hubUrl, ...('caches' in globalThis ? { cache: cacheStorageHubCache() } : {}) }
      : undefined,
  });
}
