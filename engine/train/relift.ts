/**
 * Interleaved SFT on the prompts RL fails (`relift`), after "Learning What Reinforcement Learning
 * Can't: Interleaved Online Fine-Tuning for Hardest Questions" (docs/ALGORITHMS.md, "Interleaved SFT
 * on the prompts RL fails"). After each RL step, every prompt none of whose sampled completions the
 * task's verifier accepts (groups dynamic sampling dropped included) joins a first-in first-out buffer
 * with its gold completion, at most once per run; when the buffer holds at least B items the step also
 * takes one SFT update on the B oldest, which leave the buffer. The buffer and the prompts already
 * taken are trainer state (`reliftToJson` / `reliftFromJson`), so a resumed run continues exactly.
 */
import type { TaskSample } from '../tasks/types.js';

export interface ReliftState {
  /** Prompts waiting for an SFT update, oldest first. */
  buffer: TaskSample[];
  /** Every prompt text ever added, so none is added twice in a run. */
  seen: Set<string>;
  /** SFT updates taken so far (`relift/sft_steps`). */
  sftSteps: number;
}

export function emptyRelift(): ReliftState {
  return { buffer: [], seen: new Set(), sftSteps: 0 };
}

/** One sampled group: its prompt and whether the verifier accepted each completion. */
export interface VerifiedGroup {
  sample: TaskSample;
  correct: readonly boolean[];
}

/** The prompts of `groups` that no completion solved, in order, each once. */
export function unsolvedPrompts(groups: readonly VerifiedGroup[]): TaskSample[] {
  const out: TaskSample[] = [];
  const taken = new Set<string>();
  for (const g of groups) {
    if (g.correct.some(Boolean) || taken.has(g.sample.prompt)) continue;
    taken.add(g.sample.prompt);
    out.push(g.sample);
  }
  return out;
}

/**
 * Adds the unsolved prompts not seen before, then takes the `batch` oldest when the buffer holds at
 * least that many. Mutates `state`; returns what the step trains on (empty when nothing is due).
 */
export function reliftAfterStep(
  state: ReliftState,
  groups: readonly VerifiedGroup[],
  batch: number,
): { added: number; due: TaskSample[] } {
  let added = 0;
  for (const s of unsolvedPrompts(groups)) {
    if (state.seen.has(s.prompt)) continue;
    state.seen.add(s.prompt);
    state.buffer.push(s);
    added++;
  }
  if (state.buffer.length < batch) return { added, due: [] };
  return { added, due: state.buffer.splice(0, batch) };
}

/** The state as trainer_state.json data. */
export function reliftToJson(state: ReliftState): Record<string, unknown> {
  return { buffer: state.buffer, seen: [...state.seen], sft_steps: state.sftSteps };
}

export function reliftFromJson(json: unknown): ReliftState {
  if (typeof json !== 'object' || json === null) return emptyRelift();
  const j = json as { buffer?: TaskSample[]; seen?: string[]; sft_steps?: number };
  return {
    buffer: Array.isArray(j.buffer) ? j.buffer.map((s) => ({ ...s })) : [],
    seen: new Set(Array.isArray(j.seen) ? j.seen : []),
    sftSteps: Number(j.sft_steps ?? 0),
  };
}
