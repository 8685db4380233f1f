/**
 * The tfjs peer: @tensorflow/tfjs-core with @tensorflow/tfjs-backend-webgpu on the SAME GPUDevice as
 * our runtime, so both sides of a benchmark row share one adapter, one queue and one process.
 * `WebGPUBackend`'s constructor takes a device; we register it under tfjs's own name, "webgpu"
 * (its kernels are registered for that name), replacing the factory that would request a device
 * of its own. tfjs insists on `navigator.gpu` existing even when handed a device, so in Node we
 * provide it (the Dawn `GPU` object when the caller passes one). CPU forwarding of small ops is
 * turned off so every timed op runs on the GPU.
 *
 * Node's tfjs-core bundle ships without gradient functions (the `@tensorflow/tfjs` umbrella imports
 * `register_all_gradients` for them, and that file's ESM sources do not load in Node as published), so
 * the peer bundles that one file with esbuild (installed with tsx and vite) and imports the result
 * (tfjs-gradients.ts); the registries it fills are tfjs's process-wide globals, shared with the bundle
 * we use. The one-file CLI (scripts/bundle-cli.mjs) bundles that file in at build time instead.
 */
import type { Runtime } from '../../kernels/runtime/runtime.js';
import { registerTfjsGradients } from './tfjs-gradients.js';

type Tf = typeof import('@tensorflow/tfjs-core');

/** The parts of tfjs's WebGPUBackend used to flush its recorded work (not in its public typings). */
interface WebGpuBackendInternals {
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
}

export interface TfjsPeer {
  /** For report rows, e.g. "tfjs-webgpu 4.22.0". */
  readonly name: string;
  readonly tf: Tf;
  /** Submits everything tfjs has recorded and waits until the device has run it. */
  sync(): Promise<void>;
  dispose(): void;
}

function provideNavigatorGpu(gpu: GPU | undefined): void {
  const g = globalThis as { navigator?: { gpu?: unknown } };
  if (g.navigator?.gpu) return;
  const value = gpu ?? {}; // tfjs only tests that navigator.gpu is truthy before using our device
  if (g.navigator) Object.defineProperty(g.navigator, 'gpu', { value, configurable: true });
  else
    Object.defineProperty(globalThis, 'navigator', {
      value: { gpu: value },
      configurable: true,
      writable: true,
    });
}

/** Starts tfjs-backend-webgpu on `rt.device`; throws when the packages cannot be loaded. */
export async function createTfjsPeer(rt: Runtime, gpu?: GPU): Promise<TfjsPeer> {
  provideNavigatorGpu(gpu);
  const tf: Tf = await import('@tensorflow/tfjs-core');
  const webgpu = await import('@tensorflow/tfjs-backend-webgpu');
  tf.env().set('WEBGPU_CPU_FORWARD', false);
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  const info = { vendor: rt.facts.vendor, architecture: rt.facts.architecture } as GPUAdapterInfo;
  tf.registerBackend('webgpu', () => new webgpu.WebGPUBackend(rt.device, info));
  if (!(await tf.setBackend('webgpu'))) throw new Error('tfjs: the webgpu backend did not initialise');
  await tf.ready();
  await registerTfjsGradients();
  const backend = tf.backend() as unknown as WebGpuBackendInternals;
  return {
    name: `tfjs-webgpu ${tf.version_core}`, // core and backend are released in lockstep
    tf,
    async sync() {
      backend.ensureCommandEncoderReady();
      backend.endComputePassEncoder();
      backend.submitQueue();
      await rt.device.queue.onSubmittedWorkDone();
    },
    dispose() {
      tf.removeBackend('webgpu');
    },
  };
}
