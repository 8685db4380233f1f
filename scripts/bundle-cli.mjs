// Bundles the `tabrl` CLI into one ES module, for a machine that has Node but no npm install
// (a rented GPU box, say): `node scripts/bundle-cli.mjs` writes dist-cli/bin/tabrl.mjs. Beside the
// repository's public/ folder (shipped models) and with the `webgpu` package reachable from it
// (copy node_modules/webgpu, or just its index.js, package.json and dist/<platform>/), run it as
// `node dist-cli/bin/tabrl.mjs train ...`. WGSL `?raw` imports are inlined as text, as Vite does.
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = resolve(root, 'dist-cli/bin/tabrl.mjs');

await build({
  entryPoints: [resolve(root, 'cli/main.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  outfile,
  // Native addon and the ONNX runtime (loaded only for reward models) stay outside the bundle.
  external: ['webgpu', 'onnxruntime-web'],
  banner: {
    js: "import { createRequire as __tabrlRequire } from 'node:module'; const require = __tabrlRequire(import.meta.url);",
  },
  plugins: [
    {
      // tfjs's gradients are bundled in now rather than by esbuild at run time (bench/peers/tfjs-gradients.ts)
      name: 'tfjs-gradients',
      setup(b) {
        b.onResolve({ filter: /\/tfjs-gradients\.js$/ }, () => ({
          path: resolve(root, 'bench/peers/tfjs-gradients.bundled.ts'),
        }));
      },
    },
    {
      name: 'raw-text',
      setup(b) {
        b.onResolve({ filter: /\?raw$/ }, (args) => ({
          path: resolve(args.resolveDir, args.path.replace(/\?raw$/, '')),
          namespace: 'raw-text',
        }));
        b.onLoad({ filter: /.*/, namespace: 'raw-text' }, async (args) => ({
          contents: await readFile(args.path, 'utf8'),
          loader: 'text',
        }));
      },
    },
  ],
  logLevel: 'warning',
});
console.log(`wrote ${outfile}`);
