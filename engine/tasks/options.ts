/**
 * The task part of RunConfig as zod schemas, one per task, discriminated by `name`. They live
 * here (not in engine/config) so that a task and its options change together; config imports them.
 */

import { z } from 'zod';

const tag = z
  .string()
  .regex(/^[a-z]{1,8}$/, { error: 'must be 1 to 8 lowercase letters, or null' })
  .nullable()
  .describe('Tag the answer must sit in, e.g. "a" for <a>46</a>; null for a bare answer');
const heldOut = z
  .number()
  .gt(0, { error: 'must be > 0' })
  .lt(1, { error: 'must be < 1' })
  .describe('Fraction of the prompt space held out for evaluation (hash partition of prompts)');
const common = { tag: tag.default(null), held_out_fraction: heldOut.default(0.1) };

export const additionOptions = z.strictObject({
  name: z.literal('addition'),
  digits: z.int().min(1).max(6).default(2).describe('Operands are uniform in [0, 10^digits - 1]'),
  ...common,
});

export const multiplicationOptions = z.strictObject({
  name: z.literal('multiplication'),
  digits: z.int().min(1).max(4).default(2).describe('Operands are uniform in [0, 10^digits - 1]'),
  ...common,
});

export const countdownOptions = z.strictObject({
  name: z.literal('countdown'),
  count: z.int().min(2).max(6).default(3).describe('How many numbers are given'),
  max_number: z.int().min(2).max(100).default(10).describe('Given numbers are uniform in [1, max_number]'),
  max_target: z.int().min(2).max(10000).default(100).describe('Targets are integers in [1, max_target]'),
  ...common,
});

export const sortingOptions = z.strictObject({
  name: z.literal('sorting'),
  length: z.int().min(2).max(16).default(5).describe('How many digits to sort'),
  ...common,
});

export const reversalOptions = z.strictObject({
  name: z.literal('reversal'),
  length: z.int().min(1).max(16).default(4).describe('How many characters to reverse (1 = copy)'),
  symbols: z
    .string()
    .regex(/^[a-z0-9]{2,36}$/, { error: 'must be 2 to 36 lowercase letters or digits' })
    .default('0123456789')
    .describe('Characters the strings are drawn from'),
  ...common,
});

export const datasetOptions = z.strictObject({
  name: z.literal('dataset'),
  source: z.string().min(1).describe('URL or path of a JSONL file of {"prompt", "answer"} lines'),
  match: z
    .enum(['exact', 'numeric'])
    .default('exact')
    .describe('exact: trimmed strings equal; numeric: |a-b| <= 1e-6*max(1,|b|)'),
  ...common,
});

export const taskOptions = z.discriminatedUnion('name', [
  additionOptions,
  multiplicationOptions,
  countdownOptions,
  sortingOptions,
  reversalOptions,
  datasetOptions,
]);

export type TaskOptions = z.infer<typeof taskOptions>;
export type TaskName = TaskOptions['name'];
export const TASK_NAMES = [
  'addition',
  'multiplication',
  'countdown',
  'sorting',
  'reversal',
  'dataset',
] as const;
