/** Starts the engine worker and routes its messages into the store. */
import { useLabStore } from '../state/store.js';
import type { FromWorker, ToWorker } from './protocol.js';

let worker: Worker | null = null;

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
  send({ type: 'hello' });
}

export function send(msg: ToWorker): void {
  worker?.postMessage(msg);
}

function handle(msg: FromWorker): void {
  const store = useLabStore.getState();
  switch (msg.type) {
    case 'adapter':
      store.setAdapter(msg.facts);
      break;
    case 'no-webgpu':
      store.setNoWebGpu(msg.message);
      break;
    case 'error':
      store.setGpuError(msg.message);
      break;
    default:
      msg satisfies never;
  }
}
