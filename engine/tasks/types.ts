/**
 * What every task gives the trainer: seeded prompts with their answer and a gold completion (for
 * SFT), a verifier, and the characters its prompts and completions use (the built-in models are
 * character-level, so the tokenizer is built from these alphabets).
 */

import type { Rng } from '../rl/random';

export interface TaskSample {
  prompt: string;
  /** The canonical answer text (what goes inside the tags, if any). */
  answer: string;
  /** A correct completion, tags included, for SFT and warm starts (EOS not included). */
  gold: string;
  /** The tag the answer must sit in (`<a>46</a>`), or null for a bare answer. */
  tag: string | null;
  /** Countdown: the numbers the expression may use, each at most once. */
  numbers?: number[];
}

export interface Task {
  readonly name: string;
  /** Every character prompts and completions of this task can contain, sorted, without duplicates. */
  readonly alphabet: string;
  /** A fresh sample from the whole prompt space; splitting into train/held-out is split.ts's job. */
  draw(rng: Rng): TaskSample;
  /** Whether a completion (EOS stripped) answers the sample correctly. */
  isCorrect(sample: TaskSample, completion: string): boolean;
}

/** Sorted unique characters of the given strings. */
export function alphabetOf(...texts: string[]): string {
  return [...new Set(texts.join(''))].sort().join('');
}

/** The characters tags add: `<`, `>`, `/` and the tag name. */
export function tagAlphabet(tag: string | null): string {
  return tag ? alphabetOf('</>', tag) : '';
}

/** Wraps an answer in the sample's tag: wrapAnswer('46', 'a') = '<a>46</a>'. */
export function wrapAnswer(answer: string, tag: string | null): string {
  return tag ? `<${tag}>${answer}</${tag}>` : answer;
}

/**
 * The answer a completion gives: the trimmed text inside the first `<tag>...</tag>`, or the whole
 * trimmed completion when there is no tag. extractAnswer(' <a>46</a>', 'a') = '46';
 * extractAnswer('46', 'a') = null; extractAnswer(' 46 ', null) = '46'.
 */
export function extractAnswer(completion: string, tag: string | null): string | null {
  if (!tag) return completion.trim();
  const open = `<${tag}>`;
  const start = completion.indexOf(open);
  if (start < 0) return null;
  const end = completion.indexOf(`</${tag}>`, start + open.length);
  if (end < 0) return null;
  return completion.slice(start + open.length, end).trim();
}
