/**
 * What each stage of a run trains with, built once when the session is created
 * (engine/train/stages.ts): its Task object (stages and eval_tasks with the same task options share
 * one), and its rollout context (the stage's sampling options, prompt format and reward functions;
 * stages with the same rewards share one set). A run without stages has one of each, as before.
 */
import type { RunConfig } from '../config/schema.js';
import type { GpuModel } from '../model/gpu/model.js';
import type { RewardModelInfo } from '../rewards/onnx-info.js';
import { loadRewardModels } from '../rewards/onnx-rewards.js';
import type { OnnxPlacement } from '../rewards/onnx-runtime.js';
import { type RewardSandbox, runRewards } from '../rewards/sandbox.js';
import { createTask, type DatasetRow } from '../tasks/index.js';
import type { Task } from '../tasks/types.js';
import type { PromptFormat } from '../tokenizers/prompt-format.js';
import type { Tokenizer } from '../tokenizers/tokenizer.js';
import type { OpenCheckpoint } from './policy-source.js';
import type { RolloutContext } from './rollout.js';
import type { Stage } from './stages.js';

/** Each stage's task, each eval_tasks entry's, and every distinct one. */
export function runTasks(config: RunConfig, stages: readonly Stage[], rows?: readonly DatasetRow[]) {
  const tasks = new Map<string, Task>();
  const taskOf = (options: RunConfig['task']): Task => {
    const key = JSON.stringify(options);
    const known = tasks.get(key);
    if (known) return known;
    const made = createTask(options, { rows });
    tasks.set(key, made);
    return made;
  };
  const stageTasks = stages.map((st) => taskOf(st.config.task));
  const evalTasks = config.eval_tasks.map((e) => ({
    label: e.label,
    task: taskOf(e.task),
    heldOut: null,
  }));
  return { stageTasks, evalTasks, all: [...tasks.values()] };
}

/**
 * `task` with the alphabet of all the run's tasks (stages, eval_tasks), for a preset's character
 * tokenizer; `task` itself when they add no character (every run without other tasks).
 */
export function withAlphabetOf(task: Task, all: readonly Task[]): Task {
  const extra = [...new Set(all.flatMap((t) => [...t.alphabet]))].filter((ch) => !task.alphabet.includes(ch));
  if (extra.length === 0) return task;
  return Object.create(task, { alphabet: { value: task.alphabet + extra.join('') } }) as Task;
}

interface RewardOptions {
  openCheckpoint?: OpenCheckpoint;
  rewardModelPlacement?: OnnxPlacement;
  rewardSandbox?: RewardSandbox;
}

/** Each stage's rollout context; `rewardSets` lists each distinct reward set once (to dispose). */
export async function stageRolloutContexts(
  stages: readonly Stage[],
  on: { model: GpuModel; tokenizer: Tokenizer; tasks: readonly Task[]; prompts: readonly PromptFormat[] },
  options: RewardOptions,
): Promise<{
  rollouts: RolloutContext[];
  rewardModelInfo: RewardModelInfo[];
  rewardSets: RolloutContext['rewards'][];
}> {
  const { model, tokenizer } = on;
  const rewardModelInfo: RewardModelInfo[] = [];
  const sets = new Map<string, Pick<RolloutContext, 'rewards' | 'userRewards'>>();
  const keyOf = (c: RunConfig) => JSON.stringify([c.reward_funcs, c.reward_weights, c.reward_code]);
  for (const { config: c } of stages) {
    if (sets.has(keyOf(c))) continue;
    const rewardModels = await loadRewardModels(c, options.openCheckpoint, options.rewardModelPlacement);
    rewardModelInfo.push(...rewardModels.info);
    const rewards = runRewards({ ...c, ...rewardModels.others }, options.rewardSandbox ?? null);
    sets.set(keyOf(c), {
      rewards: [...rewards.builtin, ...rewardModels.functions],
      userRewards: rewards.user,
    });
  }
  const rollouts = stages.map(({ config: c }, i): RolloutContext => {
    const rewards = sets.get(keyOf(c)) as Pick<RolloutContext, 'rewards' | 'userRewards'>;
    return {
      model,
      tokenizer,
      prompts: on.prompts[i],
      task: on.tasks[i],
      rewards: rewards.rewards,
      userRewards: rewards.userRewards,
      sampling: {
        temperature: c.temperature,
        topK: c.top_k,
        topP: c.top_p,
        minP: c.min_p,
        greedy: false,
        maxNewTokens: c.max_completion_length,
        seed: c.seed,
        eos: tokenizer.eosId,
        pad: tokenizer.padId ?? 0,
      },
    };
  });
  return { rollouts, rewardModelInfo, rewardSets: [...sets.values()].map((r) => r.rewards) };
}
