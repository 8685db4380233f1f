/**
 * User reward functions: JavaScript that a person typed (or that arrived in a share link), run in a
 * sandbox that is a separate thread (a Node worker_threads Worker in sandbox-node.ts, a data-URL Web
 * Worker in sandbox-browser.ts) whose global holds JavaScript's built-ins and nothing else
 * (sandbox-lockdown.ts), stopped when one batch takes longer than its time limit. This file holds what both share: the contract of a user function, the worker pool
 * with its timeouts, and the scoring of a batch with built-in and user functions together. Unlike the
 * built-ins, a user function never runs on the trainer's thread, so a loop that never returns costs
 * one time limit, not the tab.
 */

import type { RunConfig } from '../config/schema.js';
import { REWARD_NAMES, type RewardInput, type RewardName, rewardFunction } from './builtin.js';
import type { RewardError, ScoreResult, WeightedReward } from './score.js';

/**
 * The contract, shown in the schema's description and the lab's editor help. `source` is either
 *  - an expression, usually an arrow function: `(completion, prompt, answer) => completion.trim() === answer ? 1 : 0`
 *  - or a function body that `return`s: `const a = completion.trim(); return a === answer ? 1 : 0;`
 * It is read as an expression first and as a function body if that does not parse. `completion`
 * (the sampled text, EOS stripped), `prompt` and `answer` (the task's canonical answer, no tags) are
 * strings in scope. If the result is a function it is called with (completion, prompt, answer). The
 * final value must be a finite number; anything else (NaN, a string, a Promise, a throw) is an error
 * that refuses the training step. The code runs synchronously in a worker whose global keeps only
 * JavaScript's built-ins (REWARD_GLOBALS in sandbox-lockdown.ts): no network, no DOM, no storage (no
 * navigator, so no navigator.storage, OPFS or locks; indexedDB and caches throw when read), no other
 * context to talk to, and in the browser an opaque origin besides; one batch of completions has
 * `timeLimitMs` (default 2 s) in all.
 */
export const REWARD_CODE_CONTRACT =
  'JavaScript run per completion with the strings completion, prompt and answer in scope: an expression ' +
  'such as (completion, prompt, answer) => (completion.trim() === answer ? 1 : 0), or a function body that ' +
  'returns a finite number. Runs in a worker with only the JavaScript built-ins (Math, JSON, String, ' +
  'RegExp, Array, Map...): no network, DOM or storage; a batch must finish within 2 s.';

export interface UserRewardCode {
  /** What reward_funcs lists and metrics log under `rewards/<name>/mean`. */
  name: string;
  source: string;
}

/** What a user function sees of one completion. */
export interface UserRewardInput {
  completion: string;
  prompt: string;
  answer: string;
}

/** Per sample: the finite number the function returned, or why there is none. */
export type SandboxOutcome = { ok: true; value: number } | { ok: false; error: string };

export interface RewardSandbox {
  /** Runs every function over `inputs` (each function in its own worker, in parallel). */
  score(
    functions: readonly UserRewardCode[],
    inputs: readonly UserRewardInput[],
  ): Promise<Record<string, SandboxOutcome[]>>;
  /** Stops every worker. */
  dispose(): void;
}

export interface SandboxOptions {
  /** Wall-clock limit of one batch of one function, in ms (worker start-up included). Default 2000. */
  timeLimitMs?: number;
}

export const DEFAULT_REWARD_TIME_LIMIT_MS = 2000;

/** The two readings of a source, as scripts whose value is the reward function (expression first). */
export function rewardSourceForms(source: string): { expression: string; body: string } {
  return {
    expression: `(function (completion, prompt, answer) { return (\n${source}\n); })`,
    body: `(function (completion, prompt, answer) {\n${source}\n})`,
  };
}

/** Which reading's syntax error to report when neither parses: a source with `return` meant a body. */
export const preferBodyError = (source: string) => /\breturn\b/.test(source);

/**
 * JavaScript (ES5, no imports) that evaluates one input with `reward` and returns a SandboxOutcome;
 * the worker scripts of both sandboxes embed it, so the error messages are the same everywhere. It is
 * strict, so user code reaches it neither as `arguments.callee.caller` nor through a stack trace's
 * CallSite.getFunction(), and it hands user code only strings and its own no-op function.
 */
export const EVALUATE_OUTCOME_JS = `function evaluateOutcome(reward, input) {
  'use strict';
  var value;
  try {
    value = reward(input.completion, input.prompt, input.answer);
    if (typeof value === 'function') value = value(input.completion, input.prompt, input.answer);
  } catch (e) {
    var text;
    try {
      text = e !== null && typeof e === 'object' && 'message' in e
        ? (e.name && e.name !== 'Error' ? e.name + ': ' : '') + String(e.message)
        : String(e);
    } catch (_) { text = 'an unprintable value'; }
    return { ok: false, error: 'threw: ' + text };
  }
  if (typeof value === 'number' && isFinite(value)) return { ok: true, value: value };
  if (value !== null && typeof value === 'object' && typeof value.then === 'function') {
    try { value.then(null, function () {}); } catch (_) {}
    return { ok: false, error: 'returned a Promise: reward functions must be synchronous (no async/await or fetch)' };
  }
  var got = typeof value === 'number' ? String(value) : value === null ? 'null' : typeof value;
  return { ok: false, error: 'returned ' + got + ', not a finite number' };
}`;

/** Messages from a reward worker to its pool. */
export type FromRewardWorker =
  | { type: 'ready' }
  | { type: 'compile-error'; message: string }
  | { type: 'results'; id: number; outcomes: SandboxOutcome[] };

/** One started worker, as the pool sees it (sandbox-node.ts and sandbox-browser.ts make these). */
export interface RewardWorkerPort {
  send(batch: { id: number; inputs: UserRewardInput[] }): void;
  /** `onCrash`: the worker died (out of memory, a load error other than syntax). */
  listen(onMessage: (msg: FromRewardWorker) => void, onCrash: (message: string) => void): void;
  terminate(): void;
}

export type SpawnRewardWorker = (code: UserRewardCode) => RewardWorkerPort;

interface PooledWorker {
  source: string;
  port: RewardWorkerPort;
  /** null once ready; the compile error otherwise. */
  ready: Promise<string | null>;
  pending: Map<number, (result: SandboxOutcome[] | { crash: string }) => void>;
}

const failAll = (n: number, error: string): SandboxOutcome[] =>
  Array.from({ length: n }, () => ({ ok: false, error }));

/** A sandbox over any way of starting workers: one worker per function, kept until it times out. */
export function createRewardSandbox(spawn: SpawnRewardWorker, options: SandboxOptions = {}): RewardSandbox {
  const limitMs = options.timeLimitMs ?? DEFAULT_REWARD_TIME_LIMIT_MS;
  const workers = new Map<string, PooledWorker>();
  let nextId = 1;

  function start(code: UserRewardCode): PooledWorker {
    const port = spawn(code);
    const pending = new Map<number, (r: SandboxOutcome[] | { crash: string }) => void>();
    let settleReady!: (error: string | null) => void;
    const ready = new Promise<string | null>((ok) => {
      settleReady = ok;
    });
    port.listen(
      (msg) => {
        if (msg.type === 'ready') settleReady(null);
        else if (msg.type === 'compile-error') settleReady(`does not compile: ${msg.message}`);
        else {
          pending.get(msg.id)?.(msg.outcomes);
          pending.delete(msg.id);
        }
      },
      (message) => {
        settleReady(`crashed while loading: ${message}`);
        for (const resolve of pending.values()) resolve({ crash: message });
        pending.clear();
      },
    );
    return { source: code.source, port, ready, pending };
  }

  function stop(name: string): void {
    workers.get(name)?.port.terminate();
    workers.delete(name);
  }

  async function scoreOne(code: UserRewardCode, inputs: UserRewardInput[]): Promise<SandboxOutcome[]> {
    let w = workers.get(code.name);
    if (w && w.source !== code.source) {
      stop(code.name);
      w = undefined;
    }
    if (!w) {
      w = start(code);
      workers.set(code.name, w);
    }
    const worker = w;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<'timeout'>((ok) => {
      timer = setTimeout(() => ok('timeout'), limitMs);
    });
    const run = (async () => {
      const compileError = await worker.ready;
      if (compileError !== null) return failAll(inputs.length, compileError);
      const id = nextId++;
      const result = new Promise<SandboxOutcome[] | { crash: string }>((ok) => worker.pending.set(id, ok));
      worker.port.send({ id, inputs });
      const r = await result;
      if (Array.isArray(r)) return r;
      stop(code.name);
      return failAll(inputs.length, `crashed: ${r.crash}`);
    })();
    try {
      const winner = await Promise.race([run, timeout]);
      if (winner !== 'timeout') return winner;
      stop(code.name);
      const seconds = Number((limitMs / 1000).toFixed(3));
      return failAll(
        inputs.length,
        `did not return within ${seconds} s (the limit for one batch of ${inputs.length} completions; its worker was stopped)`,
      );
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    async score(functions, inputs) {
      const plain = inputs.map(({ completion, prompt, answer }) => ({ completion, prompt, answer }));
      const results = await Promise.all(functions.map((f) => scoreOne(f, plain)));
      return Object.fromEntries(functions.map((f, i) => [f.name, results[i]]));
    },
    dispose() {
      for (const name of [...workers.keys()]) stop(name);
    },
  };
}

/** The user functions of a run with their weights, and the sandbox that runs them. */
export interface UserRewards {
  sandbox: RewardSandbox;
  functions: { weight: number; code: UserRewardCode }[];
}

export const isBuiltinReward = (name: string): name is RewardName =>
  (REWARD_NAMES as readonly string[]).includes(name);

/**
 * RunConfig's reward_funcs / reward_weights / reward_code split into the built-ins (for
 * scoreCompletions-style calls) and the user functions; user functions need a sandbox.
 */
export function runRewards(
  config: Pick<RunConfig, 'reward_funcs' | 'reward_weights' | 'reward_code'>,
  sandbox: RewardSandbox | null = null,
): { builtin: WeightedReward[]; user: UserRewards | undefined } {
  const weights = config.reward_weights;
  if (weights && weights.length !== config.reward_funcs.length) {
    throw new Error(
      `reward_weights has ${weights.length} entries for ${config.reward_funcs.length} reward_funcs`,
    );
  }
  const builtin: WeightedReward[] = [];
  const functions: UserRewards['functions'] = [];
  config.reward_funcs.forEach((name, i) => {
    const weight = weights ? weights[i] : 1;
    if (isBuiltinReward(name)) {
      builtin.push({ name, weight, fn: rewardFunction(name) });
      return;
    }
    const code = config.reward_code.find((c) => c.name === name);
    if (!code) throw new Error(`reward_funcs: "${name}" is neither a built-in reward nor in reward_code`);
    functions.push({ weight, code });
  });
  if (functions.length === 0) return { builtin, user: undefined };
  if (!sandbox) {
    throw new Error(
      `reward_funcs uses user code (${functions.map((f) => f.code.name).join(', ')}) but this trainer has no reward sandbox to run it in`,
    );
  }
  return { builtin, user: { sandbox, functions } };
}

/**
 * scoreCompletions (score.ts) for built-in and user functions together: r_i = sum_f w_f r_f,i, with
 * `rewards/<fn>/mean` per function (built-ins first) and one RewardError per failed (function, sample).
 */
export async function scoreRunRewards(
  builtin: readonly WeightedReward[],
  user: UserRewards | undefined,
  inputs: readonly RewardInput[],
): Promise<ScoreResult> {
  const userCode = user?.functions.map((f) => f.code) ?? [];
  const userInputs = inputs.map((x) => ({
    completion: x.completion,
    prompt: x.prompt,
    answer: x.sample.answer,
  }));
  const userOutcomes = user && userCode.length > 0 ? await user.sandbox.score(userCode, userInputs) : {};
  const columns: { name: string; weight: number; outcomes: SandboxOutcome[] }[] = [
    ...builtin.map((f) => ({
      name: f.name,
      weight: f.weight,
      outcomes: inputs.map((input) => builtinOutcome(f, input)),
    })),
    ...(user?.functions ?? []).map((f) => ({
      name: f.code.name,
      weight: f.weight,
      outcomes: userOutcomes[f.code.name] ?? failAll(inputs.length, 'was not run by the sandbox'),
    })),
  ];
  const total = new Float64Array(inputs.length);
  const perFunction: Record<string, (number | null)[]> = {};
  const metrics: Record<string, number> = {};
  const errors: RewardError[] = [];
  for (const { name, weight, outcomes } of columns) {
    if (name in perFunction) throw new Error(`scoreRunRewards: reward function ${name} listed twice`);
    const values: (number | null)[] = [];
    let sum = 0;
    let count = 0;
    outcomes.forEach((o, i) => {
      if (!o.ok) {
        errors.push({ fn: name, sample: i, message: o.error });
        values.push(null);
        total[i] = Number.NaN;
        return;
      }
      values.push(o.value);
      total[i] += weight * o.value;
      sum += o.value;
      count++;
    });
    perFunction[name] = values;
    metrics[`rewards/${name}/mean`] = count ? sum / count : Number.NaN;
  }
  return { rewards: total, perFunction, metrics, errors };
}

function builtinOutcome(reward: WeightedReward, input: RewardInput): SandboxOutcome {
  let value: unknown;
  try {
    value = reward.fn(input);
  } catch (e) {
    return { ok: false, error: `threw: ${e instanceof Error ? e.message : String(e)}` };
  }
  if (typeof value === 'number' && Number.isFinite(value)) return { ok: true, value };
  const got = typeof value === 'number' ? String(value) : typeof value;
  return { ok: false, error: `returned ${got}, not a finite number` };
}
