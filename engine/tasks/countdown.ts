/**
 * Countdown (as in TinyZero and the "Countdown" RL benchmarks): reach a target with the given
 * numbers and + - * /, each number used at most once. Prompts are generated from a random
 * expression so every prompt has a solution (the gold completion); any other correct expression
 * also scores. Prompt '3 4 2:10=' (numbers, then the target), gold '3*4-2'.
 */

import type { z } from 'zod';
import type { Rng } from '../rl/random';
import { evaluateExpression, usesAtMostOnce } from './expression';
import type { countdownOptions } from './options';
import { alphabetOf, extractAnswer, type Task, type TaskSample, tagAlphabet, wrapAnswer } from './types';

interface Node {
  text: string;
  value: number;
  /** 0 for a number or parenthesised group, 1 for * /, 2 for + -. */
  level: number;
}

const OPS = ['+', '-', '*', '/'] as const;

function combine(a: Node, b: Node, op: (typeof OPS)[number]): Node | null {
  const level = op === '+' || op === '-' ? 2 : 1;
  // parenthesise a side that binds looser, and a right side of equal looseness under - or /
  const left = a.level > level ? `(${a.text})` : a.text;
  const right = b.level > level || (b.level === level && (op === '-' || op === '/')) ? `(${b.text})` : b.text;
  let value: number;
  switch (op) {
    case '+':
      value = a.value + b.value;
      break;
    case '-':
      value = a.value - b.value;
      break;
    case '*':
      value = a.value * b.value;
      break;
    case '/':
      if (b.value === 0 || a.value % b.value !== 0) return null;
      value = a.value / b.value;
      break;
    default:
      return op satisfies never;
  }
  return { text: `${left}${op}${right}`, value, level };
}

/** Draws numbers and a solution that uses 2..count of them, with an integer target in [1, max_target]. */
function drawCountdown(rng: Rng, o: z.infer<typeof countdownOptions>): TaskSample {
  for (let attempt = 0; attempt < 1000; attempt++) {
    const numbers = Array.from({ length: o.count }, () => rng.int(1, o.max_number));
    const used = rng.int(2, o.count);
    const order = [...numbers.keys()];
    for (let i = order.length - 1; i > 0; i--) {
      const j = rng.int(0, i);
      [order[i], order[j]] = [order[j], order[i]];
    }
    let nodes: Node[] = order
      .slice(0, used)
      .map((i) => ({ text: String(numbers[i]), value: numbers[i], level: 0 }));
    while (nodes.length > 1) {
      const i = rng.int(0, nodes.length - 2);
      const merged = combine(nodes[i], nodes[i + 1], rng.pick(OPS));
      if (!merged) break;
      nodes = [...nodes.slice(0, i), merged, ...nodes.slice(i + 2)];
    }
    const [root] = nodes;
    if (nodes.length !== 1 || !Number.isInteger(root.value) || root.value < 1 || root.value > o.max_target)
      continue;
    return {
      prompt: `${numbers.join(' ')}:${root.value}=`,
      answer: String(root.value),
      gold: wrapAnswer(root.text, o.tag),
      tag: o.tag,
      numbers,
    };
  }
  throw new Error(
    `countdown: no solvable prompt in 1000 tries (count ${o.count}, max_number ${o.max_number})`,
  );
}

/**
 * Correct when the answer parses, uses each given number at most once and equals the target.
 * With numbers [3,4,2] and target 10: '3*4-2' yes, '(4-2)*3+4' no (4 twice), '4*3' no (12), '10' no (not given).
 */
export function countdownCorrect(sample: TaskSample, completion: string): boolean {
  const text = extractAnswer(completion, sample.tag);
  if (text === null || !sample.numbers) return false;
  const parsed = evaluateExpression(text);
  if (!parsed.ok) return false;
  const target = BigInt(sample.answer);
  return (
    parsed.value.den === 1n && parsed.value.num === target && usesAtMostOnce(parsed.numbers, sample.numbers)
  );
}

export function countdownTask(o: z.infer<typeof countdownOptions>): Task {
  return {
    name: 'countdown',
    alphabet: alphabetOf('0123456789+-*/() :=', tagAlphabet(o.tag)),
    draw: (rng) => drawCountdown(rng, o),
    isCorrect: countdownCorrect,
  };
}
