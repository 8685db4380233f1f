/**
 * Loads onnxruntime-web once, on first use (runs without reward models never download its ~400 kB of
 * JavaScript and 14-28 MB of WebAssembly), and says where its .wasm/.mjs files come from: our own
 * origin in the browser (vite.config.ts serves them under `ort/` in dev and copies them into
 * `dist/ort/`; never a CDN), node_modules/onnxruntime-web/dist in Node. Execution providers: WebGPU
 * then WASM where the browser has `navigator.gpu`, WASM alone elsewhere (Node has no WebGPU build).
 */

import type * as Ort from 'onnxruntime-web';

export type OrtModule = typeof Ort;
export type OrtExecutionProvider = 'webgpu' | 'wasm';

let ortModule: Promise<OrtModule> | null = null;
let wasmPathsOverride: string | null = null;

const isNode = (): boolean =>
  typeof process !== 'undefined' && typeof process.versions === 'object' && !!process.versions.node;

/**
 * Where the browser fetches ort-wasm-simd-threaded.jsep.{mjs,wasm}: `<site>/ort/`. The site is the
 * page's folder; the engine's worker is built into `<site>/assets/`, so from a worker it is the
 * folder above the worker script (the same guess app/worker makes before the page says hello).
 */
function browserWasmPaths(): string {
  const doc = (globalThis as { document?: { baseURI: string } }).document;
  if (doc) return new URL('ort/', doc.baseURI).href;
  return new URL('../ort/', globalThis.location.href).href;
}

/** A Node built-in, imported so that browser bundlers neither resolve nor warn about it. */
const importNodeBuiltin = <T>(name: string): Promise<T> => import(/* @vite-ignore */ name);

async function nodeWasmPaths(): Promise<string> {
  const { createRequire } = await importNodeBuiltin<typeof import('node:module')>('node:module');
  const { pathToFileURL } = await importNodeBuiltin<typeof import('node:url')>('node:url');
  const { dirname } = await importNodeBuiltin<typeof import('node:path')>('node:path');
  // The package's CommonJS entry is dist/ort.node.min.js; its folder holds the .wasm files.
  const entry = createRequire(import.meta.url).resolve('onnxruntime-web');
  return pathToFileURL(`${dirname(entry)}/`).href;
}

/**
 * Overrides where the .wasm/.mjs files are fetched from (a URL prefix ending in '/'); call before the
 * first reward model loads. A host that knows the site's address better than the guess above uses it.
 */
export function setOnnxWasmPaths(prefix: string): void {
  if (!prefix.endsWith('/')) throw new Error(`setOnnxWasmPaths: "${prefix}" must end with '/'`);
  wasmPathsOverride = prefix;
  if (ortModule) void ortModule.then((ort) => (ort.env.wasm.wasmPaths = prefix));
}

/** The configured onnxruntime-web module (imported on first call). */
export function loadOnnxRuntime(): Promise<OrtModule> {
  ortModule ??= (async () => {
    const ort = await import('onnxruntime-web');
    const node = isNode();
    ort.env.wasm.wasmPaths = wasmPathsOverride ?? (node ? await nodeWasmPaths() : browserWasmPaths());
    // Node: no worker threads (tests run in forked pools on shared cores). Browsers pick their own
    // count, which is 1 unless the page is cross-origin isolated.
    if (node) ort.env.wasm.numThreads = 1;
    ort.env.logLevel = 'error';
    return ort;
  })();
  ortModule.catch(() => {
    ortModule = null;
  });
  return ortModule;
}

/** The execution providers to try, best first. */
export function preferredExecutionProviders(): OrtExecutionProvider[] {
  const nav = (globalThis as { navigator?: { gpu?: unknown } }).navigator;
  return !isNode() && nav?.gpu ? ['webgpu', 'wasm'] : ['wasm'];
}

/** A provider that refused a model before the one used, with the error onnxruntime-web gave. */
export interface OrtProviderRefusal {
  provider: OrtExecutionProvider;
  message: string;
}

/** What createOnnxSession made, and on which provider. */
export interface OnnxSessionOnProvider {
  session: Ort.InferenceSession;
  executionProvider: OrtExecutionProvider;
  /** Providers tried first that refused the model, in order (empty when the first one took it). */
  refused: OrtProviderRefusal[];
}

/** Where reward models may run. */
export interface OnnxPlacement {
  /** Providers to try, best first (default: preferredExecutionProviders()). */
  providers?: readonly OrtExecutionProvider[];
  /**
   * false: WebGPU takes a model only if it runs every node itself, as onnxruntime's
   * `session.disable_cpu_ep_fallback` says; a model with a node WebGPU lacks (most int64 ops)
   * then falls back to WebAssembly whole instead of being split between the GPU and the CPU.
   * Default true (onnxruntime's default). The lab's `ort-cpu-fallback=0` flag sets it.
   */
  webgpuCpuFallback?: boolean;
}

/** The session options of one provider under `placement`, besides the ones every session gets. */
function providerSessionOptions(
  provider: OrtExecutionProvider,
  placement: OnnxPlacement,
): Ort.InferenceSession.SessionOptions {
  switch (provider) {
    case 'webgpu':
      return placement.webgpuCpuFallback === false
        ? { extra: { session: { disable_cpu_ep_fallback: '1' } } }
        : {};
    case 'wasm':
      return {};
    default:
      return provider satisfies never;
  }
}

/**
 * An InferenceSession on the first provider that accepts the model: WebGPU, and if creating it there
 * fails (no adapter, an operator it lacks under webgpuCpuFallback false), WASM. Says which provider
 * was used and why the ones before it refused.
 */
export async function createOnnxSession(
  model: Uint8Array,
  placement: OnnxPlacement = {},
): Promise<OnnxSessionOnProvider> {
  const ort = await loadOnnxRuntime();
  const refused: OrtProviderRefusal[] = [];
  for (const provider of placement.providers ?? preferredExecutionProviders()) {
    try {
      const session = await ort.InferenceSession.create(model, {
        executionProviders: [provider],
        graphOptimizationLevel: 'all',
        // Errors only: WebGPU otherwise warns that shape ops run on the CPU, on every load.
        logSeverityLevel: 3,
        ...providerSessionOptions(provider, placement),
      });
      return { session, executionProvider: provider, refused };
    } catch (e) {
      refused.push({ provider, message: e instanceof Error ? e.message : String(e) });
    }
  }
  const failures = refused.map((r) => `${r.provider}: ${r.message}`);
  throw new Error(`onnxruntime-web could not load the model (${failures.join('; ')})`);
}
