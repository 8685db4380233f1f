/**
 * `tabrl bench --learning [--preset NAME] [--prompts N] [--every K] [--steps N] [--json FILE]`: the
 * time-to-learn benchmark (bench/learning.ts) of a preset from its warm start on this adapter.
 */
import { writeFile } from 'node:fs/promises';
import { formatLearningReport, runLearningBench } from '../../bench/learning.js';
import { adapterName } from '../../kernels/runtime/index.js';
import { integer, one, parseArgs } from '../lib/args.js';
import { loadDatasetRows } from '../lib/dataset.js';
import { cliRuntime } from '../lib/gpu.js';
import { openCheckpointOnDisk } from '../lib/training.js';
import { resolveCliConfig } from './train.js';

export const LEARNING_USAGE = `usage: npm run tabrl -- bench --learning [--preset NAME | --config FILE_OR_SHARE_URL] [--set key=value ...]
                                        [--prompts N] [--every K] [--steps N] [--json FILE]

  --preset   the preset to run from its warm start (default: arithmetic, the lab's default card)
  --config   a run config file or share link instead; --set changes any option, as for train
  --prompts  held-out prompts per evaluation (default 200)
  --every    evaluate after every K steps (default 5); step 0 is always evaluated
  --steps    stop after N steps (default: the preset's max_steps)
  --json     also write the report as JSON`;

export async function runLearning(argv: string[]): Promise<number> {
  const args = parseArgs(
    argv.filter((a) => a !== '--learning'),
    ['help'],
  );
  if (args.flags.has('help')) {
    console.log(LEARNING_USAGE);
    return 0;
  }
  if (!args.values.has('preset') && !args.values.has('config')) args.values.set('preset', ['arithmetic']);
  const preset = one(args, 'preset') ?? `config ${one(args, 'config')}`;
  const config = await resolveCliConfig(args);
  const prompts = integer(args, 'prompts') ?? 200;
  const every = integer(args, 'every') ?? 5;
  if (prompts < 1 || every < 1) throw new Error('--prompts and --every must be at least 1');
  const rt = await cliRuntime();
  const adapter = `${adapterName(rt.facts)}${rt.facts.isSoftware ? ' (software)' : ''}`;
  console.error(`tabrl bench --learning: ${preset} on ${adapter}`);
  try {
    const report = await runLearningBench({
      rt,
      preset,
      config,
      prompts,
      every,
      steps: integer(args, 'steps'),
      openCheckpoint: openCheckpointOnDisk,
      datasetRows: await loadDatasetRows(config),
      onEval: (e) =>
        console.error(
          `  step ${e.steps}: pass@1 ${e.passAt1.toFixed(4)} (greedy ${e.greedy.toFixed(3)}) after ${e.seconds.toFixed(1)} s of steps`,
        ),
    });
    console.log(formatLearningReport(report, adapter));
    const json = one(args, 'json');
    if (json) await writeFile(json, `${JSON.stringify({ adapter, ...report }, null, 2)}\n`);
    return 0;
  } finally {
    rt.destroy();
  }
}
