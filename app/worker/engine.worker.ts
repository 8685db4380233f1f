/**
 * The engine's home in the browser: a dedicated Web Worker, so GPU work and training never block the
 * page. It answers the lab's typed messages (protocol.ts); the run loop (run-loop.ts) owns the session.
 */

import { NoAdapterError, openBrowserRuntime } from '../../engine/device.js';
import { siteFolderFs } from '../../engine/hub/index.js';
import { runLearningBench } from '../../engine/train/learning.js';
import { adapterName, type Runtime } from '../../kernels/runtime/index.js';
import { policedFetch } from './connect-policy.js';
import { fetchDatasetRows } from './dataset-source.js';
import { ExperimentJob } from './experiment-job.js';
import type { FromWorker, ToWorker } from './protocol.js';
import { RemoteRewardSandbox } from './remote-sandbox.js';
import { RunLoop } from './run-loop.js';
import { openTrainingSession } from './trainer.js';

// The page's <meta> CSP does not reach this worker (a worker file's policy comes with its own
// response), so the worker keeps to the page's connect-src itself: see connect-policy.ts.
self.fetch = policedFetch(self.fetch.bind(self), self.location.origin);

const post = (msg: FromWorker, transfer: Transferable[] = []) =>
  (self as unknown as Worker).postMessage(msg, transfer);

let runtime: Promise<Runtime> | null = null;
/** The page's address (its directory is the site root, sub-path included); sent with `hello`. */
let siteUrl = new URL('../', self.location.href).href;
/** The hub mirror the page names (`hub=`), or undefined for https://huggingface.co. */
let hubUrl: string | undefined;
/** false when the page's `ort-cpu-fallback=0` flag is set; sent with `hello`. */
let ortCpuFallback = true;

function getRuntime(): Promise<Runtime> {
  if (!runtime) {
    runtime = openBrowserRuntime().then((rt) => {
      rt.onDeviceLost((err) => {
        runtime = null;
        loop.deviceLost(err.message);
      });
      return rt;
    });
    runtime.catch(() => {
      runtime = null;
    });
  }
  return runtime;
}

/** User reward code runs in the page's sandbox (see remote-sandbox.ts). */
const rewardSandbox = new RemoteRewardSandbox(post);

const loop = new RunLoop({
  post,
  // Kernel variants travel inside the config (RunConfig.kernel_variants); the session applies them.
  openSession: async (config, _kernelVariants, events, resume, datasetRows) =>
    openTrainingSession(
      await getRuntime(),
      config,
      events,
      siteUrl,
      resume,
      rewardSandbox,
      hubUrl,
      ortCpuFallback,
      datasetRows,
    ),
});

/** The experiment in progress (at most one), and the promise that settles when it has stopped. */
let experiment: ExperimentJob | null = null;
let experimentStopped: Promise<void> = Promise.resolve();

/** Work on the run loop waits for a running experiment to stop (it is cancelled first). */
function afterExperiment(work: () => void): void {
  if (!experiment) {
    work();
    return;
  }
  experiment.cancel();
  void experimentStopped.then(work);
}

function runExperiment(msg: Extract<ToWorker, { type: 'run-experiment' }>): void {
  experiment?.cancel();
  const job = new ExperimentJob({
    experimentId: msg.experimentId,
    experiment: msg.experiment,
    scale: msg.scale,
    seed: msg.seed,
    commit: msg.commit,
    adapter: 'unknown',
    post,
    openSession: async ({ config, events, openKept, guidanceReference }) =>
      openTrainingSession(
        await getRuntime(),
        config,
        events,
        siteUrl,
        undefined,
        rewardSandbox,
        hubUrl,
        ortCpuFallback,
        undefined,
        { openKept, guidanceReference },
      ),
  });
  experiment = job;
  // an experiment replaces the current run, as a new runId does
  experimentStopped = experimentStopped
    .then(() => loop.reset())
    .then(async () => {
      try {
        job.adapter = adapterName((await getRuntime()).facts);
      } catch (err) {
        post({ type: 'experiment-failed', experimentId: job.id, cancelled: false, message: messageOf(err) });
        return;
      }
      await job.run();
    })
    .finally(() => {
      if (experiment === job) experiment = null;
    });
}

self.addEventListener('message', (event: MessageEvent<ToWorker>) => {
  const msg = event.data;
  switch (msg.type) {
    case 'hello':
      if (msg.siteUrl) siteUrl = msg.siteUrl;
      hubUrl = msg.hubUrl;
      ortCpuFallback = msg.ortCpuFallback ?? true;
      void hello();
      break;
    case 'start':
      afterExperiment(() =>
        loop.start(
          msg.runId,
          msg.config,
          msg.kernelVariants,
          msg.datasetRows,
          msg.resume && { step: msg.resume.step, files: new Map(msg.resume.files) },
        ),
      );
      break;
    case 'pause':
      loop.pause();
      break;
    case 'step':
      afterExperiment(() => loop.step(msg.runId, msg.config, msg.kernelVariants, msg.datasetRows));
      break;
    case 'reset':
      afterExperiment(() => void loop.reset());
      break;
    case 'run-experiment':
      runExperiment(msg);
      break;
    case 'cancel-experiment':
      if (experiment?.id === msg.experimentId) experiment.cancel();
      break;
    case 'simulate-device-loss':
      // what a driver reset does, for tests and for trying the recovery path by hand
      void getRuntime().then((rt) => rt.device.destroy());
      break;
    case 'generate':
      loop.generate(msg.prompts, { guidance: msg.guidance, alpha: msg.alpha }).then(
        (answers) => post({ type: 'generated', requestId: msg.requestId, ...answers }),
        (err) => post({ type: 'request-failed', requestId: msg.requestId, message: messageOf(err) }),
      );
      break;
    case 'save-checkpoint':
      loop.saveCheckpoint().then(
        (files) => {
          const list = [...files.entries()];
          post(
            { type: 'checkpoint', requestId: msg.requestId, files: list },
            list.map(([, bytes]) => bytes.buffer as ArrayBuffer),
          );
        },
        (err) => post({ type: 'request-failed', requestId: msg.requestId, message: messageOf(err) }),
      );
      break;
    case 'user-rewards-scored':
      rewardSandbox.answer(msg.requestId, msg.outcomes);
      break;
    case 'bench-learning':
      afterExperiment(() => void benchLearning(msg));
      break;
    default:
      msg satisfies never;
  }
});

/** `tabrl bench --learning --browser`: the benchmark on this worker's runtime, the lab's run loop reset first. */
async function benchLearning(msg: Extract<ToWorker, { type: 'bench-learning' }>): Promise<void> {
  try {
    await loop.reset();
    const rt = await getRuntime();
    const report = await runLearningBench({
      rt,
      preset: msg.preset,
      config: msg.config,
      prompts: msg.prompts,
      every: msg.every,
      steps: msg.steps,
      openCheckpoint: (name) => siteFolderFs(siteUrl, name),
      datasetRows:
        msg.config.task.name === 'dataset'
          ? await fetchDatasetRows(msg.config.task.source, siteUrl)
          : undefined,
      onEval: (evaluation) => post({ type: 'bench-learning-eval', requestId: msg.requestId, evaluation }),
    });
    post({
      type: 'bench-learning-done',
      requestId: msg.requestId,
      report,
      adapter: `${adapterName(rt.facts)}${rt.facts.isSoftware ? ' (software)' : ''}`,
    });
  } catch (err) {
    post({ type: 'request-failed', requestId: msg.requestId, message: messageOf(err) });
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function hello(): Promise<void> {
  try {
    const rt = await getRuntime();
    post({ type: 'adapter', facts: rt.facts });
  } catch (err) {
    if (err instanceof NoAdapterError) post({ type: 'no-webgpu', message: err.message });
    else post({ type: 'error', message: messageOf(err) });
  }
}
