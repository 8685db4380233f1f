/**
 * `tabrl experiment`: runs a declared experiment (engine/experiments/registry.ts) arm by arm into
 * one folder, writes DIR/verdict.json and DIR/arms.json, and prints a table (docs/EXPERIMENTS.md).
 * The engine's runner decides what to train and evaluate and how to judge; this file gives it the
 * GPU, the run folders (cli/lib/training.ts), `tabrl interpolate` and the trainer's evaluation.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { EXPERIMENTS, findExperiment } from '../../engine/experiments/registry.js';
import { type ArmRow, type ExperimentExecutor, runExperiment } from '../../engine/experiments/runner.js';
import { type Experiment, expectedText, SCALES, type Scale } from '../../engine/experiments/types.js';
import { readCheckpoint } from '../../engine/model/checkpoint.js';
import { PAPERS } from '../../engine/papers.js';
import { createTrainingSession } from '../../engine/train/session.js';
import { adapterName, type Runtime } from '../../kernels/runtime/index.js';
import { integer, one, parseArgs, required } from '../lib/args.js';
import { loadDatasetRows } from '../lib/dataset.js';
import { cliRuntime } from '../lib/gpu.js';
import { loadReference } from '../lib/guidance.js';
import { openCheckpointOnDisk, REPO_ROOT, runTraining } from '../lib/training.js';
import { run as interpolateCommand } from './interpolate.js';

const USAGE = `usage: npm run tabrl -- experiment --list
       npm run tabrl -- experiment NAME [--scale quick|full] [--seed S] --out DIR
  --scale  full (default): the measured setting of docs/EXPERIMENTS.md; quick: a micro model, 1-2 steps an arm (checks the machinery)
  --seed   the seed of every arm (default 0)
  --out    a new (or empty) folder: one run folder per arm, verdict.json, arms.json
experiments: ${EXPERIMENTS.map((e) => e.name).join(', ')}`;

function armText(e: Experiment): string {
  return e.arms
    .map((a) => {
      if ('interpolate' in a) return `${a.label} (interpolate ${a.interpolate} of ${a.from})`;
      if ('guidance_weight' in a) return `${a.label} (guidance ${a.guidance_weight} of ${a.from})`;
      return a.label;
    })
    .join(', ');
}

export function listText(): string {
  return EXPERIMENTS.map((e) =>
    [
      e.name,
      `  claim:  ${e.claim}`,
      `  arms:   ${armText(e)}`,
      `  judged: ${e.metric} (${e.source === 'train' ? 'logged in training: mean over the second half of steps' : 'held-out evaluation'}), expected ${expectedText(e.judge)}`,
      `  papers: ${e.papers.map((p) => PAPERS[p].title).join('; ')}`,
    ].join('\n'),
  ).join('\n\n');
}

/** The table the command prints: arm, value ± stderr, steps, seconds. */
export function tableText(metric: string, rows: readonly ArmRow[]): string {
  const w = Math.max(3, ...rows.map((r) => r.label.length));
  const v = Math.max(17, metric.length);
  const head = `${'arm'.padEnd(w)}  ${metric.padEnd(v)}  steps  seconds`;
  const lines = rows.map(
    (r) =>
      `${r.label.padEnd(w)}  ${`${r.value.toFixed(4)} ± ${r.stderr.toFixed(4)}`.padEnd(v)}  ${String(r.steps).padStart(5)}  ${r.seconds.toFixed(1).padStart(7)}`,
  );
  return [head, ...lines].join('\n');
}

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    return 'unknown';
  }
}

function cliExecutor(rt: Runtime, log: (line: string) => void): ExperimentExecutor {
  return {
    join,
    now: () => performance.now() / 1000,
    checkpointOf: (runDir) => (existsSync(join(runDir, 'checkpoint')) ? join(runDir, 'checkpoint') : runDir),
    async train(label, config, dir, steps) {
      const summary = await runTraining({
        rt,
        outDir: dir,
        config,
        stopAfter: steps,
        onWarning: (m) => log(`warning (${label}): ${m}`),
        onStep: (m) => {
          const parts = [`${label}: step ${m.step + 1}/${steps}`];
          if (m.reward !== undefined) parts.push(`reward ${m.reward.toFixed(3)}`);
          if (m.loss !== undefined) parts.push(`loss ${m.loss.toFixed(4)}`);
          parts.push(`${m.step_time.toFixed(1)} s`);
          log(parts.join(' '));
        },
      });
      log(
        `${label}: ${summary.steps} steps in ${summary.trainSeconds.toFixed(1)} s (setup ${summary.setupSeconds.toFixed(1)} s): ${dir}`,
      );
      return summary.metrics as unknown as Record<string, unknown>[];
    },
    async interpolate(start, final, alpha, outDir) {
      const code = await interpolateCommand([
        '--from',
        start,
        '--to',
        final,
        '--alpha',
        String(alpha),
        '--out',
        outDir,
      ]);
      if (code !== 0) throw new Error(`interpolate ${start} -> ${final} at ${alpha} failed (exit ${code})`);
    },
    async evaluate(label, modelDir, config, reference) {
      const evalConfig = { ...config, model: { name: modelDir, overrides: {} } };
      // guided arms: θ_ref is the trained arm's start, checked for the same tokenizer
      const guidanceReference =
        config.guidance_weight !== 1
          ? await loadReference(await readCheckpoint(openCheckpointOnDisk(modelDir)), modelDir, reference)
          : undefined;
      const session = await createTrainingSession(
        rt,
        evalConfig,
        { onWarning: (m) => log(`warning (${label} eval): ${m}`) },
        {
          openCheckpoint: openCheckpointOnDisk,
          datasetRows: await loadDatasetRows(evalConfig),
          ...(guidanceReference ? { guidanceReference } : {}),
        },
      );
      try {
        const t0 = performance.now();
        const ev = await session.evaluateDetailed(config.eval_prompts);
        const n = Object.values(ev.perPrompt)[0]?.length ?? 0;
        log(
          `${label}: evaluated on ${n} held-out prompts x ${config.eval_samples} in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
        );
        return ev;
      } finally {
        session.dispose();
      }
    },
  };
}

function scaleArg(value: string | undefined): Scale {
  if (value === undefined) return 'full';
  if (!(SCALES as readonly string[]).includes(value))
    throw new Error(`--scale must be one of ${SCALES.join(', ')} (got ${value})`);
  return value as Scale;
}

/** `rt`: a runtime to use and leave open (tests share one across experiments); else the CLI's own. */
export async function run(argv: string[], shared?: Runtime): Promise<number> {
  const args = parseArgs(argv, ['help', 'list']);
  if (args.flags.has('help')) {
    console.log(USAGE);
    return 0;
  }
  if (args.flags.has('list')) {
    console.log(listText());
    return 0;
  }
  if (args.positionals.length !== 1)
    throw new Error(`give one experiment name (got ${args.positionals.length})\n${USAGE}`);
  const experiment = findExperiment(args.positionals[0]);
  const scale = scaleArg(one(args, 'scale'));
  const seed = integer(args, 'seed') ?? 0;
  const outDir = resolve(required(args, 'out', USAGE));
  if (existsSync(outDir) && (await readdir(outDir)).length > 0)
    throw new Error(`--out ${outDir} exists and is not empty; give a new folder`);
  const rt = shared ?? (await cliRuntime());
  const adapter = adapterName(rt.facts);
  const log = (line: string) => console.error(`tabrl experiment: ${line}`);
  log(
    `${experiment.name} at ${scale} scale, seed ${seed}, on ${adapter}${rt.facts.isSoftware ? ' (software: slow but exact)' : ''}`,
  );
  const t0 = performance.now();
  try {
    const result = await runExperiment({
      experiment,
      scale,
      seed,
      outDir,
      commit: gitCommit(),
      adapter,
      executor: cliExecutor(rt, log),
    });
    await writeFile(join(outDir, 'verdict.json'), `${JSON.stringify(result.verdict, null, 2)}\n`);
    await writeFile(
      join(outDir, 'arms.json'),
      `${JSON.stringify({ scale, seconds: (performance.now() - t0) / 1000, rows: result.rows }, null, 2)}\n`,
    );
    console.log(`${experiment.name}: ${experiment.claim}`);
    console.log(tableText(experiment.metric, result.rows));
    console.log(`expected ${result.verdict.expected}: ${result.verdict.verdict}`);
    log(`${((performance.now() - t0) / 1000).toFixed(1)} s in all; wrote ${outDir}/verdict.json`);
  } finally {
    if (!shared) rt.destroy();
  }
  return 0;
}
