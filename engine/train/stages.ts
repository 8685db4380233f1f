/**
 * A run's stages as the trainer walks them (docs/ALGORITHMS.md "Stages (`stages`) and extra
 * evaluations (`eval_tasks`)"). A run without `stages` is one stage, its config, from step 0. The
 * global step counts across stages; the trainer context holds the current stage's resolved config,
 * task and rollout settings, and `stageStart` (the LR schedule and the SFT warm-up count from it).
 *
 * `startStage` is the one place where a new stage begins, at the end of the previous stage's last
 * step (after its evaluation), so a checkpoint saved then already holds the new stage's reset state:
 * AdamW moments and bias-correction counts (policy and value head) zero, REINFORCE's baseline null,
 * θ_ref dropped (the session takes it again at the stage's first RL step), the value head kept only
 * when both stages use gae. Anything else that must be drawn or reset per stage (e.g. `freeze`'s
 * frozen set, the `relift` buffer) goes in `StageHooks.onStageStart`, which runs at every stage's
 * first step: stage 0 when the session is created, each later stage in `startStage`; it does not
 * run on resume (the state then is the checkpoint's).
 */
import { stageConfigs } from '../config/resolve.js';
import type { RunConfig } from '../config/schema.js';
import { adamwDispose, adamwInit } from '../optim/adamw.js';
import type { Task } from '../tasks/types.js';
import type { RolloutContext } from './rollout.js';
import type { TrainerContext } from './steps.js';

export interface Stage {
  /** 0-based; logged as `stage`. */
  index: number;
  name: string;
  /** Global step of the stage's first step. */
  start: number;
  steps: number;
  /** The stage's resolved RunConfig (max_steps = steps). */
  config: RunConfig;
}

/** The stages of `config` in order (one, the config itself, from step 0, without `stages`). */
export function planStages(config: RunConfig): Stage[] {
  const configs = stageConfigs(config);
  let start = 0;
  return configs.map((c, index) => {
    const stage = {
      index,
      name: config.stages?.[index]?.name ?? 'run',
      start,
      steps: c.max_steps,
      config: c,
    };
    start += c.max_steps;
    return stage;
  });
}

/** The stage global step `step` belongs to (the last stage for steps past the end). */
export function stageAt(stages: readonly Stage[], step: number): Stage {
  return stages.find((s) => step < s.start + s.steps) ?? stages[stages.length - 1];
}

/** True when `stepsDone` steps complete a stage (its last step just ran). */
export function endsStage(stages: readonly Stage[], stepsDone: number): boolean {
  return stages.some((s) => s.start + s.steps === stepsDone);
}

/** What a stage's task and rollout settings are built from (the session supplies them). */
export interface StageEnv {
  /** The stage's Task object (stages with the same task options share one). */
  task(stage: Stage): Task;
  /** The stage's rollout context (its task, sampling, prompt format and rewards). */
  rolloutContext(stage: Stage): RolloutContext;
}

/** Per-stage work other modules add: runs at every stage's first step (see the module comment). */
export interface StageHooks {
  onStageStart?(ctx: TrainerContext, stage: Stage): void;
}

/** Points the context at `stage`'s config, task and rollout settings; resets nothing. */
export function enterStage(ctx: TrainerContext, stage: Stage, env: StageEnv): void {
  ctx.config = stage.config;
  ctx.stageStart = stage.start;
  ctx.task = env.task(stage);
  ctx.rolloutCtx = env.rolloutContext(stage);
}

const usesGae = (c: RunConfig) => c.advantage_estimator === 'gae';

/** Begins `next` after `prev`'s last step: the resets above, then `enterStage`, then the hooks. */
export function startStage(
  ctx: TrainerContext,
  prev: Stage,
  next: Stage,
  env: StageEnv,
  hooks: StageHooks = {},
): void {
  adamwDispose(ctx.optimizer);
  ctx.optimizer = adamwInit(ctx.trainable);
  if (ctx.valueHead) {
    if (usesGae(prev.config) && usesGae(next.config)) ctx.valueHead.resetOptimizer();
    else {
      ctx.valueHead.dispose();
      ctx.valueHead = null;
    }
  }
  ctx.reinforce = { baseline: null };
  ctx.ref?.dispose();
  ctx.ref = null;
  enterStage(ctx, next, env);
  hooks.onStageStart?.(ctx, next);
}
