/**
 * Adapter facts: what the lab shows in its header and what benchmarks print beside every number.
 * Kept as plain data so it can cross a worker boundary and land in a JSON report unchanged.
 */

export interface AdapterFacts {
  vendor: string;
  architecture: string;
  description: string;
  device: string;
  isFallbackAdapter: boolean;
  /** True when the adapter is a software rasteriser (SwiftShader, lavapipe, WARP). */
  isSoftware: boolean;
  features: string[];
  limits: Record<string, number>;
}

const LIMIT_NAMES = [
  'maxBufferSize',
  'maxStorageBufferBindingSize',
  'maxUniformBufferBindingSize',
  'maxStorageBuffersPerShaderStage',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupSizeZ',
  'maxComputeWorkgroupsPerDimension',
  'minStorageBufferOffsetAlignment',
  'minUniformBufferOffsetAlignment',
] as const;

export function describeAdapter(adapter: GPUAdapter, device?: GPUDevice): AdapterFacts {
  const info = adapter.info ?? ({} as GPUAdapterInfo);
  const limitsSource = device?.limits ?? adapter.limits;
  const limits: Record<string, number> = {};
  for (const name of LIMIT_NAMES) limits[name] = Number(limitsSource[name]);
  const vendor = info.vendor ?? '';
  const architecture = info.architecture ?? '';
  const description = info.description ?? '';
  const text = `${vendor} ${architecture} ${description} ${info.device ?? ''}`.toLowerCase();
  // Dawn reports SwiftShader as vendor "google", architecture "swiftshader".
  const isSoftware = /swiftshader|lavapipe|llvmpipe|warp|software/.test(text);
  const isFallbackAdapter =
    Boolean((info as { isFallbackAdapter?: boolean }).isFallbackAdapter) ||
    Boolean((adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter);
  return {
    vendor,
    architecture,
    description,
    device: info.device ?? '',
    isFallbackAdapter,
    isSoftware,
    features: [...(device?.features ?? adapter.features)].map(String).sort(),
    limits,
  };
}

/** One line naming the adapter, for benchmark tables and logs. */
export function adapterName(facts: AdapterFacts): string {
  const parts = [facts.vendor, facts.architecture, facts.description].filter((p) => p.length > 0);
  const name = parts.length > 0 ? parts.join(' / ') : 'unknown adapter';
  return facts.isFallbackAdapter ? `${name} (fallback)` : name;
}
