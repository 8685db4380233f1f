import { afterEach, describe, expect, it } from 'vitest';
import { resolveRunConfig } from '../config/index.js';
import { createTask } from '../tasks/index.js';
import { taskOptions } from '../tasks/options.js';
import type { TaskSample } from '../tasks/types.js';
import type { RewardInput } from './builtin.js';
import { type RewardSandbox, runRewards, type SandboxOutcome, scoreRunRewards } from './sandbox.js';
import { ESCAPE_PROBES, GLOBAL_NAMES_SOURCE, globalNamesIn, outcomeText } from './sandbox-escapes.fixture.js';
import { BLOCKED_GLOBALS, REWARD_GLOBALS, UNAVAILABLE_GLOBALS } from './sandbox-lockdown.js';
import { createNodeRewardSandbox } from './sandbox-node.js';

const inputs = [
  { completion: '46', prompt: '12+34=', answer: '46' },
  { completion: '47 ', prompt: '12+34=', answer: '46' },
  { completion: '', prompt: '1+1=', answer: '2' },
];

let sandbox: RewardSandbox | null = null;
afterEach(() => {
  sandbox?.dispose();
  sandbox = null;
});

/** For tests not about the time limit: start-up of several workers at once counts against it, and the
 * CI machine's two cores are shared, so 2 s is sometimes too little to start seven. */
const ROOMY = { timeLimitMs: 10_000 };

const values = (outcomes: SandboxOutcome[]) => outcomes.map((o) => (o.ok ? o.value : `error: ${o.error}`));

describe('Node reward sandbox', () => {
  it('runs expressions, arrow functions and function bodies with (completion, prompt, answer)', async () => {
    sandbox = createNodeRewardSandbox(ROOMY);
    const r = await sandbox.score(
      [
        { name: 'arrow', source: '(completion, prompt, answer) => (completion.trim() === answer ? 1 : 0)' },
        { name: 'expr', source: 'completion.length + prompt.length / 10' },
        { name: 'body', source: 'const a = completion.trim();\nreturn a === answer ? 2 : -1;' },
        { name: 'fn', source: 'function (c) { return c.length; }' },
      ],
      inputs,
    );
    expect(values(r.arrow)).toEqual([1, 0, 0]);
    expect(values(r.expr)).toEqual([2.6, 3.6, 0.4]);
    expect(values(r.body)).toEqual([2, -1, -1]);
    expect(values(r.fn)).toEqual([2, 3, 0]);
  });

  it('stops a function that loops forever within the limit, says so, and runs the next batch', async () => {
    // 2 s, the lab's own limit: it also bounds the 'ok' worker's start-up, which a loaded machine slows
    sandbox = createNodeRewardSandbox({ timeLimitMs: 2000 });
    const forever = { name: 'forever', source: 'while (true) {}' };
    const t0 = performance.now();
    const r = await sandbox.score([forever, { name: 'ok', source: '() => 1' }], inputs);
    const elapsed = performance.now() - t0;
    expect(elapsed).toBeLessThan(8000); // stopped, not left running (a watchdog, not a speed claim)
    expect(elapsed).toBeGreaterThanOrEqual(1950);
    expect(r.forever.every((o) => !o.ok)).toBe(true);
    expect(values(r.forever)[0]).toMatch(/did not return within 2 s .*batch of 3 completions/);
    expect(values(r.ok)).toEqual([1, 1, 1]);
    // The same (fixed) name gets a fresh worker; the looping source also times out again, not hangs.
    const fixed = await sandbox.score([{ name: 'forever', source: '() => 0.5' }], inputs);
    expect(values(fixed.forever)).toEqual([0.5, 0.5, 0.5]);
    const again = await sandbox.score([forever], inputs.slice(0, 1));
    expect(values(again.forever)[0]).toMatch(/did not return within 2 s .*batch of 1 completions/);
  });

  it('reports throws, NaN, non-numbers, Promises and syntax errors per sample', async () => {
    sandbox = createNodeRewardSandbox(ROOMY);
    const r = await sandbox.score(
      [
        { name: 'throws', source: "(c) => { if (c === '') throw new Error('empty completion'); return 1; }" },
        { name: 'nan', source: '(c) => c.length === 2 ? NaN : 1' },
        { name: 'text', source: '() => "1"' },
        { name: 'promise', source: 'async () => 1' },
        { name: 'typo', source: '(c) => c.lenght.foo' },
        { name: 'syntax', source: '(c) => c +' },
        { name: 'syntax_body', source: 'return c +;' },
      ],
      inputs,
    );
    expect(values(r.throws)).toEqual([1, 1, 'error: threw: empty completion']);
    expect(values(r.nan)).toEqual(['error: returned NaN, not a finite number', 1, 1]);
    expect(values(r.text)[0]).toBe('error: returned string, not a finite number');
    expect(values(r.promise)[0]).toMatch(/returned a Promise: reward functions must be synchronous/);
    expect(values(r.typo)[0]).toMatch(/^error: threw: TypeError: Cannot read properties of undefined/);
    expect(values(r.syntax)[0]).toMatch(/^error: does not compile: SyntaxError: Unexpected token/);
    expect(values(r.syntax_body)[2]).toMatch(/^error: does not compile: SyntaxError: Unexpected token ';'/);
  });

  it('blocks the network, the module loader, process and string evaluation', async () => {
    sandbox = createNodeRewardSandbox(ROOMY);
    const r = await sandbox.score(
      [
        { name: 'net', source: "() => { fetch('http://127.0.0.1:1'); return 1; }" },
        { name: 'xhr', source: '() => new XMLHttpRequest()' },
        { name: 'req', source: "() => require('node:net')" },
        { name: 'proc', source: '() => typeof process' },
        { name: 'escape', source: "() => this.constructor.constructor('return process')()" },
        { name: 'evil', source: "() => eval('1')" },
        { name: 'imp', source: "() => import('node:net')" },
      ],
      inputs.slice(0, 1),
    );
    expect(values(r.net)).toEqual([
      'error: threw: fetch is blocked: reward functions run without network access or other contexts',
    ]);
    expect(values(r.xhr)[0]).toMatch(/XMLHttpRequest is blocked/);
    expect(values(r.req)[0]).toMatch(/require is blocked/);
    expect(values(r.proc)).toEqual(['error: returned string, not a finite number']);
    expect(values(r.escape)[0]).toMatch(/threw: EvalError: Code generation from strings disallowed/);
    expect(values(r.evil)[0]).toMatch(/threw: ReferenceError: eval is not defined/);
    expect(values(r.imp)[0]).toMatch(/^error: (threw|returned a Promise)/);
  });

  it('says there is no DOM and no storage when code reads document, window or the origin storage', async () => {
    sandbox = createNodeRewardSandbox(ROOMY);
    const r = await sandbox.score(
      [
        { name: 'dom', source: '() => document.title.length' },
        { name: 'win', source: '(c) => window.location.href.length + c.length' },
        { name: 'kind', source: "() => (typeof document === 'undefined' ? 0 : 1)" },
        { name: 'idb', source: "() => { indexedDB.open('tabrl'); return 1; }" },
        { name: 'store', source: "() => localStorage.getItem('x').length" },
        { name: 'cache', source: "() => { caches.open('x'); return 1; }" },
      ],
      inputs.slice(0, 1),
    );
    expect(values(r.dom)).toEqual([
      'error: threw: document is not available: reward functions run without a DOM',
    ]);
    expect(values(r.win)).toEqual([
      'error: threw: window is not available: reward functions run without a DOM',
    ]);
    expect(values(r.kind)[0]).toMatch(/document is not available/);
    expect(values(r.idb)).toEqual([
      'error: threw: indexedDB is not available: reward functions run without storage',
    ]);
    expect(values(r.store)[0]).toMatch(/localStorage is not available/);
    expect(values(r.cache)[0]).toMatch(/caches is not available/);
  });
});

describe('Node reward sandbox: storage, other contexts and fresh globals', () => {
  // One test per API; sandbox-escapes.fixture.ts is the table, lab-reward-code.e2e.ts runs it in Chromium.
  for (const probe of ESCAPE_PROBES) {
    it(`refuses ${probe.api}`, async () => {
      sandbox = createNodeRewardSandbox(ROOMY);
      const code = { name: 'probe', source: probe.source };
      for (const run of [1, 2]) {
        const r = await sandbox.score([code], inputs.slice(0, 1));
        expect(outcomeText(r.probe[0]), `run ${run}`).toMatch(probe.refused);
      }
    });
  }

  it('leaves on the global only the allow-list and the throwing stand-ins', async () => {
    sandbox = createNodeRewardSandbox(ROOMY);
    const r = await sandbox.score([{ name: 'names', source: GLOBAL_NAMES_SOURCE }], inputs.slice(0, 1));
    const names = globalNamesIn(outcomeText(r.names[0]));
    expect(names).toContain('Math');
    const expected = new Set<string>([
      ...REWARD_GLOBALS,
      ...BLOCKED_GLOBALS,
      ...UNAVAILABLE_GLOBALS.map(([name]) => name),
    ]);
    expect(names.filter((n) => !expected.has(n))).toEqual([]);
  });

  it('keeps the built-ins and the globals a reward sets for itself', async () => {
    sandbox = createNodeRewardSandbox(ROOMY);
    const source =
      '(c) => { globalThis.seen = (globalThis.seen || 0) + 1; return JSON.parse("[1]")[0] + Math.max(0, c.length) + new Map([[1, 2]]).get(1) + /a/.test(c) + seen; }';
    const first = await sandbox.score([{ name: 'keeps', source }], inputs.slice(0, 1));
    const second = await sandbox.score([{ name: 'keeps', source }], inputs.slice(0, 1));
    expect(values(first.keeps)).toEqual([1 + 2 + 2 + 0 + 1]);
    expect(values(second.keeps)).toEqual([1 + 2 + 2 + 0 + 2]);
  });
});

const split = (r: ReturnType<typeof runRewards>) => [r.builtin, r.user] as const;

describe('scoreRunRewards', () => {
  const task = createTask(taskOptions.parse({ name: 'addition', tag: null }));
  const sample: TaskSample = { prompt: '12+34=', answer: '46', gold: '46', tag: null };
  const rewardInput = (completion: string): RewardInput => ({
    prompt: sample.prompt,
    completion,
    sample,
    task,
  });

  it('sums built-in and user functions with weights in reward_funcs order', async () => {
    sandbox = createNodeRewardSandbox(ROOMY);
    const config = resolveRunConfig({
      reward_code: [{ name: 'short', source: '(c) => (c.length <= 2 ? 1 : 0)' }],
      reward_funcs: ['correct', 'short'],
      reward_weights: [1, 0.5],
    });
    const r = await scoreRunRewards(...split(runRewards(config, sandbox)), [
      rewardInput('46'),
      rewardInput('4600'),
    ]);
    expect(Array.from(r.rewards)).toEqual([1.5, 0]);
    expect(r.metrics).toEqual({ 'rewards/correct/mean': 0.5, 'rewards/short/mean': 0.5 });
    expect(r.perFunction).toEqual({ correct: [1, 0], short: [1, 0] });
    expect(r.errors).toEqual([]);
  });

  it('names the failing user function and sample; refuses user code without a sandbox', async () => {
    sandbox = createNodeRewardSandbox(ROOMY);
    const config = resolveRunConfig({
      reward_code: [
        { name: 'picky', source: "(c) => { if (c === 'x') throw new Error('no x'); return 1; }" },
      ],
      reward_funcs: ['picky', 'correct'],
    });
    const r = await scoreRunRewards(...split(runRewards(config, sandbox)), [
      rewardInput('46'),
      rewardInput('x'),
    ]);
    expect(r.errors).toEqual([{ fn: 'picky', sample: 1, message: 'threw: no x' }]);
    expect(Number.isNaN(r.rewards[1])).toBe(true);
    expect(r.rewards[0]).toBe(2);
    expect(() => runRewards(config, null)).toThrow(
      /uses user code \(picky\) but this trainer has no reward sandbox/,
    );
  });
});
