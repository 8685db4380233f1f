import { describe, expect, it } from 'vitest';
import type { Experiment } from '../../engine/experiments/types.js';
import { memoryFs, readCheckpoint, writeCheckpoint } from '../../engine/model/checkpoint.js';
import { modelPreset } from '../../engine/model/config.js';
import { initParams } from '../../engine/model/init.js';
import { CharTokenizer } from '../../engine/tokenizers/char-tokenizer.js';
import type { CheckpointFiles } from '../../engine/train/session-types.js';
import { rng } from '../../kernels/testing/random.js';
import type { ExperimentSession, OpenExperimentSession } from './experiment-executor.js';
import { armRunId, ExperimentJob, ProgressClock, runnerOrder } from './experiment-job.js';
import type { FromWorker } from './protocol.js';

async function checkpointFiles(seed: number): Promise<CheckpointFiles> {
  const config = modelPreset('qwen2-micro');
  const tok = new CharTokenizer();
  const fs = memoryFs();
  await writeCheckpoint(fs, {
    config,
    params: initParams(config, rng(seed)),
    nameLayout: 'prefixed',
    tokenizer: tok.toJSON(),
    tokenizerConfig: tok.tokenizerConfig(),
    trainerState: null,
  });
  return fs.files;
}

/** Every experiment shape: two trained arms, one interpolated and one guided from the first. */
const EXPERIMENT: Experiment = {
  name: 'fake',
  claim: 'a beats b',
  papers: [],
  metric: 'eval/pass@1',
  judge: { kind: 'pair', a: 'a', b: 'b', direction: 1 },
  base: { model: { name: 'smoke', overrides: {} } },
  scales: { quick: { steps: 2 }, full: { steps: 3 } },
  arms: [
    { label: 'a', config: { learning_rate: 0.01 } },
    { label: 'half', from: 'a', interpolate: 0.5 },
    { label: 'b', config: { learning_rate: 0.02 } },
    { label: 'w=0', from: 'a', guidance_weight: 0 },
  ],
};

function fakeSessions() {
  const opened: { model: string; guided: boolean; read: string | null }[] = [];
  let seed = 0;
  const open: OpenExperimentSession = async ({ config, openKept, guidanceReference }) => {
    // what a session does with a model name: a kept checkpoint opens from memory
    const kept = openKept(config.model.name);
    const read = kept ? (await readCheckpoint(kept)).config.hiddenSize.toString() : null;
    opened.push({ model: config.model.name, guided: !!guidanceReference, read });
    const mySeed = ++seed;
    let steps = 0;
    const session: ExperimentSession = {
      step: async () => ({ step: steps++, reward: config.learning_rate }),
      saveCheckpoint: () => checkpointFiles(mySeed),
      evaluateDetailed: async () => ({
        metrics: { 'eval/pass@1': config.learning_rate * 10 },
        perPrompt: { 'eval/pass@1': [config.learning_rate * 10, config.learning_rate * 10] },
      }),
      dispose: () => {},
    };
    return session;
  };
  return { open, opened };
}

describe('ExperimentJob (the lab executor, in memory)', () => {
  it('trains, keeps checkpoints in memory, interpolates and guides from them, and posts arms, metrics, progress and the verdict', async () => {
    const { open, opened } = fakeSessions();
    const posts: FromWorker[] = [];
    let t = 0;
    const job = new ExperimentJob({
      experimentId: 'x1',
      experiment: EXPERIMENT,
      scale: 'quick',
      seed: 0,
      adapter: 'fake',
      commit: 'abc',
      openSession: open,
      post: (m) => posts.push(m),
      now: () => (t += 1),
    });
    await job.run();
    const done = posts.find((p) => p.type === 'experiment-done');
    if (done?.type !== 'experiment-done')
      throw new Error(JSON.stringify(posts.filter((p) => p.type === 'experiment-failed')));
    expect(done.result.verdict.arms).toEqual({ a: 0.1, half: 0.1, b: 0.2, 'w=0': 0.1 });
    expect(done.result.verdict.verdict).toBe('not_reproduced');
    expect(done.result.verdict.adapter).toBe('fake');
    // a's start (0 steps) and a from the smoke preset, a evaluated from memory, then b; the eval-only arms from memory
    expect(opened.map((o) => o.model)).toEqual([
      'smoke',
      'smoke',
      'memory:x1/a/checkpoint',
      'smoke',
      'memory:x1/b/checkpoint',
      'memory:x1/half',
      'memory:x1/a/checkpoint',
    ]);
    expect(opened.map((o) => o.read !== null)).toEqual([false, false, true, false, true, true, true]);
    expect(opened.map((o) => o.guided)).toEqual([false, false, false, false, false, false, true]);
    const arms = posts.filter((p) => p.type === 'experiment-arm');
    expect(arms.map((a) => (a.type === 'experiment-arm' ? [a.label, a.runId] : []))).toEqual([
      ['a', 'x1/0'],
      ['b', 'x1/2'],
      ['half', 'x1/1'],
      ['w=0', 'x1/3'],
    ]);
    // a trained arm's two steps and its evaluation row (step 2) under its run id
    const rowsOfA = posts.flatMap((p) =>
      p.type === 'metrics' && p.runId === armRunId('x1', 0) ? p.rows : [],
    );
    expect(rowsOfA.map((r) => r.step)).toEqual([0, 1, 2]);
    expect(rowsOfA[2]['eval/pass@1']).toBe(0.1);
    const progress = posts.flatMap((p) => (p.type === 'experiment-progress' ? [p.progress] : []));
    expect(progress[0]).toMatchObject({ armIndex: 0, armTotal: 4, label: 'a', phase: 'starting' });
    expect(progress.at(-1)).toMatchObject({ armIndex: 3, label: 'w=0', phase: 'evaluating' });
    expect(progress.some((p) => p.etaSeconds !== null && p.etaSeconds > 0)).toBe(true);
    expect(job.checkpoints.paths()).toEqual([]);
  });

  it('a cancel stops it between steps with experiment-failed, cancelled', async () => {
    const { open } = fakeSessions();
    const posts: FromWorker[] = [];
    const job = new ExperimentJob({
      experimentId: 'x2',
      experiment: EXPERIMENT,
      scale: 'full',
      seed: 0,
      adapter: 'fake',
      commit: 'abc',
      openSession: open,
      post: (m) => {
        posts.push(m);
        if (m.type === 'metrics') job.cancel();
      },
    });
    await job.run();
    const failed = posts.at(-1);
    expect(failed).toMatchObject({ type: 'experiment-failed', cancelled: true });
    expect(posts.filter((p) => p.type === 'metrics')).toHaveLength(1);
  });

  it('orders arms as the runner does and estimates time left from mean times', () => {
    expect(runnerOrder(EXPERIMENT)).toEqual(['a', 'b', 'half', 'w=0']);
    const c = new ProgressClock(4, 2);
    expect(c.eta()).toBe(null);
    c.step(2);
    c.step(4);
    // 2 steps left at 3 s, 2 evaluations guessed at a step's 3 s
    expect(c.eta()).toBe(12);
    c.evaluated(10);
    expect(c.eta()).toBe(2 * 3 + 10);
  });
});
