/**
 * Train / held-out split by hashing the prompt text: a prompt is held out when its hash falls under
 * `held_out_fraction`, so the two sets can never overlap, whatever seed or draw order, and the split
 * of a prompt never changes between runs. Draws reject prompts of the other side.
 */

import { hashString, type Rng } from '../rl/random';
import type { Task, TaskSample } from './types';

export type Split = 'train' | 'eval';

/** Fixed salt: changing it would move prompts between splits, so it is part of the format. */
const SPLIT_SALT = 0x7ab51;
const MAX_TRIES = 10_000;

/** Whether `prompt` belongs to the held-out (eval) side. */
export function isHeldOut(prompt: string, fraction: number): boolean {
  return hashString(prompt, SPLIT_SALT) / 4294967296 < fraction;
}

/** One sample from the given side of the split (rejection sampling). */
export function drawSample(task: Task, rng: Rng, split: Split, fraction: number): TaskSample {
  for (let i = 0; i < MAX_TRIES; i++) {
    const s = task.draw(rng);
    if (isHeldOut(s.prompt, fraction) === (split === 'eval')) return s;
  }
  throw new Error(
    `task ${task.name}: no ${split} prompt in ${MAX_TRIES} draws; the prompt space is too small for held_out_fraction ${fraction}`,
  );
}

/** `count` training samples (repeats allowed: a step may see a prompt twice, as with any sampler). */
export function drawTrainingBatch(task: Task, rng: Rng, count: number, fraction: number): TaskSample[] {
  return Array.from({ length: count }, () => drawSample(task, rng, 'train', fraction));
}

/**
 * The fixed held-out set: up to `count` distinct eval prompts drawn from `rng` (pass the run's
 * `split('eval')` stream so it is the same at every eval step). Fewer when the space runs out.
 */
export function heldOutSet(task: Task, rng: Rng, count: number, fraction: number): TaskSample[] {
  const seen = new Map<string, TaskSample>();
  let misses = 0;
  while (seen.size < count && misses < 200) {
    const s = drawSample(task, rng, 'eval', fraction);
    if (seen.has(s.prompt)) misses++;
    else {
      seen.set(s.prompt, s);
      misses = 0;
    }
  }
  return [...seen.values()];
}
