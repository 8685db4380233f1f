/**
 * `tabrl bench --device-check [--size tiny|small|full] [--json FILE]`: the prepared real-GPU measurement
 * (bench/device-check/run.ts), sized for the adapter it finds unless told, printed as tables headed by
 * the adapter's name and the sizes it chose.
 */
import { writeFile } from 'node:fs/promises';
import { formatDeviceCheck, formatSizes } from '../../bench/device-check/format.js';
import {
  CHECK_SIZES,
  type CheckSize,
  checkSizes,
  defaultSize,
  runDeviceCheck,
} from '../../bench/device-check/run.js';
import { createTfjsPeer } from '../../bench/peers/tfjs.js';
import { configureAutotuner } from '../../kernels/autotune/autotuner.js';
import { fileStore } from '../../kernels/autotune/file-store.js';
import { adapterName, createRuntime } from '../../kernels/runtime/index.js';
import { nodeGpu } from '../../kernels/runtime/node-gpu.js';
import { one, parseArgs } from '../lib/args.js';
import { openCheckpointOnDisk } from '../lib/training.js';

export const DEVICE_CHECK_USAGE = `usage: npm run tabrl -- bench --device-check [--size tiny|small|full] [--json FILE] [--wall-clock] [--no-peer]

  --size        tiny (CI: every part at its smallest), small (software adapters: minutes on SwiftShader)
                or full (a real GPU: at most 8 minutes on an H100/H200); default small on a software
                adapter, full otherwise
  --json FILE   also write the report as JSON
  --wall-clock  time matmuls by the wall clock and a fence even where the adapter has timestamp queries
  --no-peer     skip tfjs-webgpu (no comparison columns)`;

export async function runDeviceCheckCommand(argv: string[]): Promise<number> {
  const args = parseArgs(
    argv.filter((a) => a !== '--device-check'),
    ['help', 'wall-clock', 'no-peer'],
  );
  if (args.flags.has('help')) {
    console.log(DEVICE_CHECK_USAGE);
    return 0;
  }
  const unknown = [...args.values.keys()].filter((k) => k !== 'size' && k !== 'json');
  if (unknown.length > 0 || args.positionals.length > 0) {
    console.error(
      `tabrl bench --device-check: unknown option ${unknown[0] ?? args.positionals[0]}\n\n${DEVICE_CHECK_USAGE}`,
    );
    return 2;
  }
  const sizeArg = one(args, 'size');
  if (sizeArg !== undefined && !CHECK_SIZES.includes(sizeArg as CheckSize)) {
    console.error(`tabrl bench --device-check: --size must be one of ${CHECK_SIZES.join(', ')}`);
    return 2;
  }
  const gpu = await nodeGpu();
  const rt = await createRuntime({ gpu });
  const size = (sizeArg as CheckSize | undefined) ?? defaultSize(rt.facts);
  // tiny checks that every part runs, not what wins: variants are still compiled, timed briefly
  configureAutotuner(rt, { store: fileStore(), ...(size === 'tiny' ? { budgetMs: 5 } : {}) });
  console.log(`adapter: ${adapterName(rt.facts)}${rt.facts.isSoftware ? ' (software)' : ''}`);
  console.log(formatSizes({ size, sizes: checkSizes(size) }));
  const peer = args.flags.has('no-peer')
    ? null
    : await createTfjsPeer(rt, gpu).catch((err: unknown) => {
        console.warn(`bench: no tfjs peer (${err instanceof Error ? err.message : String(err)})`);
        return null;
      });
  try {
    const report = await runDeviceCheck(rt, {
      size,
      peer,
      wallClock: args.flags.has('wall-clock'),
      openCheckpoint: openCheckpointOnDisk,
      log: (line) => console.error(line),
    });
    console.log(`\n${formatDeviceCheck(report)}`);
    const json = one(args, 'json');
    if (json) {
      await writeFile(json, `${JSON.stringify(report, null, 2)}\n`);
      console.log(`wrote ${json}`);
    }
    return 0;
  } finally {
    peer?.dispose();
    await rt.sync().catch(() => {});
    rt.destroy();
  }
}
