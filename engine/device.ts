/**
 * The engine's door to the GPU: acquires a Runtime in a page or worker (navigator.gpu) and reports
 * the adapter facts the lab shows. The app never imports `kernels/` itself; it asks the worker, which
 * asks this module.
 */
import { type AdapterFacts, createRuntime, NoAdapterError, type Runtime } from '../kernels/runtime/index.js';

export type { AdapterFacts };
export { NoAdapterError };

export async function openBrowserRuntime(): Promise<Runtime> {
  return createRuntime();
}
