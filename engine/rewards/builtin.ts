/**
 * The built-in reward functions, pure and verifiable (TRL `trl/rewards` style, examples in doc
 * comments). Each sees one completion with its task sample; names are what metrics log under
 * `rewards/<name>/mean` and what `reward_funcs` in RunConfig lists.
 */

import { extractAnswer, type Task, type TaskSample } from '../tasks/types';

export interface RewardInput {
  prompt: string;
  /** The completion text, EOS stripped. */
  completion: string;
  sample: TaskSample;
  task: Task;
}

export type RewardFn = (input: RewardInput) => number;

export const REWARD_NAMES = ['correct', 'format', 'char_match'] as const;
export type RewardName = (typeof REWARD_NAMES)[number];

/**
 * 1 when the task's verifier accepts the completion, else 0.
 * Addition '12+34=': '46' -> 1, '47' -> 0; with tag 'a': '<a>46</a>' -> 1, '46' -> 0.
 */
export const correctReward: RewardFn = ({ completion, sample, task }) =>
  task.isCorrect(sample, completion) ? 1 : 0;

/**
 * 1 when the completion is exactly one `<tag>...</tag>` (surrounding spaces allowed, no '<' or '>'
 * inside), else 0; without a tag, 1 when the completion is non-empty and has no tag characters.
 * Tag 'a': '<a>46</a>' -> 1, ' <a> 4 6 </a> ' -> 1, '<a>46' -> 0, 'x<a>46</a>' -> 0, '<b>46</b>' -> 0.
 */
export const formatReward: RewardFn = ({ completion, sample }) => {
  if (!sample.tag) return completion.trim() !== '' && !/[<>]/.test(completion) ? 1 : 0;
  const re = new RegExp(`^\\s*<${sample.tag}>[^<>]*</${sample.tag}>\\s*$`);
  return re.test(completion) ? 1 : 0;
};

/**
 * Partial credit: matching characters at the same position of the extracted answer and the sample's
 * answer, over the longer of the two lengths. Answer 'ba': 'ba' -> 1, 'bb' -> 0.5, 'b' -> 0.5,
 * 'bax' -> 2/3, '' -> 0. A dense signal for tiny models on copy/reversal tasks.
 */
export const charMatchReward: RewardFn = ({ completion, sample }) => {
  const given = extractAnswer(completion, sample.tag);
  if (given === null) return 0;
  const want = sample.answer;
  const n = Math.max(given.length, want.length);
  if (n === 0) return 1;
  let same = 0;
  for (let i = 0; i < Math.min(given.length, want.length); i++) if (given[i] === want[i]) same++;
  return same / n;
};

export function rewardFunction(name: RewardName): RewardFn {
  switch (name) {
    case 'correct':
      return correctReward;
    case 'format':
      return formatReward;
    case 'char_match':
      return charMatchReward;
    default:
      return name satisfies never;
  }
}
