/**
 * The fp32 peak of known GPUs, so `tabrl bench --device-check` can say what share of the device our
 * matmuls reach. Figures are the vendors' dense FP32 (non-tensor-core) TFLOP/s at boost clock; WebGPU
 * has no tensor cores or TF32, so this is the ceiling WGSL can reach. Apple's figures are for the
 * largest GPU of each chip (a binned part has fewer cores, so its share reads low). Matched on the
 * adapter's vendor, architecture, device and description, lowercased with punctuation as spaces (Dawn
 * reports the device as e.g. "nvidia-h100-80gb-hbm3"); first match wins, so specific names come first.
 * A device not listed is "unknown" and gets no share.
 */
import type { AdapterFacts } from '../../kernels/runtime/adapter.js';

export interface KnownGpu {
  name: string;
  /** Dense fp32 TFLOP/s. */
  fp32Tflops: number;
  /** Tested against the adapter's normalised text. */
  pattern: RegExp;
}

/** The table, in match order (docs: bench/RESULTS.md, "Device check"). */
export const KNOWN_GPUS: readonly KnownGpu[] = [
  { name: 'NVIDIA H200 NVL', fp32Tflops: 60, pattern: /\bh200 nvl\b/ },
  { name: 'NVIDIA H200', fp32Tflops: 67, pattern: /\bh200\b/ },
  { name: 'NVIDIA H100 PCIe', fp32Tflops: 51.2, pattern: /\bh100 pcie\b/ },
  { name: 'NVIDIA H100 NVL', fp32Tflops: 60, pattern: /\bh100 nvl\b/ },
  { name: 'NVIDIA H100 SXM', fp32Tflops: 67, pattern: /\bh100\b/ },
  { name: 'NVIDIA A100', fp32Tflops: 19.5, pattern: /\ba100\b/ },
  { name: 'NVIDIA A10G', fp32Tflops: 31.2, pattern: /\ba10g\b/ },
  { name: 'NVIDIA A10', fp32Tflops: 31.2, pattern: /\ba10\b/ },
  { name: 'NVIDIA L40S', fp32Tflops: 91.6, pattern: /\bl40s\b/ },
  { name: 'NVIDIA L40', fp32Tflops: 90.5, pattern: /\bl40\b/ },
  { name: 'NVIDIA L4', fp32Tflops: 30.3, pattern: /\bl4\b/ },
  { name: 'NVIDIA T4', fp32Tflops: 8.1, pattern: /\btesla t4\b|\bnvidia t4\b/ },
  { name: 'NVIDIA V100', fp32Tflops: 15.7, pattern: /\bv100\b/ },
  { name: 'NVIDIA GeForce RTX 4090', fp32Tflops: 82.6, pattern: /\brtx 4090\b/ },
  { name: 'NVIDIA GeForce RTX 3090 Ti', fp32Tflops: 40, pattern: /\brtx 3090 ti\b/ },
  { name: 'NVIDIA GeForce RTX 3090', fp32Tflops: 35.6, pattern: /\brtx 3090\b/ },
  { name: 'Apple M1 Ultra', fp32Tflops: 21.2, pattern: /\bm1 ultra\b/ },
  { name: 'Apple M1 Max', fp32Tflops: 10.6, pattern: /\bm1 max\b/ },
  { name: 'Apple M1 Pro', fp32Tflops: 5.3, pattern: /\bm1 pro\b/ },
  { name: 'Apple M1', fp32Tflops: 2.6, pattern: /\bapple m1\b/ },
  { name: 'Apple M2 Ultra', fp32Tflops: 27.2, pattern: /\bm2 ultra\b/ },
  { name: 'Apple M2 Max', fp32Tflops: 13.6, pattern: /\bm2 max\b/ },
  { name: 'Apple M2 Pro', fp32Tflops: 6.8, pattern: /\bm2 pro\b/ },
  { name: 'Apple M2', fp32Tflops: 3.6, pattern: /\bapple m2\b/ },
  { name: 'Apple M3 Max', fp32Tflops: 16.4, pattern: /\bm3 max\b/ },
  { name: 'Apple M3 Pro', fp32Tflops: 7.4, pattern: /\bm3 pro\b/ },
  { name: 'Apple M3', fp32Tflops: 4.1, pattern: /\bapple m3\b/ },
  { name: 'Apple M4 Max', fp32Tflops: 18.4, pattern: /\bm4 max\b/ },
  { name: 'Apple M4 Pro', fp32Tflops: 9.2, pattern: /\bm4 pro\b/ },
  { name: 'Apple M4', fp32Tflops: 4.3, pattern: /\bapple m4\b/ },
];

export interface DevicePeak {
  /** The table's name, or "unknown". */
  name: string;
  /** Dense fp32 TFLOP/s, or null when unknown. */
  fp32_tflops: number | null;
}

/** The adapter's identifying text, lowercased, every run of punctuation made one space. */
export function adapterText(facts: Pick<AdapterFacts, 'vendor' | 'architecture' | 'device' | 'description'>) {
  return ` ${[facts.vendor, facts.architecture, facts.device, facts.description].join(' ')} `
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ');
}

/**
 * The known GPU this adapter is, or unknown.
 * devicePeak({vendor: 'nvidia', architecture: 'hopper', device: 'nvidia-h100-pcie', description: ''})
 *   = {name: 'NVIDIA H100 PCIe', fp32_tflops: 51.2}
 */
export function devicePeak(
  facts: Pick<AdapterFacts, 'vendor' | 'architecture' | 'device' | 'description'>,
): DevicePeak {
  const text = adapterText(facts);
  const hit = KNOWN_GPUS.find((g) => g.pattern.test(text));
  return hit ? { name: hit.name, fp32_tflops: hit.fp32Tflops } : { name: 'unknown', fp32_tflops: null };
}
