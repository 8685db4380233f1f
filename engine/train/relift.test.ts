/**
 * `relift` (docs/ALGORITHMS.md, "Interleaved SFT on the prompts RL fails"): the buffer rules by hand
 * (unsolved = no completion accepted, oldest first, at most once per run, B at a time), the option's
 * config (old configs unchanged, --set, share link, refused for rft and sft), and real GPU steps: the
 * SFT update is taken when B prompts wait, and a resumed run continues exactly.
 */
import { describe, expect, it } from 'vitest';
import { testRuntime } from '../../kernels/testing/gpu';
import { parseRunConfig, resolveRunConfig, setByPath } from '../config/resolve';
import type { RunConfig } from '../config/schema';
import { decodeSharePayload, encodeSharePayload } from '../config/share-link';
import { memoryFs } from '../model/checkpoint';
import type { TaskSample } from '../tasks/types';
import { emptyRelift, reliftAfterStep, reliftFromJson, reliftToJson, unsolvedPrompts } from './relift';
import { createTrainingSession } from './session';

const s = (prompt: string): TaskSample => ({ prompt, answer: 'a', gold: 'a', tag: null });

describe('relift buffer rules', () => {
  it('unsolved prompts: no completion accepted; each prompt once, in order', () => {
    const groups = [
      { sample: s('p1'), correct: [false, false] },
      { sample: s('p2'), correct: [false, true] },
      { sample: s('p3'), correct: [false, false] },
      { sample: s('p1'), correct: [false, false] },
    ];
    expect(unsolvedPrompts(groups).map((x) => x.prompt)).toEqual(['p1', 'p3']);
  });

  it('B = 2: step 1 buffers p1 (1 < 2, nothing due); step 2 adds p3, p4 and trains on p1, p3; p1 never returns', () => {
    const st = emptyRelift();
    const a = reliftAfterStep(st, [{ sample: s('p1'), correct: [false] }], 2);
    expect([a.added, a.due.length, st.buffer.length]).toEqual([1, 0, 1]);
    const b = reliftAfterStep(
      st,
      [
        { sample: s('p1'), correct: [false] },
        { sample: s('p3'), correct: [false] },
        { sample: s('p4'), correct: [false] },
      ],
      2,
    );
    expect(b.added).toBe(2);
    expect(b.due.map((x) => x.prompt)).toEqual(['p1', 'p3']);
    expect(st.buffer.map((x) => x.prompt)).toEqual(['p4']);
    const c = reliftAfterStep(st, [{ sample: s('p1'), correct: [false] }], 2);
    expect([c.added, c.due.length]).toEqual([0, 0]);
  });

  it('round-trips through trainer_state.json data', () => {
    const st = emptyRelift();
    reliftAfterStep(st, [{ sample: s('x'), correct: [false] }], 5);
    st.sftSteps = 3;
    const back = reliftFromJson(JSON.parse(JSON.stringify(reliftToJson(st))));
    expect(back.buffer).toEqual(st.buffer);
    expect([...back.seen]).toEqual(['x']);
    expect(back.sftSteps).toBe(3);
    expect(reliftFromJson(undefined)).toEqual(emptyRelift());
  });
});

function microConfig(over: Record<string, unknown> = {}): RunConfig {
  return resolveRunConfig({
    algorithm: 'grpo',
    seed: 3,
    model: { name: 'smoke', overrides: {} },
    task: { name: 'reversal', length: 3, symbols: '012', held_out_fraction: 0.25 },
    reward_funcs: ['char_match'],
    prompts_per_step: 2,
    num_generations: 4,
    max_completion_length: 4,
    learning_rate: 1e-2,
    max_steps: 4,
    eval_every: 0,
    relift: { batch: 2 },
    ...over,
  });
}

describe('relift config', () => {
  it('defaults to null (old configs and links unchanged); --set and share links carry it; rft and sft refuse it', () => {
    expect(resolveRunConfig({}).relift).toBeNull();
    expect(resolveRunConfig(setByPath({}, 'relift.batch=3')).relift).toEqual({ batch: 3 });
    expect(resolveRunConfig({ relift: {} } as never).relift).toEqual({ batch: null });
    const c = microConfig();
    const link = decodeSharePayload(encodeSharePayload(c, {}));
    if (!link.ok) throw new Error(link.error);
    const parsed = parseRunConfig(link.payload.config);
    expect(parsed.ok && parsed.config.relift).toEqual({ batch: 2 });
    const refused = parseRunConfig({ ...resolveRunConfig({ algorithm: 'sft' }), relift: { batch: null } });
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.errors.join('\n')).toContain('relift: interleaves SFT between RL steps');
  });
});

const stripTimes = (m: Record<string, number>) =>
  Object.fromEntries(
    Object.entries(m).filter(
      ([k]) =>
        !k.startsWith('timing/') && !['step_time', 'tokens_per_second', 'gflops_per_second'].includes(k),
    ),
  );

describe('relift in real steps', () => {
  it('random weights fail every prompt: B = 2 trains at once; a resumed run takes the same next step', async () => {
    const rt = await testRuntime();
    const config = microConfig();
    const run = await createTrainingSession(rt, config);
    let saved: Map<string, Uint8Array>;
    const rows: Record<string, number>[] = [];
    try {
      rows.push(await run.step());
      saved = await run.saveCheckpoint();
      rows.push(await run.step());
    } finally {
      run.dispose();
    }
    // 2 prompts a step, none solved by the random smoke model: both buffered, both trained on
    expect(rows[0]['relift/sft_steps']).toBe(1);
    expect(rows[0]['relift/buffer']).toBe(0);
    expect(rows[0]['relift/sft_loss']).toSatisfy(Number.isFinite);
    const json = JSON.parse(new TextDecoder().decode(saved.get('trainer_state.json')));
    expect(json.relift.sft_steps).toBe(1);
    expect(json.relift.seen.length).toBe(2);

    const resumed = await createTrainingSession(rt, config, {}, { resume: memoryFs(new Map(saved)) });
    try {
      const next = await resumed.step();
      expect(stripTimes(next)).toEqual(stripTimes(rows[1]));
    } finally {
      resumed.dispose();
    }
  });
});
