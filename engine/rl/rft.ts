/**
 * Rejection-sampling fine-tuning (RAFT 2304.06767, DART-Math 2407.13690): keep sampled completions
 * whose reward reaches `rft_threshold`, distinct texts only, and fine-tune on them with the SFT loss.
 * `difficulty_aware` (DART's uniform-correct rule) keeps sampling a prompt until it has `min_correct`
 * kept answers or `max_samples_per_prompt` were drawn; generation stays with the caller's callback
 * (the trainer's rftStep passes one that rolls out on the GPU and keeps every row it drew).
 */

export interface ScoredCompletion {
  text: string;
  reward: number;
}

/** Indices kept: reward >= threshold, first occurrence of each text. Example: texts [a,b,a,c], rewards [1,0,1,1], threshold 1 -> [0, 3]. */
export function rftKeep(
  completions: readonly ScoredCompletion[],
  threshold: number,
  seen = new Set<string>(),
): number[] {
  const kept: number[] = [];
  completions.forEach((c, i) => {
    if (c.reward >= threshold && !seen.has(c.text)) {
      seen.add(c.text);
      kept.push(i);
    }
  });
  return kept;
}

export interface RftPromptResult<C extends ScoredCompletion = ScoredCompletion> {
  prompt: number;
  /** Kept completions in the order drawn. */
  kept: C[];
  sampled: number;
}

export interface RftSamplingResult<C extends ScoredCompletion = ScoredCompletion> {
  perPrompt: RftPromptResult<C>[];
  metrics: { 'rft/kept_fraction': number; 'rft/prompts_with_kept': number };
}

/**
 * Samples `perRound` completions for each prompt; with difficultyAware, prompts with fewer than
 * minCorrect kept answers get more rounds while under maxSamplesPerPrompt (the last round draws only
 * what the cap leaves). `sample(prompt, count, round)` counts rounds from 0 for each prompt.
 * kept_fraction = kept / sampled over all prompts; prompts_with_kept = fraction of prompts with at
 * least one kept answer.
 */
export async function rftSample<C extends ScoredCompletion>(options: {
  prompts: number;
  perRound: number;
  threshold: number;
  difficultyAware: boolean;
  minCorrect: number;
  maxSamplesPerPrompt: number;
  sample: (prompt: number, count: number, round: number) => Promise<readonly C[]> | readonly C[];
}): Promise<RftSamplingResult<C>> {
  const perPrompt: RftPromptResult<C>[] = [];
  for (let p = 0; p < options.prompts; p++) {
    const seen = new Set<string>();
    const kept: C[] = [];
    let sampled = 0;
    let round = 0;
    do {
      const count = options.difficultyAware
        ? Math.min(options.perRound, options.maxSamplesPerPrompt - sampled)
        : options.perRound;
      if (count <= 0) break;
      const batch = await options.sample(p, count, round++);
      sampled += batch.length;
      for (const i of rftKeep(batch, options.threshold, seen)) kept.push(batch[i]);
      if (batch.length === 0) break;
    } while (
      options.difficultyAware &&
      kept.length < options.minCorrect &&
      sampled < options.maxSamplesPerPrompt
    );
    perPrompt.push({ prompt: p, kept, sampled });
  }
  const totalKept = perPrompt.reduce((s, r) => s + r.kept.length, 0);
  const totalSampled = perPrompt.reduce((s, r) => s + r.sampled, 0);
  const withKept = perPrompt.filter((r) => r.kept.length > 0).length;
  return {
    perPrompt,
    metrics: {
      'rft/kept_fraction': totalSampled ? totalKept / totalSampled : 0,
      'rft/prompts_with_kept': perPrompt.length ? withKept / perPrompt.length : 0,
    },
  };
}
