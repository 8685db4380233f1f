/**
 * Every random stream a run draws, named in one place (JAX's split-by-name, as STYLE.md asks). CPU
 * streams are `Rng.split(purpose)` of the run's seed (random.ts). GPU sampling draws Philox4x32-10 at
 * counter (row, position, word, 0) under key (seed, ·): the 32-bit `word` alone tells two sampler
 * calls of a run apart, so each purpose owns a disjoint range of it and the counts that index a range
 * have schema bounds (STREAM_BOUNDS). The layout is the one schema version 1 shipped with hand-picked
 * offsets, so a config within the bounds draws exactly the numbers it drew before.
 */

/** CPU streams: `createRng(seed).split(name)` (tasks and sft split once more by `step:<s>`). */
export const CPU_STREAMS = {
  init: 'weights of a model made from scratch (model.name a preset)',
  lora: 'LoRA A matrices (kaiming-uniform; B starts at 0)',
  tasks: 'prompts of each RL / RFT step, split by step:<s> (also what the TRL export replays)',
  sft: 'gold demonstrations of each SFT step, split by step:<s>',
  eval: 'the held-out prompts',
  prefix: "prefix sampling's prefix lengths, split by step:<s> then round:<r> (engine/train/prefix.ts)",
  freeze: "half fine-tuning's frozen matrices, split by stage:<i> (engine/train/freeze.ts)",
  'kernel-warmup': "the task prompt of the autotuner's dry pass",
  'prompt-format': 'the task prompt the chat template is checked on',
  'prompt-length': 'the 64 task prompts the memory estimate measures',
  'reward-code-test': "the lab's sample for testing a reward_code function",
  bootstrap: "an experiment's bootstrap resamples of held-out prompts (engine/experiments/verdict.ts)",
} as const;
export type CpuStream = keyof typeof CPU_STREAMS;

const TWO_16 = 0x10000;
const TWO_20 = 0x100000;
const TWO_30 = 0x40000000;
const EVAL_STEP = 4096;
const EVAL_GREEDY = 2048;
const TRY_START = 0x7fff0000;
const SELF_TARGETS = 0x7ffe0000;
const WARMUP = 0xfffffff0;
/** RFT rounds per prompt: a prompt's rounds are 64 words of the prompt field. */
const RFT_ROUNDS = 64;

/**
 * The largest counts the layout keeps apart; engine/config/schema.ts bounds the options with them.
 * steps: step numbers s and steps done (eval, Try) fit 16 bits, under RFT's prompt field.
 */
export const STREAM_BOUNDS = {
  /** max_steps: s <= 65535 (steps done after the last step included). */
  steps: TWO_16 - 1,
  /** max_resample_rounds: round r at s + r·2^20 stays under 2^30. */
  resampleRounds: TWO_30 / TWO_20 - 1,
  /** prompts_per_step: an RFT step's prompt p at s + (64p + k)·2^16 stays under 2^30. */
  promptsPerStep: TWO_30 / TWO_16 / RFT_ROUNDS,
  /** ceil(max_samples_per_prompt / num_generations): DART rounds k of one prompt. */
  rftRoundsPerPrompt: RFT_ROUNDS,
  /** eval_prompts: chunk offsets i < 2048, the greedy pass 2048 above. */
  evalPrompts: EVAL_GREEDY,
  /** num_generations, eval_samples: rows (P·G <= 2^20) in the counter's row word. */
  groupSize: 4096,
} as const;

/** GPU streams: each purpose's range [start, end) of the Philox word; `standalone` is outside any run. */
export const GPU_STREAMS = {
  rollout: {
    start: 0,
    end: TWO_30,
    what: "training rollouts of step s: word s; an rl step's dynamic-sampling round r at s + r·2^20; an rft step's prompt p, round k at s + (64p + k)·2^16",
  },
  eval: {
    start: TWO_30,
    end: TWO_30 + TWO_16 * EVAL_STEP,
    what: 'held-out eval after s steps: sampled chunk at prompt i at 2^30 + 4096·s + i, greedy 2048 above',
  },
  try: {
    start: TRY_START,
    end: TRY_START + TWO_16,
    what: "the lab's Try panel after s steps: 0x7fff0000 + s",
  },
  'self-targets': {
    start: SELF_TARGETS,
    end: SELF_TARGETS + 1,
    what: "the reference's greedy answers of sft_targets self_when_correct (greedy decoding uses no draw; the word keeps it apart anyway)",
  },
  'kernel-warmup': { start: WARMUP, end: WARMUP + 1, what: "the autotuner's dry generation before step 0" },
  standalone: {
    start: 0,
    end: 1,
    what: "tabrl generate and benches: word 0 under the caller's seed; no run (so never beside a run's step 0)",
  },
} as const;
export type GpuStream = keyof typeof GPU_STREAMS;

function check(what: string, value: number, max: number, option: string): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new RangeError(
      `${what} ${value} is outside 0..${max}, where the GPU random streams stay apart (${option})`,
    );
  }
}

/** Rollouts of training step `step`, dynamic-sampling round `round` (0: the step's first draw). */
export function rolloutStream(step: number, round = 0): number {
  check('step', step, STREAM_BOUNDS.steps, 'max_steps');
  check('dynamic-sampling round', round, STREAM_BOUNDS.resampleRounds, 'max_resample_rounds');
  return step + round * TWO_20;
}

/** An RFT step's round `round` of prompt `prompt` (prompt 0, round 0 is the step's word). */
export function rftStream(step: number, prompt: number, round: number): number {
  check('step', step, STREAM_BOUNDS.steps, 'max_steps');
  check('RFT prompt', prompt, STREAM_BOUNDS.promptsPerStep - 1, 'prompts_per_step');
  check('RFT round', round, STREAM_BOUNDS.rftRoundsPerPrompt - 1, 'max_samples_per_prompt / num_generations');
  return step + (prompt * RFT_ROUNDS + round) * TWO_16;
}

/** Held-out eval after `stepsDone` steps, the chunk starting at prompt `offset`. */
export function evalStream(stepsDone: number, offset: number, greedy: boolean): number {
  check('steps done', stepsDone, STREAM_BOUNDS.steps, 'max_steps');
  check('eval prompt', offset, STREAM_BOUNDS.evalPrompts - 1, 'eval_prompts');
  return TWO_30 + stepsDone * EVAL_STEP + (greedy ? EVAL_GREEDY : 0) + offset;
}

/** The Try panel's answers after `stepsDone` steps. */
export function tryStream(stepsDone: number): number {
  check('steps done', stepsDone, STREAM_BOUNDS.steps, 'max_steps');
  return TRY_START + stepsDone;
}

/** The reference's greedy answers of `sft_targets: self_when_correct` (engine/train/self-targets.ts). */
export function selfTargetsStream(): number {
  return SELF_TARGETS;
}

/** The autotuner's dry generation. */
export function kernelWarmupStream(): number {
  return WARMUP;
}

/** Generation outside a run (tabrl generate, benches). */
export function standaloneStream(): number {
  return GPU_STREAMS.standalone.start;
}
