/**
 * The Runtime tests share within one test file: Dawn in Node on whatever Vulkan driver the machine has
 * (SwiftShader on CI). Never a mock: every GPU test runs real WGSL.
 */
import { createRuntime } from '../runtime/index.js';
import { nodeGpu } from '../runtime/node-gpu.js';
import type { Runtime } from '../runtime/runtime.js';

let shared: Promise<Runtime> | undefined;

export function testRuntime(): Promise<Runtime> {
  shared ??= (async () => createRuntime({ gpu: await nodeGpu() }))();
  return shared;
}
