/**
 * The synthetic tasks with exact answers: n-digit addition and multiplication, sorting digits and
 * reversing strings. Prompts are short, end in '=' so a character-level model sees where the answer
 * starts, and (without tags, with digit symbols) use only the default char tokenizer's alphabet, so
 * the default and smoke models run every task; operands are uniform in [0, 10^digits - 1].
 */

import type { z } from 'zod';
import type { Rng } from '../rl/random';
import type { additionOptions, multiplicationOptions, reversalOptions, sortingOptions } from './options';
import { alphabetOf, extractAnswer, type Task, type TaskSample, tagAlphabet, wrapAnswer } from './types';

const DIGITS = '0123456789';

function sample(prompt: string, answer: string, tag: string | null): TaskSample {
  return { prompt, answer, gold: wrapAnswer(answer, tag), tag };
}

function exactTask(name: string, alphabet: string, draw: (rng: Rng) => TaskSample): Task {
  return {
    name,
    alphabet,
    draw,
    isCorrect: (s, completion) => extractAnswer(completion, s.tag) === s.answer,
  };
}

/** Prompt '12+34=', answer '46'. */
export function additionTask(o: z.infer<typeof additionOptions>): Task {
  const hi = 10 ** o.digits - 1;
  return exactTask('addition', alphabetOf(DIGITS, '+=', tagAlphabet(o.tag)), (rng) => {
    const a = rng.int(0, hi);
    const b = rng.int(0, hi);
    return sample(`${a}+${b}=`, String(a + b), o.tag);
  });
}

/** Prompt '12*34=', answer '408'. */
export function multiplicationTask(o: z.infer<typeof multiplicationOptions>): Task {
  const hi = 10 ** o.digits - 1;
  return exactTask('multiplication', alphabetOf(DIGITS, '*=', tagAlphabet(o.tag)), (rng) => {
    const a = rng.int(0, hi);
    const b = rng.int(0, hi);
    return sample(`${a}*${b}=`, String(a * b), o.tag);
  });
}

/** Prompt '[3102]=', answer '0123'. */
export function sortingTask(o: z.infer<typeof sortingOptions>): Task {
  return exactTask('sorting', alphabetOf(DIGITS, '[]=', tagAlphabet(o.tag)), (rng) => {
    const digits = Array.from({ length: o.length }, () => rng.int(0, 9));
    return sample(`[${digits.join('')}]=`, [...digits].sort((x, y) => x - y).join(''), o.tag);
  });
}

/** Prompt '{abc}=', answer 'cba' (length 1 is a copy task). */
export function reversalTask(o: z.infer<typeof reversalOptions>): Task {
  return exactTask('reversal', alphabetOf(o.symbols, '{}=', tagAlphabet(o.tag)), (rng) => {
    const chars = Array.from({ length: o.length }, () => o.symbols[rng.int(0, o.symbols.length - 1)]);
    return sample(`{${chars.join('')}}=`, [...chars].reverse().join(''), o.tag);
  });
}
