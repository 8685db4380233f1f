/**
 * Starts the engine worker and routes its messages into the stores (metrics and samples through
 * run-actions, so they are saved as they arrive, and so are the run's checkpoints).
 * Requests with answers (generate, checkpoint) are promises keyed by request id.
 */

import type { RunConfig } from '../../engine/config/schema.js';
import type { LearningEval, LearningReport } from '../../engine/train/learning.js';
import type { TryOptions } from '../../engine/train/session.js';
import { scoreOnPage } from '../rewards/page-sandbox.js';
import { receiveExperimentMessage } from '../state/experiment-actions.js';
import { labHubUrl } from '../state/hub-options.js';
import { labOrtCpuFallback } from '../state/ort-options.js';
import { receiveCheckpoint, receiveMetrics, receiveSamples } from '../state/run-actions.js';
import { useRunsStore } from '../state/runs-store.js';
import { useLabStore } from '../state/store.js';
import type { FromWorker, ToWorker } from './protocol.js';

let worker: Worker | null = null;
let nextRequestId = 1;
const waiting = new Map<number, { resolve: (msg: FromWorker) => void; reject: (err: Error) => void }>();

export function startEngineWorker(): void {
  if (worker) return;
  worker = new Worker(new URL('./engine.worker.ts', import.meta.url), {
    type: 'module',
    name: 'tabrl-engine',
  });
  worker.addEventListener('message', (event: MessageEvent<FromWorker>) => handle(event.data));
  worker.addEventListener('error', (event) => {
    useLabStore
      .getState()
      .setGpuError(`The engine worker failed to start: ${event.message || 'unknown error'}`);
  });
  send({
    type: 'hello',
    siteUrl: document.baseURI,
    hubUrl: labHubUrl(),
    ortCpuFallback: labOrtCpuFallback(),
  });
}

export function send(msg: ToWorker): void {
  worker?.postMessage(msg);
}

function request(make: (requestId: number) => ToWorker): Promise<FromWorker> {
  if (!worker) return Promise.reject(new Error('The engine worker is not running.'));
  const requestId = nextRequestId++;
  return new Promise((resolve, reject) => {
    waiting.set(requestId, { resolve, reject });
    send(make(requestId));
  });
}

/** Answers of the run's starting model and its current model (under `knobs`), one list per prompt. */
export async function generateAnswers(
  prompts: string[],
  knobs: TryOptions = {},
): Promise<{ start: string[][]; current: string[][] }> {
  const msg = await request((requestId) => ({ type: 'generate', requestId, prompts, ...knobs }));
  if (msg.type !== 'generated') throw new Error(`unexpected answer ${msg.type}`);
  return { start: msg.start, current: msg.current };
}

/** The current weights as HF-layout files (config.json, model.safetensors, tokenizer.json). */
export async function saveCheckpoint(): Promise<[string, Uint8Array][]> {
  const msg = await request((requestId) => ({ type: 'save-checkpoint', requestId }));
  if (msg.type !== 'checkpoint') throw new Error(`unexpected answer ${msg.type}`);
  return msg.files;
}

/** Evaluation callbacks of `bench-learning` requests in flight, by request id. */
const benchEvals = new Map<number, (e: LearningEval) => void>();

/**
 * The time-to-learn benchmark in the engine worker (`tabrl bench --learning --browser` calls it
 * through `window.tabrlBench`, which the page defines under its `?bench` flag): each evaluation is
 * passed to `onEval` as it happens; the answer is the report and the worker's adapter.
 */
export async function benchLearning(
  o: { preset: string; config: RunConfig; prompts: number; every: number; steps?: number },
  onEval: (e: LearningEval) => void = () => {},
): Promise<{ report: LearningReport; adapter: string }> {
  let id = 0;
  const msg = await request((requestId) => {
    id = requestId;
    benchEvals.set(requestId, onEval);
    return { type: 'bench-learning', requestId, ...o };
  }).finally(() => benchEvals.delete(id));
  if (msg.type !== 'bench-learning-done') throw new Error(`unexpected answer ${msg.type}`);
  return { report: msg.report, adapter: msg.adapter };
}

function answer(requestId: number, msg: FromWorker): void {
  const w = waiting.get(requestId);
  if (!w) return;
  waiting.delete(requestId);
  if (msg.type === 'request-failed') w.reject(new Error(msg.message));
  else w.resolve(msg);
}

function handle(msg: FromWorker): void {
  const lab = useLabStore.getState();
  const runs = useRunsStore.getState();
  switch (msg.type) {
    case 'adapter':
      lab.setAdapter(msg.facts);
      break;
    case 'no-webgpu':
      lab.setNoWebGpu(msg.message);
      break;
    case 'error':
      lab.setGpuError(msg.message);
      break;
    case 'run-state':
      runs.setWorkerState({ runId: msg.runId, state: msg.state, step: msg.step, message: msg.message });
      if (msg.state !== 'running' && msg.state !== 'starting') runs.setPhase(null);
      break;
    case 'phase':
      runs.setPhase({ phase: msg.phase, progress: msg.progress, detail: msg.detail });
      break;
    case 'metrics':
      receiveMetrics(msg.runId, msg.rows);
      break;
    case 'kernel-variants':
      runs.setKernelVariants(msg.runId, msg.variants);
      break;
    case 'prompt-format':
      runs.setPromptFormat({ runId: msg.runId, model: msg.model, info: msg.info });
      break;
    case 'reward-models':
      runs.setRewardModels({ runId: msg.runId, models: msg.models });
      break;
    case 'samples':
      receiveSamples(msg.runId, msg.samples);
      break;
    case 'warning':
      runs.addWarning(msg.message);
      break;
    case 'score-user-rewards':
      void scoreOnPage(msg.functions, msg.inputs).then((outcomes) =>
        send({ type: 'user-rewards-scored', requestId: msg.requestId, outcomes }),
      );
      break;
    case 'run-checkpoint':
      receiveCheckpoint(msg.runId, msg.step, msg.files);
      break;
    case 'experiment-arm':
    case 'experiment-progress':
    case 'experiment-done':
    case 'experiment-failed':
      receiveExperimentMessage(msg);
      break;
    case 'bench-learning-eval':
      benchEvals.get(msg.requestId)?.(msg.evaluation);
      break;
    case 'generated':
    case 'checkpoint':
    case 'bench-learning-done':
    case 'request-failed':
      answer(msg.requestId, msg);
      break;
    default:
      msg satisfies never;
  }
}
