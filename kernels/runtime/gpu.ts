/**
 * One entry to get a GPUDevice wherever TabRL runs: a page or Web Worker (`navigator.gpu`), or Node
 * (Dawn, via `node-gpu.ts`, passed in by the caller so browser bundles never see Node modules).
 */
import { type AdapterFacts, describeAdapter } from './adapter.js';
import { NoAdapterError } from './errors.js';

export const BROWSER_HINT =
  'This browser does not expose WebGPU. Use Chrome or Edge 113+ (desktop), Chrome 121+ on Android, ' +
  'Safari 26+, or Firefox 141+ on Windows. On Linux Chrome, enable chrome://flags/#enable-unsafe-webgpu ' +
  'and chrome://flags/#enable-vulkan; headless Chromium needs --enable-unsafe-webgpu ' +
  '(and --use-webgpu-adapter=swiftshader without a GPU). The page must be served over https or localhost.';

export interface GpuHandle {
  adapter: GPUAdapter;
  device: GPUDevice;
  facts: AdapterFacts;
}

export interface RequestGpuOptions {
  /** The `GPU` object; defaults to `navigator.gpu`. Node callers pass `await nodeGpu()`. */
  gpu?: GPU;
  powerPreference?: GPUPowerPreference;
  /** Ask for the adapter's highest storage-binding and buffer limits (large embeddings need them). */
  maxLimits?: boolean;
}

export async function requestGpu(options: RequestGpuOptions = {}): Promise<GpuHandle> {
  const gpu = options.gpu ?? (typeof navigator !== 'undefined' ? navigator.gpu : undefined);
  if (!gpu) throw new NoAdapterError(BROWSER_HINT);
  const adapter = await gpu.requestAdapter({
    powerPreference: options.powerPreference ?? 'high-performance',
  });
  if (!adapter) {
    const where = typeof navigator !== 'undefined' && navigator.gpu ? BROWSER_HINT : 'No WebGPU adapter.';
    throw new NoAdapterError(`WebGPU is present but offered no adapter. ${where}`);
  }
  const requiredFeatures: GPUFeatureName[] = [];
  for (const f of ['timestamp-query', 'shader-f16', 'subgroups'] as GPUFeatureName[]) {
    if (adapter.features.has(f)) requiredFeatures.push(f);
  }
  const requiredLimits: Record<string, number> = {};
  if (options.maxLimits !== false) {
    for (const name of [
      'maxStorageBufferBindingSize',
      'maxBufferSize',
      'maxComputeWorkgroupStorageSize',
      'maxComputeInvocationsPerWorkgroup',
      'maxComputeWorkgroupSizeX',
      'maxStorageBuffersPerShaderStage',
    ] as const) {
      requiredLimits[name] = adapter.limits[name];
    }
  }
  const device = await adapter.requestDevice({ requiredFeatures, requiredLimits, label: 'tabrl' });
  return { adapter, device, facts: describeAdapter(adapter, device) };
}
