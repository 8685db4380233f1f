/**
 * Self-generated SFT targets (`sft_targets: self_when_correct`, after "Selective Self-to-Supervised
 * Fine-Tuning for Generalization in Large Language Models"; docs/ALGORITHMS.md "Self-generated targets
 * (`sft_targets`)"): each training prompt's target is θ_ref's greedy completion when the task's
 * verifier accepts it, else the gold completion. θ_ref does not change within a stage, so its answers
 * are cached per prompt; the cache is trainer state (a resume reads it back, never re-decodes).
 * Departures: the paper also accepts paraphrases a model judges equivalent; TabRL accepts only
 * verifier-correct answers, and only ones that ended with EOS (a greedy answer cut off by
 * max_completion_length is not a completion to imitate).
 */
import { sampleWithKvCache } from '../model/gpu/generate.js';
import { selfTargetsStream } from '../rl/streams.js';
import type { TaskSample } from '../tasks/types.js';
import type { TrainerContext } from './steps.js';
import type { TokenRow } from './update.js';

/** θ_ref's greedy answer to one prompt. */
export interface SelfAnswer {
  /** Completion ids as generated (ending with EOS when it stopped). */
  completionIds: number[];
  /** Verifier-correct and ended with EOS: the answer becomes the target. */
  accepted: boolean;
}

/** θ_ref's answers by task prompt (the text before any chat template). */
export type SelfTargetCache = Map<string, SelfAnswer>;

/** One greedy decode as the answerer gives it back. */
export interface GreedyAnswer {
  completionIds: number[];
  /** Decoded text, EOS stripped (what the verifier reads). */
  text: string;
  /** Whether it ended with EOS within max_completion_length. */
  finished: boolean;
}

/**
 * Decodes greedily (with `answer`, θ_ref's decoder) the prompts of `samples` not yet in `cache`, each
 * once, and caches whether the verifier accepts it. Example: prompt '{12}=' answered '21' + EOS, gold
 * '21' -> accepted; answered '22' + EOS -> not accepted (the gold target stays).
 */
export async function fillSelfTargets(
  cache: SelfTargetCache,
  samples: readonly TaskSample[],
  answer: (missing: readonly TaskSample[]) => Promise<GreedyAnswer[]>,
  isCorrect: (sample: TaskSample, completion: string) => boolean,
): Promise<void> {
  const missing: TaskSample[] = [];
  const seen = new Set<string>();
  for (const s of samples) {
    if (cache.has(s.prompt) || seen.has(s.prompt)) continue;
    seen.add(s.prompt);
    missing.push(s);
  }
  if (missing.length === 0) return;
  const answers = await answer(missing);
  if (answers.length !== missing.length)
    throw new Error(`self targets: ${answers.length} greedy answers for ${missing.length} prompts`);
  missing.forEach((s, i) => {
    const a = answers[i];
    cache.set(s.prompt, {
      completionIds: [...a.completionIds],
      accepted: a.finished && isCorrect(s, a.text),
    });
  });
}

/**
 * The step's SFT rows: row i keeps its prompt and takes θ_ref's cached answer as completion when that
 * answer was accepted, else the gold completion `gold[i]`; `selfFraction` is the share that were self.
 */
export function chooseTargets(
  samples: readonly TaskSample[],
  gold: readonly TokenRow[],
  cache: SelfTargetCache,
): { rows: TokenRow[]; selfFraction: number } {
  let self = 0;
  const rows = samples.map((s, i) => {
    const a = cache.get(s.prompt);
    if (!a)
      throw new Error(`self targets: no answer of the reference cached for ${JSON.stringify(s.prompt)}`);
    if (!a.accepted) return gold[i];
    self++;
    return { promptIds: gold[i].promptIds, completionIds: a.completionIds };
  });
  return { rows, selfFraction: rows.length > 0 ? self / rows.length : 0 };
}

/** The cache as trainer-state JSON: [prompt, completion ids, accepted] in insertion order. */
export function saveSelfTargets(cache: SelfTargetCache): [string, number[], boolean][] {
  return [...cache].map(([prompt, a]) => [prompt, a.completionIds, a.accepted]);
}

/** The cache from trainer-state JSON (saveSelfTargets's form); refuses anything else. */
export function restoreSelfTargets(saved: unknown): SelfTargetCache {
  const cache: SelfTargetCache = new Map();
  if (saved === undefined) return cache;
  const bad = () =>
    new Error('resume: trainer_state.json self_targets is not a list of [prompt, token ids, accepted]');
  if (!Array.isArray(saved)) throw bad();
  for (const entry of saved) {
    if (!Array.isArray(entry) || entry.length !== 3) throw bad();
    const [prompt, ids, accepted] = entry;
    if (typeof prompt !== 'string' || !Array.isArray(ids) || typeof accepted !== 'boolean') throw bad();
    if (!ids.every((t) => Number.isInteger(t) && t >= 0)) throw bad();
    cache.set(prompt, { completionIds: ids as number[], accepted });
  }
  return cache;
}

/** θ_ref's greedy answers on the GPU (ctx.ref: the starting policy in an SFT phase). */
function referenceAnswerer(ctx: TrainerContext) {
  return async (missing: readonly TaskSample[]): Promise<GreedyAnswer[]> => {
    if (!ctx.ref) throw new Error('sft_targets self_when_correct: the reference is not held');
    const prompts = missing.map((s) => ctx.rolloutCtx.prompts.encode(s.prompt));
    const gen = await sampleWithKvCache(ctx.model, prompts, {
      ...ctx.rolloutCtx.sampling,
      greedy: true,
      step: selfTargetsStream(),
      params: ctx.ref,
    });
    const eos = ctx.tokenizer.eosId;
    return gen.tokens.map((ids) => {
      const finished = ids[ids.length - 1] === eos;
      const body = finished ? ids.slice(0, -1) : ids;
      return {
        completionIds: ids,
        text: ctx.tokenizer.decode(body, { skipSpecialTokens: true }),
        finished,
      };
    });
  };
}

/**
 * The rows of an SFT update under the run's `sft_targets`, with `sft/self_fraction` under
 * self_when_correct (gold rows and no metric under gold).
 */
export async function sftTargetRows(
  ctx: TrainerContext,
  samples: readonly TaskSample[],
  gold: TokenRow[],
): Promise<{ rows: TokenRow[]; metrics: Record<string, number> }> {
  const kind = ctx.config.sft_targets;
  switch (kind) {
    case 'gold':
      return { rows: gold, metrics: {} };
    case 'self_when_correct': {
      await fillSelfTargets(ctx.selfTargets, samples, referenceAnswerer(ctx), (s, t) =>
        ctx.task.isCorrect(s, t),
      );
      const r = chooseTargets(samples, gold, ctx.selfTargets);
      return { rows: r.rows, metrics: { 'sft/self_fraction': r.selfFraction } };
    }
    default:
      return kind satisfies never;
  }
}

/** Empties the cache: θ_ref changed (a stage machinery calls this where it takes a new θ_ref). */
export function resetSelfTargets(ctx: { selfTargets: SelfTargetCache }): void {
  ctx.selfTargets.clear();
}
