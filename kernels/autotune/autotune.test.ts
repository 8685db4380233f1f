import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MATMUL_VARIANTS, matmul } from '../ops/matmul/matmul.js';
import { adapterName } from '../runtime/adapter.js';
import { testRuntime } from '../testing/gpu.js';
import { Autotuner, configureAutotuner, type TuneJob } from './autotuner.js';
import { adapterSlug, fileStore } from './file-store.js';
import { localStorageStore, memoryStore } from './store.js';

const idle = { sync: async () => {} };

/** A virtual clock that runs of fake variants advance: timing tests that a busy machine cannot flake. */
let now = 0;
const clock = () => now;

/** A job whose variants take `costs[v]` virtual ms, counting runs per variant. */
function fakeJob(key = 'op/x', costs: Record<string, number> = { slow: 6, fast: 1 }) {
  const runs: Record<string, number> = Object.fromEntries(Object.keys(costs).map((v) => [v, 0]));
  const job: TuneJob = {
    key,
    variants: Object.keys(costs),
    prepare: () => ({
      run: (v) => {
        runs[v]++;
        now += costs[v];
      },
      dispose: () => {},
    }),
  };
  return { ...job, runs };
}

const tempDir = () => mkdtempSync(join(tmpdir(), 'tabrl-autotune-'));

afterEach(() => vi.restoreAllMocks());

describe('autotuner', () => {
  it('dispatches the fallback, then tunes the queued key, picks the fastest and caches it', async () => {
    const store = memoryStore();
    const tuner = new Autotuner(idle, 'adapter A', { store, clock });
    const job = fakeJob();
    expect(tuner.select(job, 'slow')).toBe('slow');
    expect(tuner.pendingKeys()).toEqual(['op/x']);
    expect(await tuner.tunePending()).toEqual({ 'op/x': 'fast' });
    expect(job.runs.slow).toBeGreaterThan(0);
    expect(tuner.select(job, 'slow')).toBe('fast');
    expect(store.load('adapter A')).toEqual({ 'op/x among slow,fast': 'fast' });

    // A new process on the same adapter reads the winner and tunes nothing.
    const again = new Autotuner(idle, 'adapter A', { store, clock });
    const job2 = fakeJob();
    expect(again.select(job2, 'slow')).toBe('fast');
    expect(again.pendingKeys()).toEqual([]);
    // Another adapter starts from scratch.
    expect(new Autotuner(idle, 'adapter B', { store }).select(fakeJob(), 'slow')).toBe('slow');
  });

  it('re-tunes a key when its kernel gains a variant', async () => {
    const store = memoryStore();
    await new Autotuner(idle, 'a', { store, clock }).tune(fakeJob());
    const tuner = new Autotuner(idle, 'a', { store, clock });
    const grown = fakeJob('op/x', { slow: 6, fast: 1, newer: 1 });
    expect(tuner.select(grown, 'slow')).toBe('slow');
    expect(tuner.pendingKeys()).toEqual(['op/x']);
    await tuner.tunePending();
    expect(Object.keys(store.load('a'))).toEqual(['op/x among slow,fast,newer']); // the stale winner is gone
  });

  it('keeps tuning cheap: a clear loser is dropped after one timed run, close ones get rounds', async () => {
    const tuner = new Autotuner(idle, 'a', { store: memoryStore(), budgetMs: 100, timedRuns: 3, clock });
    const job = fakeJob();
    expect(await tuner.tune(job)).toBe('fast');
    expect(job.runs).toEqual({ slow: 2, fast: 2 }); // warm-up + screening; 6 ms is out against 1 ms
    const close = fakeJob('op/close', { x: 10, y: 12, z: 40 });
    expect(await tuner.tune(close)).toBe('x');
    expect(close.runs).toEqual({ x: 5, y: 5, z: 2 }); // x, y: warm-up + screening + 3 rounds
    const usual = fakeJob('op/usual', { x: 10, y: 30 });
    await tuner.tune(usual, 'y');
    expect(usual.runs).toEqual({ x: 5, y: 5 }); // the fallback, 3x slower, still gets its 3 rounds
    const slowKernel = fakeJob('op/slow', { x: 60, y: 70 });
    await tuner.tune(slowKernel);
    expect(slowKernel.runs).toEqual({ x: 3, y: 3 }); // one round: a 70 ms run leaves no budget for two
  });

  it('keeps the fallback unless another variant is more than 10% faster', async () => {
    const tuner = new Autotuner(idle, 'a', { store: memoryStore(), clock });
    expect(await tuner.tune(fakeJob('op/near', { x: 10, y: 10.9 }), 'y')).toBe('y');
    expect(await tuner.tune(fakeJob('op/far', { x: 10, y: 11.2 }), 'y')).toBe('x');
    expect(await tuner.tune(fakeJob('op/none', { x: 10, y: 10.9 }))).toBe('x'); // no fallback: the fastest
  });

  it('pins override tuned and cached choices and skip tuning', async () => {
    const store = memoryStore();
    store.save('a', { 'op/x among slow,fast': 'fast' });
    const tuner = new Autotuner(idle, 'a', { store });
    tuner.pin({ 'op/x': 'slow', 'op/y': 'fast' });
    const job = fakeJob();
    expect(tuner.select(job, 'fast')).toBe('slow');
    expect(await tuner.tune(job)).toBe('slow');
    expect(job.runs).toEqual({ slow: 0, fast: 0 });
    expect(tuner.choices()).toEqual({ 'op/x': 'slow', 'op/y': 'fast' });
    tuner.unpin();
    expect(tuner.select(job, 'slow')).toBe('fast');
  });

  it('ignores a pinned or cached variant it does not know, with a warning', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const tuner = new Autotuner(idle, 'a', { store: memoryStore() });
    tuner.pin({ 'op/x': 'renamed-long-ago' });
    expect(tuner.select(fakeJob(), 'fast')).toBe('fast');
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/unknown variant "renamed-long-ago"/));
  });
});

describe('autotune stores', () => {
  it('a JSON file per adapter round-trips', () => {
    const d = tempDir();
    fileStore({ dir: d }).save('google / swiftshader', { k: 'regtile' });
    const path = join(d, `autotune-${adapterSlug('google / swiftshader')}.json`);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({
      version: 1,
      adapter: 'google / swiftshader',
      choices: { k: 'regtile' },
    });
    expect(fileStore({ dir: d }).load('google / swiftshader')).toEqual({ k: 'regtile' });
    expect(fileStore({ dir: d }).load('another adapter')).toEqual({});
  });

  it('a corrupt cache file is ignored with a warning, then overwritten', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const path = join(tempDir(), 'cache.json');
    writeFileSync(path, '{"version": 1, "adapter": "a", "choices": {"k": "regt');
    const store = fileStore({ path });
    const tuner = new Autotuner(idle, 'a', { store });
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/ignoring cache file .*cache\.json: not JSON/));
    expect(tuner.select(fakeJob('k'), 'slow')).toBe('slow');
    store.save('a', { k: 'fast' });
    expect(store.load('a')).toEqual({ k: 'fast' });
  });

  it('a cache written for another adapter or in another format is ignored', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const path = join(tempDir(), 'cache.json');
    writeFileSync(path, JSON.stringify({ version: 1, adapter: 'b', choices: { k: 'fast' } }));
    expect(fileStore({ path }).load('a')).toEqual({});
    writeFileSync(path, JSON.stringify(['not', 'a', 'cache']));
    expect(fileStore({ path }).load('a')).toEqual({});
    expect(warn).toHaveBeenCalledTimes(2);
  });

  it('localStorage when the platform has it, keyed by adapter', () => {
    const data = new Map<string, string>();
    const storage = {
      getItem: (k: string) => data.get(k) ?? null,
      setItem: (k: string, v: string) => void data.set(k, v),
    };
    const store = localStorageStore(storage)!;
    store.save('gpu x', { k: 'shared' });
    expect([...data.keys()]).toEqual(['tabrl.autotune.gpu x']);
    expect(localStorageStore(storage)!.load('gpu x')).toEqual({ k: 'shared' });
    expect(localStorageStore()).toBeNull(); // Node has no localStorage
  });
});

describe('autotuned matmul on the real device', () => {
  it('tunes a shape class on first use, records the choice and replays a pin', async () => {
    const rt = await testRuntime();
    const path = join(tempDir(), 'cache.json');
    const tuner = configureAutotuner(rt, { store: fileStore({ path }), budgetMs: 20 });
    const a = rt.upload(
      Array.from({ length: 40 * 24 }, (_, i) => (i % 7) - 3),
      [40, 24],
      'a',
    );
    const b = rt.upload(
      Array.from({ length: 24 * 12 }, (_, i) => (i % 5) - 2),
      [24, 12],
      'b',
    );
    const first = matmul(rt, a, b);
    const [key] = tuner.pendingKeys();
    expect(key).toMatch(/^matmul\//);
    const choices = await tuner.tunePending();
    expect(MATMUL_VARIANTS).toContain(choices[key]);
    expect(JSON.parse(readFileSync(path, 'utf8')).adapter).toBe(adapterName(rt.facts));

    const other = MATMUL_VARIANTS.find((v) => v !== choices[key])!;
    tuner.pin({ [key]: other });
    const second = matmul(rt, a, b);
    expect(tuner.choices()[key]).toBe(other);
    expect(Array.from(await rt.readF32(second))).toEqual(Array.from(await rt.readF32(first)));
    for (const t of [a, b, first, second]) t.dispose();
  });
});
