/**
 * The benchmark registry: every row `tabrl bench` runs, in report order. To add a kernel's rows,
 * write a `cases/<op>.ts` that returns `BenchCase[]` (see `case.ts` and `matmul.ts`) and list it here.
 */
import type { BenchCase } from '../case.js';
import { attentionCases } from './attention.js';
import { crossEntropyCases } from './cross-entropy.js';
import { geluAdamwCases } from './gelu-adamw.js';
import { layernormCases } from './layernorm.js';
import { matmulCases } from './matmul.js';

export const BENCH_CASES: readonly BenchCase[] = [
  ...matmulCases(),
  ...attentionCases(),
  ...layernormCases(),
  ...crossEntropyCases(),
  ...geluAdamwCases(),
];
