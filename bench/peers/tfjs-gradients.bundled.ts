/**
 * tfjs-gradients.ts as the one-file CLI has it (scripts/bundle-cli.mjs resolves that module here):
 * esbuild bundles tfjs-core's `register_all_gradients` into the CLI at build time. It is imported
 * only when asked for, after tfjs-core itself has loaded: that file's ESM copy of tfjs must find the
 * engine tfjs-core made (a process-wide global) rather than make its own first.
 */
let gradientsRegistered: Promise<unknown> | null = null;

export async function registerTfjsGradients(): Promise<void> {
  gradientsRegistered ??= import('@tensorflow/tfjs-core/dist/register_all_gradients.js');
  await gradientsRegistered;
}
