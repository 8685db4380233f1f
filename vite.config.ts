import { createReadStream, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

/**
 * onnxruntime-web (reward models, engine/rewards/onnx-runtime.ts) fetches its WebAssembly and the
 * JavaScript that loads it at run time, from `<site>/ort/`: served from node_modules in dev (at any
 * depth, since the engine's worker guesses the site from its own URL) and copied into `dist/ort/` by
 * the build, so nothing comes from a CDN. The browser entry (ort.bundle.min.mjs, WebGPU + WASM) needs
 * only the JSEP pair.
 */
const ORT_DIST = fileURLToPath(new URL('./node_modules/onnxruntime-web/dist/', import.meta.url));
const ORT_FILES = ['ort-wasm-simd-threaded.jsep.mjs', 'ort-wasm-simd-threaded.jsep.wasm'];

function onnxRuntimeFiles(): Plugin {
  return {
    name: 'tabrl-onnxruntime-files',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const file = /\/ort\/([\w.-]+)(?:\?.*)?$/.exec(req.url ?? '')?.[1];
        if (!file || !ORT_FILES.includes(file)) return next();
        res.setHeader('Content-Type', file.endsWith('.wasm') ? 'application/wasm' : 'text/javascript');
        createReadStream(ORT_DIST + file).pipe(res);
      });
    },
    generateBundle() {
      for (const file of ORT_FILES) {
        this.emitFile({ type: 'asset', fileName: `ort/${file}`, source: readFileSync(ORT_DIST + file) });
      }
    },
  };
}

/**
 * ort.bundle.min.mjs also names the .wasm as `new URL('<file>', import.meta.url)`, which the build
 * would copy into assets/ a second time (28 MB); with wasmPaths always set that URL is never used, so
 * the literal is hidden from the asset scanner. The engine imports ort in its worker, hence also in
 * `worker.plugins`.
 */
function onnxRuntimeWasmUrlHidden(): Plugin {
  return {
    name: 'tabrl-onnxruntime-wasm-url-hidden',
    enforce: 'pre',
    transform(code, id) {
      if (!/onnxruntime-web[\\/]dist[\\/]ort\.[\w.]*mjs$/.test(id.split('?')[0])) return null;
      // Lines do not move, so the package's own source map stays right (map: null keeps it).
      const hidden = code.replaceAll(
        /new URL\("(ort-wasm-simd-threaded[\w.]*\.wasm)",import\.meta\.url\)/g,
        'new URL("$1"+"",import.meta.url)',
      );
      return { code: hidden, map: null };
    },
  };
}

// `base: './'` makes every asset URL relative, so the built site works from any static host and any
// sub-path (e.g. https://example.org/tabrl/) with no server of ours behind it.
export default defineConfig({
  base: './',
  plugins: [react(), onnxRuntimeFiles(), onnxRuntimeWasmUrlHidden()],
  worker: { format: 'es', plugins: () => [onnxRuntimeWasmUrlHidden()] },
  build: { target: 'es2022', sourcemap: true },
  // The engine worker's dependencies, which Vite's scan of index.html does not reach: listed, the dev
  // server bundles them before the first page load instead of finding them ~20 s later and reloading
  // the page (a run started in that window was lost).
  optimizeDeps: { include: ['@huggingface/jinja', '@huggingface/tokenizers', 'onnxruntime-web'] },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
});
