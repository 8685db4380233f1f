/**
 * `tabrl bench --soak [--steps N] [--from K] [--checkpoint-every C] [--json FILE]`: the whole-session soak
 * (bench/soak.ts) on this adapter. Exits 1 when any step after K owns other GPU buffers than step K, or
 * the disposed session leaves buffers behind.
 */
import { writeFile } from 'node:fs/promises';
import { formatSoakReport, runSoak } from '../../bench/soak.js';
import { createNodeRewardSandbox } from '../../engine/rewards/sandbox-node.js';
import { adapterName } from '../../kernels/runtime/index.js';
import { integer, one, parseArgs } from '../lib/args.js';
import { cliRuntime } from '../lib/gpu.js';

export const SOAK_USAGE = `usage: npm run tabrl -- bench --soak [--steps N] [--from K] [--checkpoint-every C] [--json FILE]

  --steps             steps of the smoke session (default 2000)
  --from              the step whose GPU buffers every later step must match (default 100)
  --checkpoint-every  save a checkpoint after every C steps (default 50)
  --json              also write the report as JSON`;

export async function runSoakCommand(argv: string[]): Promise<number> {
  const args = parseArgs(
    argv.filter((a) => a !== '--soak'),
    ['help'],
  );
  if (args.flags.has('help')) {
    console.log(SOAK_USAGE);
    return 0;
  }
  const steps = integer(args, 'steps') ?? 2000;
  const rt = await cliRuntime();
  const sandbox = createNodeRewardSandbox();
  const adapter = `${adapterName(rt.facts)}${rt.facts.isSoftware ? ' (software)' : ''}`;
  console.error(`tabrl bench --soak: ${steps} steps of smoke on ${adapter}`);
  try {
    const report = await runSoak({
      rt,
      steps,
      from: integer(args, 'from'),
      checkpointEvery: integer(args, 'checkpoint-every'),
      rewardSandbox: sandbox,
      onStep: (s) => {
        if (s.step % 100 === 0)
          console.error(
            `  step ${s.step}: ${s.buffers} buffers, ${s.bytes} bytes, heap ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MiB`,
          );
      },
    });
    console.log(formatSoakReport(report, adapter));
    const json = one(args, 'json');
    if (json) await writeFile(json, `${JSON.stringify({ adapter, ...report }, null, 2)}\n`);
    return report.steady ? 0 : 1;
  } finally {
    sandbox.dispose();
    rt.destroy();
  }
}
