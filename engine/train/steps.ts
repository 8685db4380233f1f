/**
 * The three kinds of step a run takes: an RL step (rollout, reference log-probs, advantages,
 * policy-gradient update) for the GRPO family and PPO-style estimators, an SFT step on gold
 * demonstrations (SFT and warm-ups), and a rejection-sampling step (RFT). Each returns its metrics row
 * in docs/DESIGN.md's names and, for sampling steps, the samples row. Randomness comes from streams derived
 * from (seed, step), so a resumed run draws exactly what an uninterrupted one would.
 */
import type { RunConfig } from '../config/schema.js';
import type { SftHeadOptions } from '../model/gpu/head.js';
import type { GpuModel } from '../model/gpu/model.js';
import type { GpuParams } from '../model/gpu/params.js';
import type { AdamwConfig, AdamwState } from '../optim/adamw.js';
import { learningRate } from '../optim/schedule.js';
import { hasSpread, mean, type ReinforceState } from '../rl/advantages.js';
import { incorrectMeanLength } from '../rl/completion-lengths.js';
import { distinctFraction } from '../rl/diversity.js';
import { dynamicSample } from '../rl/dynamic-sampling.js';
import type { PolicyLossOptions } from '../rl/policy-loss.js';
import type { Rng } from '../rl/random.js';
import { rftSample } from '../rl/rft.js';
import { rewardMetrics, shapedRewards, stepAdvantages } from '../rl/step-advantages.js';
import { rftStream, rolloutStream } from '../rl/streams.js';
import { drawTrainingBatch } from '../tasks/split.js';
import type { Task, TaskSample } from '../tasks/types.js';
import type { PromptFormat } from '../tokenizers/prompt-format.js';
import type { Tokenizer } from '../tokenizers/tokenizer.js';
import type { FreezeChoice } from './freeze.js';
import { drawPrefixLengths, prefixMask, prefixMetrics } from './prefix.js';
import { type ReliftState, reliftAfterStep } from './relift.js';
import {
  type ForcedPrefixes,
  type Rollout,
  type RolloutContext,
  type RolloutRow,
  rollout,
} from './rollout.js';
import { type SelfTargetCache, sftTargetRows } from './self-targets.js';
import type { DroppedGroup, SessionPhase, StepMetrics, StepSamples } from './session-types.js';
import { stepKind } from './step-kind.js';
import {
  accumulatePolicyGradient,
  accumulateSftGradient,
  completionLogprobs,
  type TokenRow,
  updatePolicy,
} from './update.js';
import { ValueHead } from './value-head.js';

export interface TrainerContext {
  config: RunConfig;
  model: GpuModel;
  tokenizer: Tokenizer;
  task: Task;
  rng: Rng;
  rolloutCtx: RolloutContext;
  optimizer: AdamwState;
  /** What `optimizer` trains: the policy's parameters, or its LoRA adapters. */
  trainable: GpuParams;
  grads: GpuParams;
  /** θ_ref (docs/ALGORITHMS.md "The reference θ_ref"): held for beta > 0, sft_loss asft and sft_targets self_when_correct, else null. */
  ref: GpuParams | null;
  /** θ_ref's greedy answers per prompt for `sft_targets: self_when_correct` (self-targets.ts). */
  selfTargets: SelfTargetCache;
  /** Half fine-tuning's choice for the current stage (engine/train/freeze.ts); null without `freeze`. */
  freeze: FreezeChoice | null;
  /** PPO's value head (advantage_estimator gae), created at the first RL step. */
  valueHead: ValueHead | null;
  reinforce: ReinforceState;
  /**
   * The global step at which the current stage began (0 without `stages`): the LR schedule and the
   * SFT warm-up count steps from it, random streams and metric rows use the global step (stages.ts).
   */
  stageStart: number;
  /** Prompt + completion tokens processed since the run began (TRL's num_tokens). */
  numTokens: number;
  /** Completions sampled since the run began, all rounds, kept or not (`num_completions`). */
  numCompletions: number;
  /** `relift`'s buffer of unsolved prompts (empty when the option is off). */
  relift: ReliftState;
  phase: (phase: SessionPhase, progress?: number, detail?: string) => void;
  warn: (message: string) => void;
}

export interface StepOutput {
  metrics: StepMetrics;
  samples: StepSamples | null;
}

const now = () => performance.now() / 1000;

/** The learning rate of global step `step`: the schedule counts steps within the stage. */
function stageLearningRate(ctx: TrainerContext, step: number): number {
  return learningRate(step - ctx.stageStart, ctx.config);
}

function adamwConfig(ctx: TrainerContext, step: number): AdamwConfig {
  const c = ctx.config;
  return {
    learningRate: stageLearningRate(ctx, step),
    beta1: c.adam_beta1,
    beta2: c.adam_beta2,
    eps: c.adam_epsilon,
    weightDecay: c.weight_decay,
    maxGradNorm: c.max_grad_norm,
  };
}

function stepRng(ctx: TrainerContext, purpose: string, step: number): Rng {
  return ctx.rng.split(purpose).split(`step:${step}`);
}

function heldOutFraction(ctx: TrainerContext): number {
  return (ctx.config.task as { held_out_fraction?: number }).held_out_fraction ?? 0.1;
}

/** [B*L] 1 on completion tokens. */
function completionMask(rows: readonly { completionIds: readonly number[] }[], L: number): Float64Array {
  const mask = new Float64Array(rows.length * L);
  rows.forEach((r, b) => {
    for (let t = 0; t < r.completionIds.length; t++) mask[b * L + t] = 1;
  });
  return mask;
}

function flatten(rows: readonly RolloutRow[], L: number, key: 'logprobs' | 'entropies'): Float64Array {
  const out = new Float64Array(rows.length * L);
  rows.forEach((r, b) => {
    r[key].forEach((v, t) => {
      out[b * L + t] = v;
    });
  });
  return out;
}

/** The samples.jsonl row; a new group starts wherever `group` changes. */
function samplesRow(
  step: number,
  rows: readonly RolloutRow[],
  advantages: (r: number) => number,
  dropped?: (row: RolloutRow) => DroppedGroup | undefined,
): StepSamples {
  const groups: StepSamples['groups'] = [];
  rows.forEach((row, r) => {
    if (r === 0 || row.group !== rows[r - 1].group) {
      const rendered = row.promptText !== row.sample.prompt ? { rendered_prompt: row.promptText } : {};
      const why = dropped?.(row);
      groups.push({
        prompt: row.sample.prompt,
        ...rendered,
        ...(why ? { dropped: why } : {}),
        completions: [],
      });
    }
    groups[groups.length - 1].completions.push({
      text: row.text,
      reward: row.reward,
      rewards: row.rewards,
      advantage: advantages(r),
      length: row.completionIds.length,
      truncated: row.truncated,
      tokens: row.completionIds,
      logprobs: row.logprobs,
      entropies: row.entropies,
      pieces: row.pieces,
      ...(row.prefixLength !== undefined ? { prefix_length: row.prefixLength } : {}),
    });
  });
  return { step, groups };
}

function completionStats(rows: readonly RolloutRow[], task: Task) {
  const n = rows.length || 1;
  const groups = new Map<number, string[]>();
  for (const r of rows) groups.set(r.group, [...(groups.get(r.group) ?? []), r.text]);
  // the length bias of per-answer normalisation shows on wrong answers (Dr. GRPO, docs/METRICS.md)
  const wrongLength = incorrectMeanLength(
    rows.map((r) => r.completionIds.length),
    rows.map((r) => task.isCorrect(r.sample, r.text)),
  );
  return {
    'completions/mean_length': rows.reduce((s, r) => s + r.completionIds.length, 0) / n,
    'completions/clipped_ratio': rows.filter((r) => r.truncated).length / n,
    'completions/distinct_fraction': distinctFraction([...groups.values()]),
    ...(wrongLength === undefined ? {} : { 'completions/incorrect_mean_length': wrongLength }),
  };
}

/** [P*G] rows -> P groups of G. */
function groupsOf(rows: readonly RolloutRow[], G: number): RolloutRow[][] {
  return Array.from({ length: rows.length / G }, (_, g) => rows.slice(g * G, (g + 1) * G));
}

interface SampledGroups {
  /** The groups trained on (with dynamic sampling, those kept). */
  roll: Rollout;
  extra: Record<string, number>;
  /** Groups sampled but not trained on (dynamic sampling), with why. */
  dropped: { rows: RolloutRow[]; why: DroppedGroup }[];
  /** Completions sampled in the step, all rounds. */
  sampled: number;
}

/** Means of each reward function over every scored completion of `rolls` (as scoreCompletions's metrics). */
function rewardFunctionMeans(rolls: readonly Rollout[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of Object.keys(rolls[0]?.score.perFunction ?? {})) {
    let sum = 0;
    let count = 0;
    for (const r of rolls)
      for (const v of r.score.perFunction[name] ?? []) {
        if (v === null) continue;
        sum += v;
        count++;
      }
    out[`rewards/${name}/mean`] = count ? sum / count : Number.NaN;
  }
  return out;
}

/**
 * Draws prompts and samples G completions each; with dynamic sampling, keeps drawing for groups with
 * spread. Then `reward`, `reward_std`, `frac_reward_zero_std` and `rewards/<fn>/mean` cover every group
 * sampled in all rounds (what the model did; docs/ALGORITHMS.md, "Counting and dynamic sampling"), and
 * `dynamic_sampling/kept_reward` (set by the caller) the groups trained on.
 */
async function sampleGroups(ctx: TrainerContext, step: number): Promise<SampledGroups> {
  const c = ctx.config;
  const G = c.num_generations;
  const rng = stepRng(ctx, 'tasks', step);
  const draw = (n: number, round: number) => {
    const samples = drawTrainingBatch(ctx.task, rng, n, heldOutFraction(ctx));
    return rollout(
      ctx.rolloutCtx,
      samples,
      G,
      rolloutStream(step, round),
      undefined,
      forcedPrefixes(ctx, samples, step, round),
    );
  };
  if (!c.dynamic_sampling) {
    const roll = await draw(c.prompts_per_step, 0);
    return { roll, extra: {}, dropped: [], sampled: roll.rows.length };
  }
  const rolls: Rollout[] = [];
  const all: RolloutRow[][] = [];
  const sampled = await dynamicSample({
    target: c.prompts_per_step,
    maxResampleRounds: c.max_resample_rounds,
    draw: async (count, round) => {
      const roll = await draw(count, round);
      rolls.push(roll);
      const groups = groupsOf(roll.rows, G);
      all.push(...groups);
      return groups;
    },
    rewardsOf: (group) => group.map((r) => r.reward),
  });
  const allRows = all.flat();
  const kept = new Set(sampled.groups);
  // a group with spread is dropped only when enough were drawn before it
  const dropped = all
    .filter((g) => !kept.has(g))
    .map((g) => ({
      rows: g,
      why: (hasSpread(g.map((r) => r.reward)) ? 'surplus' : 'all_agree') as DroppedGroup,
    }));
  const shaped = shapedRewards(
    c,
    allRows.map((r) => r.reward),
    completionMask(allRows, c.max_completion_length),
  );
  const rows = sampled.groups.flat().map((r, i) => ({ ...r, group: Math.floor(i / G) }));
  const tokens = rolls.reduce((n, r) => n + r.tokens, 0);
  return {
    roll: { rows, groupSize: G, score: rolls[0].score, tokens },
    extra: { ...sampled.metrics, ...rewardMetrics(shaped, G), ...rewardFunctionMeans(rolls) },
    dropped,
    sampled: allRows.length,
  };
}

/**
 * Prefix sampling's forced tokens for the prompts of one sampling round (engine/train/prefix.ts): the
 * lengths drawn from `rng.split('prefix')` at the global step (then `round:<r>`), the decay counting
 * steps within the stage; undefined when the option is off.
 */
export function forcedPrefixes(
  ctx: TrainerContext,
  samples: readonly TaskSample[],
  step: number,
  round: number,
): ForcedPrefixes | undefined {
  const c = ctx.config;
  const o = c.prefix_sampling;
  if (!o) return undefined;
  const G = c.num_generations;
  const tokenizer = ctx.rolloutCtx.prompts.tokenizer;
  const gold = samples.map((s) => {
    const ids = tokenizer.encode(s.gold, { addSpecialTokens: false });
    if (ids.length === 0)
      throw new Error(
        `prefix_sampling needs gold completions, and task ${c.task.name} gave none for prompt ${JSON.stringify(s.prompt)}; set prefix_sampling to null`,
      );
    return ids;
  });
  const lengths = drawPrefixLengths(
    o,
    G,
    gold.map((g) => g.length),
    c.max_completion_length,
    step - ctx.stageStart,
    c.max_steps,
    stepRng(ctx, 'prefix', step).split(`round:${round}`),
  );
  return {
    tokens: lengths.map((l, r) => gold[Math.floor(r / G)].slice(0, l)),
    goldLengths: lengths.map((_, r) => gold[Math.floor(r / G)].length),
  };
}

/** The step's samples with the groups dynamic sampling dropped after the trained ones (advantage 0). */
function withDropped(samples: StepSamples, dropped: SampledGroups['dropped']): StepSamples {
  if (dropped.length === 0) return samples;
  const rows = dropped.flatMap((d, g) => d.rows.map((r) => ({ ...r, group: g })));
  const extra = samplesRow(
    samples.step,
    rows,
    () => 0,
    (row) => dropped[row.group].why,
  );
  return { step: samples.step, groups: [...samples.groups, ...extra.groups] };
}

/** The model runtime's work counters so far: dispatches, submissions, counted FLOPs and host readbacks. */
function gpuWork(ctx: TrainerContext): {
  dispatches: number;
  submits: number;
  flops: number;
  readbacks: number;
} {
  const s = ctx.model.rt.stats();
  return { dispatches: s.dispatches, submits: s.submits, flops: s.flops, readbacks: s.readbacks };
}

type GpuWork = ReturnType<typeof gpuWork>;

/** The keys of a phase's work, spelled out so that the metric registry's tests see every name. */
const PHASE_KEYS = {
  generate: ['dispatches/generate', 'submits/generate', 'flops/generate', 'readbacks/generate'],
  reference: ['dispatches/reference', 'submits/reference', 'flops/reference', 'readbacks/reference'],
  train: ['dispatches/train', 'submits/train', 'flops/train', 'readbacks/train'],
} as const;

/**
 * A phase's work between two readings: its `dispatches/<phase>`, `submits/<phase>`, `flops/<phase>`
 * and `readbacks/<phase>` (docs/METRICS.md).
 */
function phaseWork(phase: keyof typeof PHASE_KEYS, from: GpuWork, to: GpuWork): Record<string, number> {
  const [dispatches, submits, flops, readbacks] = PHASE_KEYS[phase];
  return {
    [dispatches]: to.dispatches - from.dispatches,
    [submits]: to.submits - from.submits,
    [flops]: to.flops - from.flops,
    [readbacks]: to.readbacks - from.readbacks,
  };
}

/** A step's `flops` (counted matmul and attention work) and `gflops_per_second` over its `step_time`. */
function stepFlops(from: GpuWork, to: GpuWork, stepTime: number): Record<string, number> {
  const flops = to.flops - from.flops;
  return { flops, gflops_per_second: flops / 1e9 / Math.max(stepTime, 1e-9) };
}

/** One RL step of the GRPO family (group, rloo, reinforce estimators). */
export async function rlStep(ctx: TrainerContext, step: number): Promise<StepOutput> {
  const c = ctx.config;
  const L = c.max_completion_length;
  const G = c.num_generations;
  const t0 = now();
  const w0 = gpuWork(ctx);
  ctx.phase('generate');
  const { roll, extra, dropped, sampled } = await sampleGroups(ctx, step);
  ctx.numCompletions += sampled;
  const tGen = now();
  const wGen = gpuWork(ctx);
  ctx.phase('score');
  const rows = roll.rows;
  if (rows.length === 0) {
    ctx.warn(`step ${step}: every group's rewards agreed, even after resampling; no update this step.`);
    ctx.numTokens += roll.tokens;
    const relift = await reliftStep(
      ctx,
      step,
      dropped.map((d) => d.rows),
    );
    return {
      metrics: {
        ...relift,
        step,
        ...roll.score.metrics,
        frac_reward_zero_std: 1,
        num_tokens: ctx.numTokens,
        num_completions: ctx.numCompletions,
        step_time: now() - t0,
        tokens_per_second: roll.tokens / Math.max(now() - t0, 1e-9),
        'timing/generate': tGen - t0,
        dispatches: 0,
        ...phaseWork('generate', w0, wGen),
        ...stepFlops(w0, wGen, now() - t0),
        update_skipped: 1,
        ...extra,
      },
      samples: dropped.length > 0 ? withDropped({ step, groups: [] }, dropped) : null,
    };
  }
  const mask = completionMask(rows, L);
  const prefix = prefixMask(rows, L);
  const sampledLp = flatten(rows, L, 'logprobs');
  const tScore = now();
  const wScore = gpuWork(ctx);
  let refLp: Float64Array | null = null;
  if (ctx.ref) {
    ctx.phase('reference');
    refLp = (await completionLogprobs(ctx.model, ctx.ref, rows, L, c.temperature, ctx.tokenizer.padId ?? 0))
      .lp;
  }
  const gae = c.advantage_estimator === 'gae';
  if (gae) ctx.valueHead ??= new ValueHead(ctx.model.rt, ctx.model.config);
  const oldValues = gae
    ? (
        await completionLogprobs(
          ctx.model,
          ctx.model.params,
          rows,
          L,
          c.temperature,
          ctx.tokenizer.padId ?? 0,
          ctx.valueHead ?? undefined,
        )
      ).values
    : undefined;
  const tRef = now();
  const wRef = gpuWork(ctx);
  const adv = stepAdvantages(
    { ...c, advantage_estimator: c.advantage_estimator },
    {
      rewards: rows.map((r) => r.reward),
      groupSize: G,
      mask,
      lp: sampledLp,
      ref: refLp ?? undefined,
      ...(prefix ? { klMask: mask.map((m, k) => (prefix[k] ? 0 : m)) } : {}),
      values: oldValues,
    },
    ctx.reinforce,
  );
  ctx.reinforce = adv.state;
  rows.forEach((r, i) => {
    r.reward = adv.shapedRewards[i];
  });
  ctx.phase('train');
  const options: PolicyLossOptions = {
    loss_type: c.loss_type as PolicyLossOptions['loss_type'],
    epsilon: c.epsilon,
    epsilon_high: c.epsilon_high,
    beta: c.beta,
    kl_estimator: c.kl_estimator,
    kl_in: c.kl_in,
    entropy_coef: c.entropy_coef,
    mask_truncated_completions: c.mask_truncated_completions,
    max_completion_length: L,
    vf_coef: c.vf_coef,
    cliprange_value: c.cliprange_value,
  };
  const dispatches0 = ctx.model.rt.stats().dispatches;
  const wTrain0 = gpuWork(ctx);
  let loss = 0;
  let gradNorm = 0;
  let applied = 0;
  let valueLossSum = 0;
  const clip = { low: 0, high: 0, region: 0, entropy: 0, kl: 0 };
  const iterations = rows.length > 0 ? c.num_iterations : 0;
  for (let it = 0; it < iterations; it++) {
    ctx.grads.zero();
    ctx.valueHead?.zeroGrad();
    const pending = accumulatePolicyGradient(
      ctx.model,
      ctx.model.params,
      ctx.grads,
      {
        rows,
        L,
        advantages: adv.advantages,
        sampledLogprobs: sampledLp,
        refLogprobs: refLp,
        mask,
        prefix,
        truncated: rows.map((r) => r.truncated),
        temperature: c.temperature,
        pad: ctx.tokenizer.padId ?? 0,
        microBatches: rows.length % c.gradient_accumulation === 0 ? c.gradient_accumulation : 1,
        useSampledAsOld: c.num_iterations > 1,
        value:
          ctx.valueHead && oldValues && adv.returns
            ? { head: ctx.valueHead, oldValues, returns: adv.returns }
            : undefined,
      },
      options,
    );
    // one submission: the update is queued behind the backward and guarded on the GPU by the loss
    // stats too (a non-finite loss refuses it even when its gradient happens to be finite), then the
    // stats come back with the norm and the finite flag
    const stats = pending.pending();
    const upd = await updatePolicy(ctx, adamwConfig(ctx, step), stats, { guard: stats });
    const res = pending.decode(upd.extraValues);
    if (upd.applied && ctx.valueHead) await ctx.valueHead.update(adamwConfig(ctx, step));
    valueLossSum += res.valueLoss / iterations;
    if (!upd.applied || !Number.isFinite(res.loss)) {
      ctx.warn(
        `step ${step}: the loss or its gradient is not finite (loss ${res.loss}, grad norm ${upd.gradNorm}); ` +
          'the update was refused and the weights are unchanged. Lower learning_rate or max_grad_norm.',
      );
    } else applied++;
    loss += res.loss / iterations;
    gradNorm += upd.gradNorm / iterations;
    clip.low += res.metrics['clip_ratio/low_mean'] / iterations;
    clip.high += res.metrics['clip_ratio/high_mean'] / iterations;
    clip.region += res.metrics['clip_ratio/region_mean'] / iterations;
    clip.entropy += res.metrics.entropy / iterations;
    clip.kl += res.metrics.kl / iterations;
  }
  const tTrain = now();
  const wTrain = gpuWork(ctx);
  ctx.numTokens += roll.tokens;
  const stepTime = tTrain - t0;
  const metrics: StepMetrics = {
    step,
    ...adv.metrics,
    ...roll.score.metrics,
    entropy: clip.entropy,
    ...(ctx.ref ? { kl: clip.kl } : {}),
    'clip_ratio/low_mean': clip.low,
    'clip_ratio/high_mean': clip.high,
    'clip_ratio/region_mean': clip.region,
    loss,
    grad_norm: gradNorm,
    learning_rate: stageLearningRate(ctx, step),
    ...completionStats(rows, ctx.task),
    num_tokens: ctx.numTokens,
    num_completions: ctx.numCompletions,
    step_time: stepTime,
    tokens_per_second: roll.tokens / Math.max(stepTime, 1e-9),
    'timing/generate': tGen - t0,
    'timing/score': tScore - tGen,
    'timing/reference': tRef - tScore,
    'timing/train': tTrain - tRef,
    dispatches: ctx.model.rt.stats().dispatches - dispatches0,
    ...phaseWork('generate', w0, wGen),
    ...phaseWork('reference', wScore, wRef),
    ...phaseWork('train', wTrain0, wTrain),
    ...stepFlops(w0, wTrain, stepTime),
    ...(gae ? { value_loss: valueLossSum } : {}),
    ...(iterations > applied ? { update_skipped: iterations - applied } : {}),
    ...extra,
    ...(c.dynamic_sampling ? { 'dynamic_sampling/kept_reward': adv.metrics.reward } : {}),
    ...(c.prefix_sampling ? prefixMetrics(rows) : {}),
  };
  const relift = await reliftStep(ctx, step, [...groupsOf(rows, G), ...dropped.map((d) => d.rows)]);
  Object.assign(metrics, relift);
  metrics.step_time += relift['timing/relift'] ?? 0;
  return {
    metrics,
    samples: withDropped(
      samplesRow(step, rows, (r) => adv.advantages[r * L]),
      dropped,
    ),
  };
}

/** Gold demonstrations for SFT: prompt ids (as rollouts see them) and gold completion ids followed by EOS. */
export function goldRows(prompts: PromptFormat, samples: readonly TaskSample[]): TokenRow[] {
  const tokenizer = prompts.tokenizer;
  return samples.map((s) => ({
    promptIds: prompts.encode(s.prompt),
    completionIds: [...tokenizer.encode(s.gold, { addSpecialTokens: false }), tokenizer.eosId],
  }));
}

/** The loss of the run's SFT updates: `sft_loss` with `anchor_beta`, and θ_ref for `asft`. */
function sftHead(ctx: TrainerContext): SftHeadOptions {
  const c = ctx.config;
  if (c.sft_loss === 'asft' && !ctx.ref) throw new Error('sft_loss asft: the reference is not held');
  return { options: { loss: c.sft_loss, anchorBeta: c.anchor_beta }, ref: ctx.ref };
}

async function sftUpdate(ctx: TrainerContext, rows: readonly TokenRow[], step: number) {
  ctx.grads.zero();
  const pad = ctx.tokenizer.padId ?? 0;
  const sft = accumulateSftGradient(ctx.model, ctx.model.params, ctx.grads, rows, pad, sftHead(ctx));
  const extra = sft.anchorKl ? [sft.loss, sft.anchorKl] : [sft.loss];
  const upd = await updatePolicy(ctx, adamwConfig(ctx, step), extra);
  for (const t of extra) t.dispose();
  if (!upd.applied) {
    ctx.warn(
      `step ${step}: non-finite SFT gradient (norm ${upd.gradNorm}); the update was refused, weights unchanged.`,
    );
  }
  return { loss: upd.extra[0], anchorKl: upd.extra[1], gradNorm: upd.gradNorm, applied: upd.applied };
}

/** `sft/loss` (and `sft/anchor_kl` for asft) of an SFT update (docs/ALGORITHMS.md "SFT losses"). */
function sftMetrics(upd: { loss: number; anchorKl?: number }): Record<string, number> {
  return {
    'sft/loss': upd.loss,
    ...(upd.anchorKl !== undefined ? { 'sft/anchor_kl': upd.anchorKl } : {}),
  };
}

/**
 * `relift` after an RL step (engine/train/relift.ts): the step's groups, kept and dropped, go through
 * the verifier; the unsolved prompts join the buffer, and when B wait, one SFT update on the B oldest
 * (gold completions, the run's sft_loss, the same optimizer and learning rate) follows the RL update.
 */
async function reliftStep(
  ctx: TrainerContext,
  step: number,
  groups: readonly (readonly RolloutRow[])[],
): Promise<Record<string, number>> {
  const c = ctx.config;
  if (!c.relift) return {};
  const t0 = now();
  const verified = groups
    .filter((g) => g.length > 0)
    .map((g) => ({ sample: g[0].sample, correct: g.map((r) => ctx.task.isCorrect(r.sample, r.text)) }));
  const { due } = reliftAfterStep(ctx.relift, verified, c.relift.batch ?? c.prompts_per_step);
  const out: Record<string, number> = {};
  if (due.length > 0) {
    ctx.phase('sft', undefined, `relift: ${due.length} unsolved prompts`);
    const upd = await sftUpdate(ctx, goldRows(ctx.rolloutCtx.prompts, due), step);
    if (upd.applied) ctx.relift.sftSteps++;
    out['relift/sft_loss'] = upd.loss;
  }
  out['relift/buffer'] = ctx.relift.buffer.length;
  out['relift/sft_steps'] = ctx.relift.sftSteps;
  out['timing/relift'] = now() - t0;
  return out;
}

/** One SFT step on P*G gold demonstrations. */
export async function sftStep(ctx: TrainerContext, step: number): Promise<StepOutput> {
  const c = ctx.config;
  const t0 = now();
  ctx.phase('sft');
  const dispatches0 = ctx.model.rt.stats().dispatches;
  const w0 = gpuWork(ctx);
  const samples = drawTrainingBatch(
    ctx.task,
    stepRng(ctx, 'sft', step),
    c.prompts_per_step * c.num_generations,
    heldOutFraction(ctx),
  );
  const targets = await sftTargetRows(ctx, samples, goldRows(ctx.rolloutCtx.prompts, samples));
  const rows = targets.rows;
  const upd = await sftUpdate(ctx, rows, step);
  const tokens = rows.reduce((n, r) => n + r.promptIds.length + r.completionIds.length, 0);
  ctx.numTokens += tokens;
  const stepTime = now() - t0;
  return {
    metrics: {
      step,
      loss: upd.loss,
      ...sftMetrics(upd),
      ...targets.metrics,
      grad_norm: upd.gradNorm,
      learning_rate: stageLearningRate(ctx, step),
      num_tokens: ctx.numTokens,
      step_time: stepTime,
      tokens_per_second: tokens / Math.max(stepTime, 1e-9),
      'timing/train': stepTime,
      dispatches: ctx.model.rt.stats().dispatches - dispatches0,
      ...phaseWork('train', w0, gpuWork(ctx)),
      ...stepFlops(w0, gpuWork(ctx), stepTime),
      ...(upd.applied ? {} : { update_skipped: 1 }),
    },
    samples: null,
  };
}

/** One rejection-sampling step: sample, keep distinct completions with reward >= rft_threshold, SFT on them. */
export async function rftStep(ctx: TrainerContext, step: number): Promise<StepOutput> {
  const c = ctx.config;
  const G = c.num_generations;
  const t0 = now();
  const w0 = gpuWork(ctx);
  ctx.phase('generate');
  const prompts = drawTrainingBatch(
    ctx.task,
    stepRng(ctx, 'tasks', step),
    c.prompts_per_step,
    heldOutFraction(ctx),
  );
  const all: RolloutRow[] = [];
  let tokens = 0;
  const sampled = await rftSample({
    prompts: prompts.length,
    perRound: G,
    threshold: c.rft_threshold,
    difficultyAware: c.difficulty_aware,
    minCorrect: c.min_correct,
    maxSamplesPerPrompt: c.max_samples_per_prompt,
    sample: async (p, count, round) => {
      const roll = await rollout(ctx.rolloutCtx, [prompts[p]], count, rftStream(step, p, round));
      tokens += roll.tokens;
      for (const row of roll.rows) row.group = p;
      all.push(...roll.rows);
      return roll.rows;
    },
  });
  const kept = sampled.perPrompt.flatMap((p) => p.kept);
  const tGen = now();
  const wGen = gpuWork(ctx);
  const dispatches0 = ctx.model.rt.stats().dispatches;
  let upd: { loss: number; anchorKl?: number; gradNorm: number; applied: boolean } = {
    loss: 0,
    gradNorm: 0,
    applied: false,
  };
  if (kept.length > 0) {
    ctx.phase('train');
    upd = await sftUpdate(ctx, kept, step);
  }
  const tTrain = now();
  ctx.numTokens += tokens;
  ctx.numCompletions += all.length;
  const metrics: StepMetrics = {
    step,
    reward: mean(all.map((r) => r.reward)),
    ...sampled.metrics,
    loss: upd.loss,
    ...(kept.length > 0 ? sftMetrics(upd) : {}),
    grad_norm: upd.gradNorm,
    learning_rate: stageLearningRate(ctx, step),
    ...completionStats(all, ctx.task),
    entropy: mean(all.flatMap((r) => r.entropies)),
    num_tokens: ctx.numTokens,
    num_completions: ctx.numCompletions,
    step_time: tTrain - t0,
    tokens_per_second: tokens / Math.max(tTrain - t0, 1e-9),
    'timing/generate': tGen - t0,
    'timing/train': tTrain - tGen,
    dispatches: ctx.model.rt.stats().dispatches - dispatches0,
    ...phaseWork('generate', w0, wGen),
    ...phaseWork('train', wGen, gpuWork(ctx)),
    ...stepFlops(w0, gpuWork(ctx), tTrain - t0),
  };
  const keptSet = new Set(kept);
  const samples = samplesRow(step, all, (r) => (keptSet.has(all[r]) ? 1 : 0));
  return { metrics, samples };
}

/** Runs step number `step` as the kind stepKind gives it. */
export function runStep(ctx: TrainerContext, step: number): Promise<StepOutput> {
  const kind = stepKind(ctx.config, step - ctx.stageStart);
  switch (kind) {
    case 'sft':
      return sftStep(ctx, step);
    case 'rft':
      return rftStep(ctx, step);
    case 'rl':
      return rlStep(ctx, step);
    default:
      return kind satisfies never;
  }
}
