/** `tabrl adapter`: prints what WebGPU adapter Dawn finds on this machine (and why, when none). */
import { createRuntime } from '../../kernels/runtime/index.js';
import { nodeGpu } from '../../kernels/runtime/node-gpu.js';

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help')) {
    console.log('usage: npm run tabrl -- adapter [--json]');
    return 0;
  }
  const rt = await createRuntime({ gpu: await nodeGpu() });
  if (argv.includes('--json')) console.log(JSON.stringify(rt.facts, null, 2));
  else {
    const f = rt.facts;
    console.log(`vendor: ${f.vendor}\narchitecture: ${f.architecture}\ndescription: ${f.description}`);
    console.log(`fallback: ${f.isFallbackAdapter}  software: ${f.isSoftware}`);
    console.log(`features: ${f.features.join(', ')}`);
    for (const [k, v] of Object.entries(f.limits)) console.log(`${k}: ${v}`);
  }
  rt.destroy();
  return 0;
}
