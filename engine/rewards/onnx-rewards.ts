/**
 * Reward models as reward functions. scoreCompletions (score.ts) calls one function per completion,
 * synchronously; a classifier wants the whole batch in one call and answers asynchronously. So a
 * reward model is a BatchReward: the rollout awaits `prepareBatchRewards` once per batch, which runs
 * every model over all completions and hands scoreCompletions plain functions that look the values
 * up (a model that fails fails every sample, which refuses the step as any failing function does).
 */

import type { CheckpointFs } from '../model/checkpoint.js';
import { REWARD_NAMES, type RewardFn, type RewardInput, type RewardName, rewardFunction } from './builtin.js';
import { OnnxRewardModel } from './onnx-model.js';
import type { RewardModelOptions } from './onnx-options.js';
import type { OrtExecutionProvider } from './onnx-runtime.js';
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

const isBuiltin = (name: string): name is RewardName => (REWARD_NAMES as readonly string[]).includes(name);

/**
 * RunConfig's reward_funcs with reward_weights, in order: built-ins by name, reward models (loaded
 * here, only those reward_funcs uses) from their `reward_models` entry, their folders opened by `open`.
 */
export async function loadRewardFunctions(
  config: {
    reward_funcs: readonly string[];
    reward_weights: readonly number[] | null;
    reward_models: readonly RewardModelOptions[];
  },
  open?: (path: string) => CheckpointFs,
  providers?: readonly OrtExecutionProvider[],
): Promise<WeightedReward[]> {
  const weights = config.reward_weights;
  if (weights && weights.length !== config.reward_funcs.length) {
    throw new Error(
      `reward_weights has ${weights.length} entries for ${config.reward_funcs.length} reward_funcs`,
    );
  }
  const funcs: WeightedReward[] = [];
  try {
    for (const [i, name] of config.reward_funcs.entries()) {
      const weight = weights ? weights[i] : 1;
      if (isBuiltin(name)) {
        funcs.push({ name, weight, fn: rewardFunction(name) });
        continue;
      }
      const options = config.reward_models.find((m) => m.name === name);
      if (!options)
        throw new Error(`reward_funcs: "${name}" is neither a built-in reward nor in reward_models`);
      if (!open)
        throw new Error(`reward model "${name}": this trainer cannot open folders (${options.path})`);
      funcs.push(rewardModelFunction(await OnnxRewardModel.load(options, open, providers), weight));
    }
  } catch (e) {
    disposeRewardFunctions(funcs);
    throw e;
  }
  return funcs;
}

/** Releases the ONNX sessions of the reward models among `funcs`. */
export function disposeRewardFunctions(funcs: readonly WeightedReward[]): void {
  for (const f of funcs) if (isBatchReward(f)) f.dispose();
}
