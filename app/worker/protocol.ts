/**
 * The typed messages between the lab (main thread) and the engine worker. Everything the page knows
 * about the GPU and the run arrives through these; the page never touches WebGPU itself.
 */
import type { AdapterFacts } from '../../engine/device.js';

export type ToWorker = { type: 'hello' };

export type FromWorker =
  | { type: 'adapter'; facts: AdapterFacts }
  | { type: 'no-webgpu'; message: string }
  | { type: 'error'; message: string };
