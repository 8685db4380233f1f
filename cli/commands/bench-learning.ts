/**
 * `tabrl bench --learning [--preset NAME] [--prompts N] [--every K] [--steps N] [--json FILE]`: the
 * time-to-learn benchmark (engine/train/learning.ts) of a preset from its warm start on this adapter. With
 * `--browser` it runs in Chromium instead, in the lab's own engine worker: the production build
 * (`dist/`, from `npm run build`) is served on a localhost port, the lab page is opened headless, and
 * its `window.tabrlBench.learning` hook (app/main.tsx) sends the worker a `bench-learning` message.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DEFAULT_PRESET } from '../../engine/config/presets.js';
import type { RunConfig } from '../../engine/config/schema.js';
import {
  formatLearningReport,
  type LearningEval,
  type LearningReport,
  runLearningBench,
} from '../../engine/train/learning.js';
import { adapterName } from '../../kernels/runtime/index.js';
import { integer, one, type ParsedArgs, parseArgs } from '../lib/args.js';
import { loadDatasetRows } from '../lib/dataset.js';
import { cliRuntime } from '../lib/gpu.js';
import { serveStatic } from '../lib/static-site.js';
import { openCheckpointOnDisk } from '../lib/training.js';
import { resolveCliConfig } from './train.js';

export const LEARNING_USAGE = `usage: npm run tabrl -- bench --learning [--preset NAME | --config FILE_OR_SHARE_URL] [--set key=value ...]
                                        [--prompts N] [--every K] [--steps N] [--json FILE]
                                        [--browser [--swiftshader] [--chromium PATH]]

  --preset   the preset to run from its warm start (default: sorting, the lab's default card)
  --config   a run config file or share link instead; --set changes any option, as for train
  --prompts  held-out prompts per evaluation (default 200)
  --every    evaluate after every K steps (default 5); step 0 is always evaluated
  --steps    stop after N steps (default: the preset's max_steps)
  --json     also write the report as JSON
  --browser  run it in Chromium, in the lab's engine worker, on the production build (npm run build
             first); --swiftshader picks Chromium's software adapter (what a machine without a GPU
             has), --chromium the browser (default $CHROMIUM_PATH or /usr/bin/chromium)`;

export async function runLearning(argv: string[]): Promise<number> {
  const args = parseArgs(
    argv.filter((a) => a !== '--learning'),
    ['help', 'browser', 'swiftshader'],
  );
  if (args.flags.has('help')) {
    console.log(LEARNING_USAGE);
    return 0;
  }
  if (!args.values.has('preset') && !args.values.has('config')) args.values.set('preset', [DEFAULT_PRESET]);
  const preset = one(args, 'preset') ?? `config ${one(args, 'config')}`;
  const config = await resolveCliConfig(args);
  const prompts = integer(args, 'prompts') ?? 200;
  const every = integer(args, 'every') ?? 5;
  if (prompts < 1 || every < 1) throw new Error('--prompts and --every must be at least 1');
  if (args.flags.has('browser'))
    return runInBrowser(args, {
      preset,
      config,
      prompts,
      every,
      steps: integer(args, 'steps'),
    });
  const rt = await cliRuntime();
  const adapter = `${adapterName(rt.facts)}${rt.facts.isSoftware ? ' (software)' : ''}`;
  console.error(`tabrl bench --learning: ${preset} on ${adapter}`);
  try {
    const r = await runLearningBench({
      rt,
      preset,
      config,
      prompts,
      every,
      steps: integer(args, 'steps'),
      openCheckpoint: openCheckpointOnDisk,
      datasetRows: await loadDatasetRows(config),
      onEval: printEval,
    });
    await report(r, adapter, one(args, 'json'));
    return 0;
  } finally {
    rt.destroy();
  }
}

/** Writes and prints the report the same way for either side. */
async function report(r: LearningReport, adapter: string, json: string | undefined): Promise<void> {
  console.log(formatLearningReport(r, adapter));
  if (json) await writeFile(json, `${JSON.stringify({ adapter, ...r }, null, 2)}\n`);
}

const printEval = (e: LearningEval) =>
  console.error(
    `  step ${e.steps}: pass@1 ${e.passAt1.toFixed(4)} (greedy ${e.greedy.toFixed(3)}) after ${e.seconds.toFixed(1)} s of steps`,
  );

/** `--browser`: the benchmark in headless Chromium, in the lab's worker, on the served production build. */
async function runInBrowser(
  args: ParsedArgs,
  o: { preset: string; config: RunConfig; prompts: number; every: number; steps?: number },
): Promise<number> {
  const dist = resolve(import.meta.dirname, '../../dist');
  if (!existsSync(join(dist, 'index.html')))
    throw new Error(
      `${dist}/index.html is missing: --browser runs the production build; run \`npm run build\` first`,
    );
  const executablePath = one(args, 'chromium') ?? process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(executablePath))
    throw new Error(
      `${executablePath} not found: install Chromium (Debian: apt-get install -y chromium) or name it with --chromium PATH`,
    );
  const { chromium } = await import('playwright-core');
  const site = await serveStatic(dist);
  const webgpu = ['--enable-unsafe-webgpu', '--enable-features=Vulkan'];
  if (args.flags.has('swiftshader')) webgpu.push('--use-webgpu-adapter=swiftshader');
  const browser = await chromium.launch({
    executablePath,
    args: ['--no-sandbox', '--no-first-run', ...webgpu],
  });
  try {
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.exposeFunction('tabrlBenchEval', printEval);
    await page.goto(site.url);
    const facts = page.getByTestId('adapter-facts');
    await facts.waitFor({ timeout: 120_000 }).catch(() => {
      throw new Error(
        `the lab at ${site.url} showed no WebGPU adapter within 120 s${pageErrors.length ? `: ${pageErrors.join('; ')}` : ''} (is WebGPU enabled in this Chromium? try --swiftshader)`,
      );
    });
    console.error(
      `tabrl bench --learning --browser: ${o.preset} in Chromium ${browser.version()}, the lab's worker`,
    );
    const { report: r, adapter } = await page.evaluate(
      (opts) =>
        (
          window as unknown as {
            tabrlBench: {
              learning: (
                o: unknown,
                f: (e: LearningEval) => void,
              ) => Promise<{ report: LearningReport; adapter: string }>;
            };
          }
        ).tabrlBench.learning(opts, (e) =>
          (window as unknown as { tabrlBenchEval: (e: LearningEval) => void }).tabrlBenchEval(e),
        ),
      o,
    );
    await report(r, `${adapter}, in Chromium ${browser.version()} (the lab's worker)`, one(args, 'json'));
    return 0;
  } finally {
    await browser.close();
    await site.close();
  }
}
