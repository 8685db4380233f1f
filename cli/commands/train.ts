/**
 * `tabrl train`: headless training from a preset, a config file or a share link, to a run folder
 * (docs/DESIGN.md). Ctrl-C finishes the current step, saves a checkpoint and exits; `--resume DIR`
 * continues that folder's run.
 */
import { readFile } from 'node:fs/promises';
import { findPreset, PRESETS } from '../../engine/config/presets.js';
import { type PartialRunConfig, parseRunConfig, setByPath } from '../../engine/config/resolve.js';
import type { RunConfig } from '../../engine/config/schema.js';
import { HealthMonitor } from '../../engine/train/health.js';
import { adapterName } from '../../kernels/runtime/index.js';
import { integer, one, parseArgs, required } from '../lib/args.js';
import { cliRuntime } from '../lib/gpu.js';
import { ProgressBar } from '../lib/progress.js';
import { configFromShareLink, isShareLink } from '../lib/share.js';
import { runTraining } from '../lib/training.js';

const USAGE = `usage: npm run tabrl -- train (--preset NAME | --config FILE_OR_SHARE_URL) [--set key=value ...] [--steps N] --out DIR
       npm run tabrl -- train --resume DIR [--steps N]
presets: ${PRESETS.map((p) => p.name).join(', ')}`;

export async function loadConfigArg(value: string): Promise<PartialRunConfig | RunConfig> {
  if (isShareLink(value)) return configFromShareLink(value) as PartialRunConfig;
  let text: string;
  try {
    text = await readFile(value, 'utf8');
  } catch {
    throw new Error(
      `--config ${value}: no such file (give a RunConfig JSON file or a share link with #c=...)`,
    );
  }
  try {
    return JSON.parse(text) as PartialRunConfig;
  } catch (e) {
    throw new Error(`--config ${value}: not valid JSON (${(e as Error).message})`);
  }
}

export async function resolveCliConfig(args: ReturnType<typeof parseArgs>): Promise<RunConfig> {
  const preset = one(args, 'preset');
  const configArg = one(args, 'config');
  if ((preset === undefined) === (configArg === undefined))
    throw new Error(`give exactly one of --preset and --config\n${USAGE}`);
  let partial: PartialRunConfig =
    preset !== undefined
      ? structuredClone(findPreset(preset).config)
      : ((await loadConfigArg(configArg as string)) as PartialRunConfig);
  for (const assignment of args.values.get('set') ?? []) partial = setByPath(partial, assignment);
  const parsed = parseRunConfig(partial);
  if (!parsed.ok) throw new Error(`the run config is invalid:\n  ${parsed.errors.join('\n  ')}`);
  return parsed.config;
}

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['help']);
  if (args.flags.has('help')) {
    console.log(USAGE);
    return 0;
  }
  const resumeDir = one(args, 'resume');
  const outDir = resumeDir ?? required(args, 'out', USAGE);
  const config = resumeDir ? undefined : await resolveCliConfig(args);
  const rt = await cliRuntime();
  console.error(
    `tabrl train: ${adapterName(rt.facts)}${rt.facts.isSoftware ? ' (software: slow but exact)' : ''}`,
  );
  let stop = false;
  const onSigint = () => {
    if (stop) process.exit(130);
    stop = true;
    console.error(
      '\ntabrl train: interrupted; saving a checkpoint after this step (Ctrl-C again to quit now)',
    );
  };
  process.on('SIGINT', onSigint);
  let bar: ProgressBar | null = null;
  let health: HealthMonitor | null = null;
  const summary = await runTraining({
    rt,
    outDir,
    config,
    resume: Boolean(resumeDir),
    stopAfter: integer(args, 'steps'),
    interrupted: () => stop,
    onWarning: (m) => console.error(`\nwarning: ${m}`),
    onSetup: (lines) => {
      for (const line of lines) console.error(`tabrl train: ${line}`);
    },
    onStep: (m, session) => {
      // Created at the end of the first step of this process: that step's time and the steps a
      // resumed run had already done are known, so the eta rates only this process's steps.
      bar ??= new ProgressBar(
        session.config.max_steps,
        'train',
        session.stepsDone - 1,
        performance.now() - m.step_time * 1000,
      );
      const parts = [`step ${m.step}`];
      // a staged run says which stage the step was in: "stage 2/2 rl_add"
      const stages = session.config.stages;
      if (stages && m.stage !== undefined)
        parts.push(`stage ${m.stage + 1}/${stages.length} ${stages[m.stage].name}`);
      if (m.reward !== undefined) parts.push(`reward ${m.reward.toFixed(3)}`);
      if (m.loss !== undefined) parts.push(`loss ${m.loss.toFixed(4)}`);
      if (m['eval/pass@1'] !== undefined) parts.push(`pass@1 ${m['eval/pass@1'].toFixed(3)}`);
      parts.push(`${m.tokens_per_second.toFixed(0)} tok/s`);
      bar.update(session.stepsDone, parts.join(' '));
      health ??= new HealthMonitor(
        session.config.algorithm,
        session.stages.map((st) => st.config.algorithm),
      );
      for (const n of health.push(m as unknown as Record<string, unknown>))
        console.error(`\nnotice at step ${n.step}: ${n.title}. ${n.text}`);
    },
  });
  (bar as ProgressBar | null)?.done();
  process.off('SIGINT', onSigint);
  const steady = summary.trainSeconds - summary.firstStepSeconds;
  const ran = summary.metrics.length;
  // a resumed run: say which steps this process ran, not the run's total
  const what =
    ran === summary.steps ? `${ran} steps` : `${ran} steps (${summary.steps - ran} to ${summary.steps - 1})`;
  console.error(
    `tabrl train: ${what} in ${summary.trainSeconds.toFixed(1)} s of training ` +
      `(first step ${summary.firstStepSeconds.toFixed(1)} s; the other ${Math.max(0, summary.metrics.length - 1)} took ${steady.toFixed(1)} s); ` +
      `setup ${summary.setupSeconds.toFixed(1)} s apart: loading, kernel compilation and autotuning`,
  );
  console.error(
    `tabrl train: wrote ${outDir}/{config.json,metrics.jsonl,samples.jsonl,checkpoint/}${summary.interrupted ? ' (interrupted)' : ''}`,
  );
  rt.destroy();
  return summary.interrupted ? 130 : 0;
}
