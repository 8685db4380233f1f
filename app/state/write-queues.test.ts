import { describe, expect, it } from 'vitest';
import type { StepMetrics, StepSamples } from '../../engine/train/session-types.js';
import { RunWriteQueues } from './write-queues.js';

/** A writer whose writes finish only when the test says so. */
function held() {
  const log: string[] = [];
  const open: { what: string; done: () => void; fail: (e: Error) => void }[] = [];
  const write = (what: string) =>
    new Promise<void>((resolve, reject) => {
      log.push(`start ${what}`);
      open.push({
        what,
        done: () => {
          log.push(`done ${what}`);
          resolve();
        },
        fail: reject,
      });
    });
  const finish = async (what: string) => {
    const i = open.findIndex((o) => o.what === what);
    if (i < 0) throw new Error(`${what} is not in flight (in flight: ${open.map((o) => o.what).join(', ')})`);
    open.splice(i, 1)[0].done();
    for (let k = 0; k < 5; k++) await Promise.resolve();
  };
  const failures: string[] = [];
  const queues = new RunWriteQueues(
    {
      meta: (runId) => write(`meta ${runId}`),
      steps: (runId, metrics, samples) =>
        write(
          `steps ${runId} m${metrics.map((r) => r.step).join(',')} s${samples.map((r) => r.step).join(',')}`,
        ),
      checkpoint: (runId, step) => write(`checkpoint ${runId} @${step}`),
    },
    (err, waiting) => failures.push(`${(err as Error).message} (${waiting} waiting)`),
  );
  const inFlight = () => open.map((o) => o.what);
  return { log, open, finish, queues, failures, inFlight };
}

const m = (step: number) => ({ step }) as StepMetrics;
const s = (step: number) => ({ step }) as StepSamples;

describe('the lab write queues', () => {
  it('merges the steps that arrive while a write is in flight into one write', async () => {
    const h = held();
    h.queues.meta('a', async () => {});
    h.queues.steps('a', [m(1)], []);
    h.queues.steps('a', [], [s(1)]);
    h.queues.steps('a', [m(2)], [s(2)]);
    expect(h.inFlight()).toEqual(['meta a']);
    expect(h.queues.pending).toBe(2);
    await h.finish('meta a');
    expect(h.inFlight()).toEqual(['steps a m1,2 s1,2']);
    // a step arriving now waits for the next write: the one in flight is never changed
    h.queues.steps('a', [m(3)], []);
    await h.finish('steps a m1,2 s1,2');
    await h.finish('steps a m3 s');
    expect(h.queues.pending).toBe(0);
  });

  it('never merges steps of different runs', async () => {
    const h = held();
    h.queues.meta('a', async () => {});
    h.queues.steps('a', [m(1)], []);
    h.queues.steps('b', [m(1)], []);
    h.queues.steps('a', [m(2)], []);
    await h.finish('meta a');
    await h.finish('steps a m1 s');
    await h.finish('steps b m1 s');
    expect(h.inFlight()).toEqual(['steps a m2 s']);
  });

  it('keeps a checkpoint from holding up steps, and saves it only after the steps queued before it', async () => {
    const h = held();
    h.queues.steps('a', [m(1)], []);
    h.queues.steps('a', [m(2)], []);
    h.queues.checkpoint('a', 2, []);
    // the steps before the checkpoint are not saved yet: it waits
    expect(h.inFlight()).toEqual(['steps a m1 s']);
    await h.finish('steps a m1 s');
    expect(h.inFlight()).toEqual(['steps a m2 s']);
    await h.finish('steps a m2 s');
    expect(h.inFlight()).toEqual(['checkpoint a @2']);
    // while the checkpoint is written, steps keep being saved
    h.queues.steps('a', [m(3)], []);
    expect(h.inFlight()).toEqual(['checkpoint a @2', 'steps a m3 s']);
    await h.finish('steps a m3 s');
    h.queues.steps('a', [m(4)], []);
    await h.finish('steps a m4 s');
    await h.finish('checkpoint a @2');
    expect(h.queues.pending).toBe(0);
  });

  it('a newer checkpoint of a run replaces one still waiting, never the one in flight', async () => {
    const h = held();
    h.queues.checkpoint('a', 10, []);
    expect(h.inFlight()).toEqual(['checkpoint a @10']);
    h.queues.checkpoint('a', 20, []);
    h.queues.checkpoint('b', 5, []);
    h.queues.checkpoint('a', 30, []);
    await h.finish('checkpoint a @10');
    await h.finish('checkpoint b @5');
    await h.finish('checkpoint a @30');
    expect(h.log.filter((l) => l.startsWith('start'))).toEqual([
      'start checkpoint a @10',
      'start checkpoint b @5',
      'start checkpoint a @30',
    ]);
  });

  it('forgets the waiting writes of a deleted run, and its checkpoint does not hold back the others', async () => {
    const h = held();
    h.queues.steps('a', [m(1)], []);
    h.queues.steps('b', [m(1)], []);
    h.queues.checkpoint('c', 1, []);
    h.queues.forget('b');
    await h.finish('steps a m1 s');
    expect(h.inFlight()).toEqual(['checkpoint c @1']);
  });

  it('keeps a failed write at the head, says so, and retries it', async () => {
    const h = held();
    h.queues.steps('a', [m(1)], []);
    h.queues.checkpoint('a', 1, []);
    h.open.splice(0, 1)[0].fail(new Error('QuotaExceededError'));
    for (let k = 0; k < 5; k++) await Promise.resolve();
    expect(h.failures).toEqual(['QuotaExceededError (2 waiting)']);
    expect(h.inFlight()).toEqual([]);
    h.queues.steps('a', [m(2)], []);
    // the retry writes the failed step with the one that arrived since
    expect(h.inFlight()).toEqual(['steps a m1,2 s']);
    await h.finish('steps a m1,2 s');
    await h.finish('checkpoint a @1');
    let idle = false;
    await h.queues.idle().then(() => {
      idle = true;
    });
    expect(idle).toBe(true);
  });
});
