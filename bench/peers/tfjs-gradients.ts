/**
 * Registers tfjs-core's gradient functions (for tf.grad / tf.variableGrads) once per process. Node's
 * tfjs-core bundle ships without them and their ESM sources do not load in Node as published, so this
 * bundles `register_all_gradients` with esbuild (installed with tsx and vite) and imports the result.
 * The one-file CLI swaps this module for tfjs-gradients.bundled.ts (scripts/bundle-cli.mjs), where
 * esbuild has already bundled that file, so the bundle needs neither esbuild nor node_modules.
 */
import { createRequire } from 'node:module';

let gradientsRegistered: Promise<void> | null = null;

export function registerTfjsGradients(): Promise<void> {
  gradientsRegistered ??= (async () => {
    const require = createRequire(import.meta.url);
    const entry = require.resolve('@tensorflow/tfjs-core/dist/register_all_gradients.js');
    const { build } = await import('esbuild');
    const out = await build({
      entryPoints: [entry],
      bundle: true,
      format: 'esm',
      write: false,
      logLevel: 'error',
    });
    await import(`data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString('base64')}`);
  })();
  return gradientsRegistered;
}
