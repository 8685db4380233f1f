/** The CLI's GPU: Dawn in Node on the machine's Vulkan driver (SwiftShader when there is no GPU). */
import { createRuntime, type Runtime } from '../../kernels/runtime/index.js';
import { nodeGpu } from '../../kernels/runtime/node-gpu.js';

export async function cliRuntime(): Promise<Runtime> {
  return createRuntime({ gpu: await nodeGpu() });
}
