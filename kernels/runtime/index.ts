/** The kernel runtime's public surface (browser-safe: `node-gpu.ts` is imported separately). */
export { type AdapterFacts, adapterName, describeAdapter } from './adapter.js';
export { BufferError, DeviceLostError, formatBytes, KernelError, NoAdapterError } from './errors.js';
export { f16Bits, f16Value, fitsF16, packF16, roundToF16, unpackF16 } from './f16.js';
export { BROWSER_HINT, type GpuHandle, requestGpu } from './gpu.js';
export { chunkRowStarts, planRowChunks } from './row-chunks.js';
export { type DispatchSpec, type KernelTiming, Runtime, type RuntimeStats } from './runtime.js';
export { makeShader } from './shader.js';
export { type DType, dtypeBytes, expectShape, ShapeError, shapeSize, Tensor } from './tensor.js';
export { Uniforms, uniforms } from './uniforms.js';

import { type RequestGpuOptions, requestGpu } from './gpu.js';
import { Runtime } from './runtime.js';

/** Requests a device and wraps it in a Runtime. */
export async function createRuntime(options: RequestGpuOptions = {}): Promise<Runtime> {
  const { device, facts } = await requestGpu(options);
  return new Runtime(device, facts);
}
