/**
 * WebGPU in Node through Dawn (the npm package `webgpu`). Uses a hardware Vulkan driver when the
 * machine has one; otherwise finds SwiftShader's software Vulkan, which Debian's `chromium` package
 * ships, and points the Vulkan loader at it. Browser code never imports this file.
 */
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NoAdapterError } from './errors.js';

export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

const ICD_DIRS = ['/usr/share/vulkan/icd.d', '/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d'];
const VULKAN_LOADERS = [
  '/usr/lib/x86_64-linux-gnu/libvulkan.so.1',
  '/usr/lib/aarch64-linux-gnu/libvulkan.so.1',
  '/usr/lib64/libvulkan.so.1',
  '/usr/lib/libvulkan.so.1',
];

export const INSTALL_HINT =
  'Install a Vulkan loader and a driver. On Debian/Ubuntu without a GPU: ' +
  '`apt-get update && apt-get install -y chromium libvulkan1` (Chromium ships SwiftShader, a software Vulkan ' +
  `driver, at ${SWIFTSHADER_ICD}). With a GPU, install its Vulkan driver (e.g. mesa-vulkan-drivers or NVIDIA's).`;

export interface NodeGpuChoice {
  /** 'hardware' when a system ICD other than SwiftShader exists, else 'swiftshader'. */
  driver: 'hardware' | 'swiftshader' | 'preset';
  icd?: string;
}

/** Decides which Vulkan driver Dawn should load and sets the environment for it. */
export function configureVulkanEnvironment(env: NodeJS.ProcessEnv = process.env): NodeGpuChoice {
  if (!env.XDG_RUNTIME_DIR || !existsSync(env.XDG_RUNTIME_DIR)) {
    const dir = join(tmpdir(), `tabrl-xdg-${process.getuid?.() ?? 0}`);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    env.XDG_RUNTIME_DIR = dir;
  }
  if (env.VK_ICD_FILENAMES || env.VK_DRIVER_FILES)
    return { driver: 'preset', icd: env.VK_ICD_FILENAMES ?? env.VK_DRIVER_FILES };
  // Mesa installs ICDs for GPUs the machine may not have, so look for a GPU device node as well.
  const hardware = systemIcds().filter((f) => !/swiftshader|lvp|lavapipe/i.test(f));
  if (hardware.length > 0 && hasGpuDeviceNode() && env.TABRL_FORCE_SWIFTSHADER !== '1')
    return { driver: 'hardware' };
  if (existsSync(SWIFTSHADER_ICD)) {
    env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    return { driver: 'swiftshader', icd: SWIFTSHADER_ICD };
  }
  return { driver: 'hardware' };
}

function hasGpuDeviceNode(): boolean {
  if (existsSync('/dev/nvidia0')) return true;
  if (!existsSync('/dev/dri')) return false;
  return readdirSync('/dev/dri').some((f) => f.startsWith('renderD'));
}

function systemIcds(): string[] {
  const out: string[] = [];
  for (const dir of ICD_DIRS) {
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir)) if (f.endsWith('.json')) out.push(join(dir, f));
  }
  return out;
}

let cached: Promise<GPU> | undefined;

/** The process-wide `GPU` object of Dawn, configured for this machine. */
export function nodeGpu(): Promise<GPU> {
  cached ??= (async () => {
    configureVulkanEnvironment();
    if (!VULKAN_LOADERS.some((p) => existsSync(p))) {
      throw new NoAdapterError(`No Vulkan loader (libvulkan.so.1) found. ${INSTALL_HINT}`);
    }
    // Dawn reads VK_ICD_FILENAMES when it creates its Vulkan instance, i.e. on the first requestAdapter.
    const webgpu = (await import('webgpu')) as unknown as {
      create: (flags: string[]) => GPU;
      globals: Record<string, unknown>;
    };
    // GPUBufferUsage, GPUMapMode, ... are globals in a browser; Dawn hands them to us.
    for (const [k, v] of Object.entries(webgpu.globals)) {
      if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
    }
    return webgpu.create([]);
  })();
  return cached;
}
