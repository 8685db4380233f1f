/**
 * `tabrl bench [--quick] [--json FILE] [--filter SUBSTR]`: the kernel benchmark against
 * tfjs-backend-webgpu on the same adapter, printed as a table headed by the adapter's name.
 * `--json` writes `{adapter: {vendor, architecture, description, isFallbackAdapter}, rows}` as
 * docs/DESIGN.md specifies. The autotuner starts empty and tunes in this process, so a row measures
 * what this adapter picks now, not whatever an earlier run (perhaps on a busy machine) left in the
 * cache; `--autotune-cache` uses and updates the JSON cache instead (kernels/autotune/file-store.ts).
 */
import { writeFileSync } from 'node:fs';
import { benchReport, formatTable, runKernelBench } from '../../bench/kernels.js';
import { runModelBench } from '../../bench/model-bench.js';
import { createTfjsPeer } from '../../bench/peers/tfjs.js';
import { configureAutotuner } from '../../kernels/autotune/autotuner.js';
import { fileStore } from '../../kernels/autotune/file-store.js';
import { memoryStore } from '../../kernels/autotune/store.js';
import { adapterName, createRuntime } from '../../kernels/runtime/index.js';
import { nodeGpu } from '../../kernels/runtime/node-gpu.js';

const USAGE = `usage: npm run tabrl -- bench [--quick] [--json FILE] [--filter SUBSTR]
       npm run tabrl -- bench --learning [--preset NAME] ...   (time to learn; --learning --help)
       npm run tabrl -- bench --device-check [--size S] ...    (the prepared real-GPU check; --device-check --help)
       npm run tabrl -- bench --soak [--steps N] ...           (GPU memory over a long session; --soak --help)

  --quick          1 warm-up and 3 timed runs per side instead of 2 and 10
  --json FILE      also write {adapter, rows} as JSON to FILE
  --filter SUBSTR  only rows whose "section name shape" contains SUBSTR
  --model-runs N   timed runs per side of each model row, the row their median (default 1: a tfjs
                   training step of the default model takes a minute or more on a software adapter)
  --verbose        print each row as it finishes and the autotuner's timings
  --autotune-cache tune with the cached winners (~/.cache/tabrl) instead of afresh in this process`;

interface BenchArgs {
  quick: boolean;
  modelRuns: number;
  json?: string;
  filter?: string;
  verbose: boolean;
  autotuneCache: boolean;
}

function parseArgs(argv: string[]): BenchArgs | string {
  const args: BenchArgs = { quick: false, modelRuns: 1, verbose: false, autotuneCache: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--quick') args.quick = true;
    else if (arg === '--verbose') args.verbose = true;
    else if (arg === '--autotune-cache') args.autotuneCache = true;
    else if (arg === '--model-runs') {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 1) return '--model-runs needs a whole number >= 1';
      args.modelRuns = n;
    } else if (arg === '--json' || arg === '--filter') {
      const value = argv[++i];
      if (value === undefined) return `${arg} needs a value`;
      if (arg === '--json') args.json = value;
      else args.filter = value;
    } else return `unknown option "${arg}"`;
  }
  return args;
}

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--learning')) return (await import('./bench-learning.js')).runLearning(argv);
  if (argv.includes('--device-check'))
    return (await import('./bench-device-check.js')).runDeviceCheckCommand(argv);
  if (argv.includes('--soak')) return (await import('./bench-soak.js')).runSoakCommand(argv);
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    console.error(`tabrl bench: ${args}\n\n${USAGE}`);
    return 2;
  }
  const gpu = await nodeGpu();
  const rt = await createRuntime({ gpu });
  const log = args.verbose ? (line: string) => console.error(line) : undefined;
  const tuner = configureAutotuner(rt, { store: args.autotuneCache ? fileStore() : memoryStore(), log });
  const name = adapterName(rt.facts);
  console.log(`adapter: ${name}`);
  console.log(
    `mode: ${args.quick ? 'quick (1 warm-up + 3 runs, median)' : '2 warm-ups + 10 runs, median'}\n`,
  );
  const peer = await createTfjsPeer(rt, gpu).catch((err: unknown) => {
    console.warn(`bench: no tfjs peer (${err instanceof Error ? err.message : String(err)})`);
    return null;
  });
  try {
    const t0 = performance.now();
    const rows = await runKernelBench(rt, { quick: args.quick, filter: args.filter, gpu, log, peer });
    const model = await runModelBench(rt, {
      quick: args.quick,
      filter: args.filter,
      peer,
      log,
      timed: args.modelRuns,
    });
    rows.push(...model.rows);
    if (rows.length === 0) {
      console.error(`tabrl bench: no rows match --filter "${args.filter}"`);
      return 2;
    }
    console.log(formatTable(rows));
    for (const r of rows.filter((x) => x.dispatches !== undefined))
      console.log(`${r.name}: ${r.dispatches} dispatches per step`);
    for (const a of model.agreements) {
      const fmt = (xs: number[]) => xs.map((x) => x.toFixed(6)).join(', ');
      console.log(
        `loss check ${a.label} (same weights and tokens, step by step): ours ${fmt(a.ours)}; tfjs ${fmt(a.peer)}`,
      );
    }
    console.log(`\nbench took ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    const choices = Object.entries(tuner.choices());
    if (choices.length > 0)
      console.log(`\nautotuned variants: ${choices.map(([k, v]) => `${k}=${v}`).join(', ')}`);
    if (args.json) {
      writeFileSync(args.json, `${JSON.stringify(benchReport(rt.facts, rows), null, 2)}\n`);
      console.log(`wrote ${args.json}`);
    }
    return 0;
  } finally {
    peer?.dispose();
    await rt.sync().catch(() => {});
    rt.destroy();
  }
}
