import { describe, expect, it } from 'vitest';
import type { SessionEvents, StepMetrics } from '../../engine/train/session-types.js';
import type { FromWorker } from './protocol.js';
import { type OpenSession, RunLoop, type SessionLike } from './run-loop.js';

/** A scripted session: step k reports reward k/10 and a one-group sample; records its lifecycle. */
function scriptedSessions() {
  const log: string[] = [];
  let opened = 0;
  const open = async (config: unknown, _variants: Record<string, string>, events: SessionEvents) => {
    const id = ++opened;
    log.push(`open#${id} ${JSON.stringify(config)}`);
    let k = 0;
    const session: SessionLike = {
      async step() {
        k += 1;
        await new Promise((r) => setTimeout(r, 2));
        const m: StepMetrics = { step: k, reward: k / 10 };
        events.onMetrics?.(m);
        events.onSamples?.({ step: k, groups: [{ prompt: `p${k}`, completions: [] }] });
        return m;
      },
      async generate(prompts, which, _samples, knobs) {
        const at = knobs ? ` w=${knobs.guidance} a=${knobs.alpha}` : '';
        return prompts.map((p) => [`${which}:${p}${at}`]);
      },
      async saveCheckpoint() {
        return new Map([['config.json', new Uint8Array([123, 125])]]);
      },
      dispose() {
        log.push(`dispose#${id}`);
      },
    };
    return session;
  };
  return { log, open };
}

function collect() {
  const posts: FromWorker[] = [];
  return { posts, post: (m: FromWorker) => posts.push(m) };
}

const settle = (loop: RunLoop) => (loop as unknown as { busy: Promise<void> }).busy;
const metricsOf = (posts: FromWorker[]) =>
  posts.flatMap((p) => (p.type === 'metrics' ? p.rows.map((r) => r.step) : []));

describe('the worker run loop', () => {
  it('Step runs exactly one step; Start runs to max_steps; metrics arrive in order', async () => {
    const { log, open } = scriptedSessions();
    const { posts, post } = collect();
    const loop = new RunLoop({ openSession: open, post, flushIntervalMs: 0 });
    loop.step('r1', { max_steps: 5 }, {});
    await settle(loop);
    expect(metricsOf(posts)).toEqual([1]);
    loop.start('r1', { max_steps: 5 }, {});
    await settle(loop);
    expect(metricsOf(posts)).toEqual([1, 2, 3, 4, 5]);
    expect(log).toEqual(['open#1 {"max_steps":5}']);
    const last = posts.filter((p) => p.type === 'run-state').at(-1);
    expect(last).toMatchObject({ state: 'finished', step: 5 });
  });

  it('Pause stops the loop after the step in flight; a new runId disposes the old session', async () => {
    const { log, open } = scriptedSessions();
    const { posts, post } = collect();
    const loop = new RunLoop({ openSession: open, post, flushIntervalMs: 0 });
    loop.start('a', { max_steps: 1000 }, {});
    await new Promise((r) => setTimeout(r, 30));
    loop.pause();
    await settle(loop);
    const stepsAtPause = metricsOf(posts).length;
    expect(stepsAtPause).toBeGreaterThan(0);
    expect(stepsAtPause).toBeLessThan(1000);
    await new Promise((r) => setTimeout(r, 20));
    expect(metricsOf(posts).length).toBe(stepsAtPause);
    loop.step('b', { max_steps: 3, lr: 2 }, {});
    await settle(loop);
    expect(log).toEqual(['open#1 {"max_steps":1000}', 'dispose#1', 'open#2 {"max_steps":3,"lr":2}']);
    const bRows = posts.filter((p) => p.type === 'metrics' && p.runId === 'b');
    expect(bRows.flatMap((p) => (p.type === 'metrics' ? p.rows : []))).toEqual([{ step: 1, reward: 0.1 }]);
  });

  it('batches metrics: with a 1 s interval, 6 quick steps make at most 2 metric posts', async () => {
    const { open } = scriptedSessions();
    const { posts, post } = collect();
    const loop = new RunLoop({ openSession: open, post, flushIntervalMs: 1000 });
    loop.start('r', { max_steps: 6 }, {});
    await settle(loop);
    const metricPosts = posts.filter((p) => p.type === 'metrics');
    expect(metricPosts.length).toBeLessThanOrEqual(2);
    expect(metricsOf(posts)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('reports a session that cannot open as a failed run with its message', async () => {
    const { posts, post } = collect();
    const loop = new RunLoop({
      openSession: async () => {
        throw new Error('trainer not available in this build yet');
      },
      post,
    });
    loop.start('x', {}, {});
    await settle(loop);
    expect(posts.at(-1)).toMatchObject({
      type: 'run-state',
      state: 'failed',
      message: 'trainer not available in this build yet',
    });
    await expect(loop.generate(['q'])).rejects.toThrow(/No run yet/);
  });

  it('posts the reward models a session loaded, once, before its first metrics; none when it has none', async () => {
    const { open } = scriptedSessions();
    const models = [
      {
        name: 'tiny',
        label: 'GOOD',
        labelIndex: 1,
        executionProvider: 'wasm' as const,
        refused: [{ provider: 'webgpu' as const, message: 'no adapter' }],
      },
    ];
    const withModels: typeof open = async (...args) => ({ ...(await open(...args)), rewardModels: models });
    const { posts, post } = collect();
    const loop = new RunLoop({ openSession: withModels, post, flushIntervalMs: 0 });
    loop.step('rm', { max_steps: 3 }, {});
    loop.step('rm', { max_steps: 3 }, {});
    await settle(loop);
    const kinds = posts.map((p) => p.type).filter((t) => t === 'reward-models' || t === 'metrics');
    expect(kinds).toEqual(['reward-models', 'metrics', 'metrics']);
    expect(posts.find((p) => p.type === 'reward-models')).toEqual({
      type: 'reward-models',
      runId: 'rm',
      models,
    });

    const plain = collect();
    const other = new RunLoop({ openSession: open, post: plain.post, flushIntervalMs: 0 });
    other.step('p', {}, {});
    await settle(other);
    expect(plain.posts.some((p) => p.type === 'reward-models')).toBe(false);
  });

  it("hands a start's or step's dataset rows to the session it opens, also when reopening after a lost device", async () => {
    const given: (readonly unknown[] | undefined)[] = [];
    const { open } = scriptedSessions();
    const recording: OpenSession = async (config, variants, events, _resume, rows) => {
      given.push(rows);
      return open(config, variants, events);
    };
    const { post } = collect();
    const loop = new RunLoop({ openSession: recording, post, flushIntervalMs: 0 });
    const rowsA = [{ prompt: '1+1=', answer: '2' }];
    const rowsB = [{ prompt: '2+2=', answer: '4' }];
    loop.step('a', { max_steps: 9 }, {}, rowsA);
    loop.step('a', { max_steps: 9 }, {}, rowsA);
    await settle(loop);
    expect(given).toEqual([rowsA]);
    loop.deviceLost('GPU device lost (destroyed): gone');
    loop.step('a', { max_steps: 9 }, {}, rowsA);
    await settle(loop);
    loop.start('b', { max_steps: 1 }, {}, rowsB);
    loop.step('c', {}, {});
    await settle(loop);
    expect(given).toEqual([rowsA, rowsA, rowsB, undefined]);
  });

  it("posts a checkpoint every checkpointEvery steps and when it stops, once per step; a start with the page's checkpoint resumes from it", async () => {
    const { open } = scriptedSessions();
    const resumes: (readonly [string, Uint8Array][] | undefined)[] = [];
    const recording: OpenSession = async (config, variants, events, resume) => {
      resumes.push(resume ? [...resume] : undefined);
      return open(config, variants, events);
    };
    const { posts, post } = collect();
    const loop = new RunLoop({ openSession: recording, post, flushIntervalMs: 0, checkpointEvery: 3 });
    loop.start('k', { max_steps: 7 }, {});
    await settle(loop);
    const saved = (ps: FromWorker[]) =>
      ps.flatMap((p) => (p.type === 'run-checkpoint' ? [`${p.runId}@${p.step}`] : []));
    // steps 3 and 6 by the cadence, 7 when max_steps stops it; Start again at max_steps adds none
    expect(saved(posts)).toEqual(['k@3', 'k@6', 'k@7']);
    loop.start('k', { max_steps: 7 }, {});
    loop.step('k', { max_steps: 9 }, {});
    await settle(loop);
    expect(saved(posts)).toEqual(['k@3', 'k@6', 'k@7', 'k@8']);
    const files = new Map([['model.safetensors', new Uint8Array([1, 2])]]);
    const fresh = collect();
    const after = new RunLoop({
      openSession: recording,
      post: fresh.post,
      flushIntervalMs: 0,
      checkpointEvery: 3,
    });
    after.start('k', { max_steps: 7 }, {}, undefined, { step: 6, files });
    await settle(after);
    expect(resumes.at(-1)).toEqual([...files]);
    expect(fresh.posts.filter((p) => p.type === 'run-state').at(-1)).toMatchObject({
      state: 'finished',
      step: 7,
    });
    expect(saved(fresh.posts)).toEqual(['k@7']);
  });

  it('generate answers from the start and current model; reset disposes', async () => {
    const { log, open } = scriptedSessions();
    const { posts, post } = collect();
    const loop = new RunLoop({ openSession: open, post, flushIntervalMs: 0 });
    loop.step('g', {}, {});
    await settle(loop);
    expect(await loop.generate(['hi'])).toEqual({ start: [['start:hi']], current: [['current:hi w=1 a=1']] });
    expect((await loop.saveCheckpoint()).get('config.json')).toEqual(new Uint8Array([123, 125]));
    loop.reset();
    await settle(loop);
    expect(log.at(-1)).toBe('dispose#1');
    expect(posts.at(-1)).toMatchObject({ type: 'run-state', state: 'idle' });
  });

  it("Try's guidance and α reach the current model's answers only; out-of-range values are refused by name", async () => {
    const { open } = scriptedSessions();
    const { post } = collect();
    const loop = new RunLoop({ openSession: open, post, flushIntervalMs: 0 });
    loop.step('g', {}, {});
    await settle(loop);
    expect(await loop.generate(['hi'], { guidance: 0.3, alpha: 0.5 })).toEqual({
      start: [['start:hi']],
      current: [['current:hi w=0.3 a=0.5']],
    });
    expect(await loop.generate(['hi'], { alpha: 0 })).toMatchObject({ current: [['current:hi w=1 a=0']] });
    // what the worker passes for a message without the knobs
    expect(await loop.generate(['hi'], { guidance: undefined, alpha: undefined })).toMatchObject({
      current: [['current:hi w=1 a=1']],
    });
    await expect(loop.generate(['hi'], { guidance: 2.5 })).rejects.toThrow(
      /guidance must be a number from 0 to 2 \(got 2.5\)/,
    );
    await expect(loop.generate(['hi'], { alpha: Number.NaN })).rejects.toThrow(
      /alpha must be a number from 0 to 1.5/,
    );
  });
});
