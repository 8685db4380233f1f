/**
 * The page's `ort-cpu-fallback=0` flag (fragment or query string, like the flags of
 * app/share/fragment.ts): onnxruntime-web's WebGPU provider then takes a reward model only if it runs
 * every node itself, and a model it would split with the CPU falls back to WebAssembly whole. For
 * checking that a reward model runs entirely on the GPU; the lab shows which provider each model got.
 */

/** False when the flag is `0`/`false` in the fragment (which wins) or the query string. */
export function ortCpuFallbackFlag(hash: string, search = ''): boolean {
  const params = (text: string) => new URLSearchParams(text.replace(/^[#?]/, ''));
  const value = params(hash).get('ort-cpu-fallback') ?? params(search).get('ort-cpu-fallback');
  return !(value === '0' || value === 'false');
}

/** This page's setting (true outside a page). */
export function labOrtCpuFallback(): boolean {
  if (typeof location === 'undefined') return true;
  return ortCpuFallbackFlag(location.hash, location.search);
}
