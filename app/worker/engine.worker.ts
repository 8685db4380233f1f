/**
 * The engine's home in the browser: a dedicated Web Worker, so GPU work and training never block the
 * page. It answers the lab's typed messages (protocol.ts).
 */
import { NoAdapterError, openBrowserRuntime } from '../../engine/device.js';
import type { FromWorker, ToWorker } from './protocol.js';

const post = (msg: FromWorker) => (self as unknown as Worker).postMessage(msg);

self.addEventListener('message', (event: MessageEvent<ToWorker>) => {
  const msg = event.data;
  switch (msg.type) {
    case 'hello':
      void hello();
      break;
    default:
      msg.type satisfies never;
  }
});

async function hello(): Promise<void> {
  try {
    const rt = await openBrowserRuntime();
    post({ type: 'adapter', facts: rt.facts });
  } catch (err) {
    if (err instanceof NoAdapterError) post({ type: 'no-webgpu', message: err.message });
    else post({ type: 'error', message: err instanceof Error ? err.message : String(err) });
  }
}
