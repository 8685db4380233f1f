/**
 * Reward models as reward functions. The built-in scorers (score.ts, sandbox.ts scoreRunRewards)
 * call a WeightedReward once per completion, synchronously; a classifier wants the whole batch in one
 * call and answers asynchronously. So a reward model is a BatchReward: the rollout awaits
 * `prepareBatchRewards` once per batch, which runs every model over all completions and hands the
 * scorer plain functions that look the values up (a model that fails fails every sample, which
 * refuses the step as any failing function does).
 */

import type { CheckpointFs } from '../model/checkpoint.js';
import type { RewardFn, RewardInput } from './builtin.js';
import type { RewardModelInfo } from './onnx-info.js';
import { OnnxRewardModel } from './onnx-model.js';
import type { RewardModelOptions } from './onnx-options.js';
import type { OnnxPlacement } from './onnx-runtime.js';
import type { WeightedReward } from './score.js';

/** A reward scored for a whole batch at once; `fn` alone throws (use prepareBatchRewards). */
export interface BatchReward extends WeightedReward {
  scoreBatch(inputs: readonly RewardInput[]): Promise<number[]>;
  dispose(): void;
}

export const isBatchReward = (f: WeightedReward): f is BatchReward =>
  typeof (f as Partial<BatchReward>).scoreBatch === 'function';

/** A loaded classifier as a reward function named after its config entry. */
export function rewardModelFunction(model: OnnxRewardModel, weight: number): BatchReward {
  const name = model.options.name;
  const unprepared: RewardFn = () => {
    throw new Error(`reward model "${name}" scores whole batches; the caller must await prepareBatchRewards`);
  };
  return {
    name,
    weight,
    fn: unprepared,
    scoreBatch: (inputs) => model.score(inputs.map((x) => ({ prompt: x.prompt, completion: x.completion }))),
    dispose: () => model.dispose(),
  };
}

/**
 * Runs every BatchReward over `inputs` (one after the other: they share the CPU or GPU) and returns
 * `funcs` with each replaced by a per-sample lookup that scoreCompletions can call.
 */
export async function prepareBatchRewards(
  funcs: readonly WeightedReward[],
  inputs: readonly RewardInput[],
): Promise<WeightedReward[]> {
  const index = new Map(inputs.map((input, i) => [input, i]));
  const out: WeightedReward[] = [];
  for (const f of funcs) {
    if (!isBatchReward(f)) {
      out.push(f);
      continue;
    }
    let values: number[] = [];
    let failure: unknown = null;
    try {
      values = await f.scoreBatch(inputs);
      if (values.length !== inputs.length)
        throw new Error(`gave ${values.length} scores for ${inputs.length} completions`);
    } catch (e) {
      failure = e;
    }
    const lookup: RewardFn = (input) => {
      if (failure !== null) throw failure;
      const i = index.get(input);
      if (i === undefined)
        throw new Error(`reward model "${f.name}": this completion was not in the scored batch`);
      return values[i];
    };
    out.push({ name: f.name, weight: f.weight, fn: lookup });
  }
  return out;
}

/** The reward functions of a run that are reward models, and reward_funcs / reward_weights without them. */
export interface RunRewardModels {
  /** In reward_funcs order, with their weights. */
  functions: BatchReward[];
  /** The other names and their weights, for runRewards (built-ins and reward_code). */
  others: { reward_funcs: string[]; reward_weights: number[] | null };
  /** Where each loaded model runs, in reward_funcs order (onnx-info.ts). */
  info: RewardModelInfo[];
}

/**
 * Loads the reward models reward_funcs names (only those; unused `reward_models` entries cost
 * nothing), their folders opened by `open`, and leaves the other names for runRewards (sandbox.ts).
 */
export async function loadRewardModels(
  config: {
    reward_funcs: readonly string[];
    reward_weights: readonly number[] | null;
    reward_models: readonly RewardModelOptions[];
  },
  open?: (path: string) => CheckpointFs,
  placement: OnnxPlacement = {},
): Promise<RunRewardModels> {
  const weights = config.reward_weights;
  if (weights && weights.length !== config.reward_funcs.length) {
    throw new Error(
      `reward_weights has ${weights.length} entries for ${config.reward_funcs.length} reward_funcs`,
    );
  }
  const functions: BatchReward[] = [];
  const info: RewardModelInfo[] = [];
  const others: RunRewardModels['others'] = { reward_funcs: [], reward_weights: weights ? [] : null };
  try {
    for (const [i, name] of config.reward_funcs.entries()) {
      const weight = weights ? weights[i] : 1;
      const options = config.reward_models.find((m) => m.name === name);
      if (!options) {
        others.reward_funcs.push(name);
        others.reward_weights?.push(weight);
        continue;
      }
      if (!open)
        throw new Error(`reward model "${name}": this trainer cannot open folders (${options.path})`);
      const model = await OnnxRewardModel.load(options, open, placement);
      info.push(model.info);
      functions.push(rewardModelFunction(model, weight));
    }
  } catch (e) {
    disposeRewardFunctions(functions);
    throw e;
  }
  return { functions, others, info };
}

/** Releases the ONNX sessions of the reward models among `funcs`. */
export function disposeRewardFunctions(funcs: readonly WeightedReward[]): void {
  for (const f of funcs) if (isBatchReward(f)) f.dispose();
}
