/**
 * One rollout: G completions for each of the step's prompts, sampled on the GPU with their log-probs
 * and entropies, decoded, and scored by the run's reward functions (shaping such as DAPO's overlong
 * penalty comes later, in stepAdvantages). A reward function that fails is reported by name and
 * sample; the caller refuses the step.
 */

import { type GenerateOptions, sampleWithKvCache } from '../model/gpu/generate.js';
import type { GpuModel } from '../model/gpu/model.js';
import type { GpuParams } from '../model/gpu/params.js';
import type { RewardInput } from '../rewards/builtin.js';
import { prepareBatchRewards } from '../rewards/onnx-rewards.js';
import { scoreRunRewards, type UserRewards } from '../rewards/sandbox.js';
import type { ScoreResult, WeightedReward } from '../rewards/score.js';
import type { Task, TaskSample } from '../tasks/types.js';
import type { PromptFormat } from '../tokenizers/prompt-format.js';
import type { Tokenizer } from '../tokenizers/tokenizer.js';

export interface RolloutRow {
  /** Index of the prompt (group) this completion belongs to. */
  group: number;
  sample: TaskSample;
  /** What the model was given for the prompt: the chat template's rendering, or the prompt itself. */
  promptText: string;
  promptIds: number[];
  /** Completion tokens, EOS included when drawn. */
  completionIds: number[];
  logprobs: number[];
  entropies: number[];
  /** Decoded completion without EOS. */
  text: string;
  pieces: string[];
  truncated: boolean;
  /** Total reward (weighted sum, shaping included). */
  reward: number;
  rewards: Record<string, number>;
  /** Prefix sampling: the first this many completion tokens were the gold completion's, forced (0 or absent: none). */
  prefixLength?: number;
  /** Prefix sampling: tokens of the gold completion without EOS, |gold| (set with prefixLength). */
  goldLength?: number;
}

/** Prefix sampling's forced tokens: per row [P·G], the gold prefix to force (empty: none), and |gold|. */
export interface ForcedPrefixes {
  tokens: readonly (readonly number[])[];
  goldLengths: readonly number[];
}

export interface Rollout {
  rows: RolloutRow[];
  groupSize: number;
  score: ScoreResult;
  /** Tokens processed: prompt + completion tokens of every row. */
  tokens: number;
}

export class RewardFailure extends Error {
  constructor(
    readonly errors: ScoreResult['errors'],
    rows: readonly RolloutRow[],
  ) {
    const first = errors[0];
    const where = rows[first.sample] ? ` on prompt ${JSON.stringify(rows[first.sample].sample.prompt)}` : '';
    super(
      `reward function "${first.fn}" ${first.message}${where}` +
        (errors.length > 1 ? ` (and ${errors.length - 1} more failures)` : '') +
        '. The step was not applied; fix the reward function or remove it from reward_funcs, then resume.',
    );
    this.name = 'RewardFailure';
  }
}

export interface RolloutContext {
  model: GpuModel;
  tokenizer: Tokenizer;
  /** How task prompts become input ids (the model's chat template, or raw). */
  prompts: PromptFormat;
  task: Task;
  rewards: readonly WeightedReward[];
  /** reward_code functions, run in a sandbox and awaited (engine/rewards/sandbox.ts). */
  userRewards?: UserRewards;
  sampling: Omit<GenerateOptions, 'step' | 'params'>;
}

export async function rollout(
  ctx: RolloutContext,
  samples: readonly TaskSample[],
  groupSize: number,
  step: number,
  params?: GpuParams,
  prefixes?: ForcedPrefixes,
): Promise<Rollout> {
  const prompts: number[][] = [];
  const texts: string[] = [];
  for (const s of samples) {
    const text = ctx.prompts.render(s.prompt);
    const ids = ctx.prompts.encode(s.prompt);
    for (let g = 0; g < groupSize; g++) {
      prompts.push(ids);
      texts.push(text);
    }
  }
  const gen = await sampleWithKvCache(ctx.model, prompts, {
    ...ctx.sampling,
    step,
    params,
    ...(prefixes ? { forced: prefixes.tokens } : {}),
  });
  // the sampler writes -1 where no token has positive probability: the logits were NaN or Inf
  const broken = gen.tokens.findIndex((ids) => ids.some((id) => id < 0));
  if (broken >= 0) {
    throw new Error(
      `sampling found no valid token for a completion of prompt ${JSON.stringify(samples[Math.floor(broken / groupSize)].prompt)}: ` +
        "the policy's logits are not finite (NaN or Inf in the weights). Nothing was applied; " +
        'resume from the last checkpoint with a lower learning_rate.',
    );
  }
  const eos = ctx.tokenizer.eosId;
  const rows: RolloutRow[] = gen.tokens.map((ids, r) => {
    const body = ids[ids.length - 1] === eos ? ids.slice(0, -1) : ids;
    return {
      group: Math.floor(r / groupSize),
      sample: samples[Math.floor(r / groupSize)],
      promptText: texts[r],
      promptIds: prompts[r],
      completionIds: ids,
      logprobs: gen.logprobs[r],
      entropies: gen.entropies[r],
      text: ctx.tokenizer.decode(body, { skipSpecialTokens: true }),
      pieces: ids.map((id) => ctx.tokenizer.decode([id])),
      truncated: gen.truncated[r],
      reward: 0,
      rewards: {},
      ...(prefixes ? { prefixLength: prefixes.tokens[r].length, goldLength: prefixes.goldLengths[r] } : {}),
    };
  });
  const inputs: RewardInput[] = rows.map((row) => ({
    prompt: row.sample.prompt,
    completion: row.text,
    sample: row.sample,
    task: ctx.task,
  }));
  // Reward models (BatchReward) score the whole batch first; the scorer then reads their values.
  const score = await scoreRunRewards(
    await prepareBatchRewards(ctx.rewards, inputs),
    ctx.userRewards,
    inputs,
  );
  if (score.errors.length > 0) throw new RewardFailure(score.errors, rows);
  rows.forEach((row, i) => {
    row.reward = score.rewards[i];
    for (const [name, values] of Object.entries(score.perFunction))
      row.rewards[name] = values[i] ?? Number.NaN;
  });
  const tokens = rows.reduce((n, r) => n + r.promptIds.length + r.completionIds.length, 0);
  return { rows, groupSize, score, tokens };
}
