/**
 * Prefix sampling (docs/ALGORITHMS.md, "Prefix sampling (`prefix_sampling`), after Prefix-RFT"): the
 * draw by hand (m = min(⌈f·G⌉, G − 1), the cosine decay of the upper ratio, the ℓ clamp), the option's
 * config (null by default, --set, share links, refused for gae, rft and sft), and real GPU steps: the
 * forced tokens are the gold prefix with the sampling policy's log-probs, samples carry
 * `prefix_length`, prefix/* are logged, and a resumed run continues exactly.
 */
import { describe, expect, it } from 'vitest';
import { testRuntime } from '../../kernels/testing/gpu';
import { parseRunConfig, resolveRunConfig, setByPath } from '../config/resolve';
import type { RunConfig } from '../config/schema';
import { decodeSharePayload, encodeSharePayload } from '../config/share-link';
import { memoryFs } from '../model/checkpoint';
import { createRng, type Rng } from '../rl/random';
import {
  drawPrefixLengths,
  type PrefixSampling,
  prefixedPerGroup,
  prefixLength,
  prefixMask,
  prefixMetrics,
  prefixUpperRatio,
} from './prefix';
import { createTrainingSession } from './session';
import type { StepSamples } from './session-types';
import { forcedPrefixes, type TrainerContext } from './steps';

/** An Rng whose next() returns the given numbers in turn. */
function fixedRng(values: number[]): Rng {
  const queue = [...values];
  const next = () => {
    const v = queue.shift();
    if (v === undefined) throw new Error('fixedRng: out of numbers');
    return v;
  };
  return {
    key: 0,
    next,
    nextU32: () => Math.floor(next() * 2 ** 32),
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (items) => items[Math.floor(next() * items.length)],
    split: () => fixedRng([]),
  };
}

describe('prefix lengths by hand', () => {
  it('m = min(ceil(f·G), G − 1)', () => {
    expect(prefixedPerGroup(0.5, 4)).toBe(2);
    expect(prefixedPerGroup(0.125, 8)).toBe(1);
    expect(prefixedPerGroup(0.01, 2)).toBe(1);
    expect(prefixedPerGroup(1, 4)).toBe(3); // one completion always samples freely
    expect(prefixedPerGroup(0.3, 10)).toBe(3); // 0.3·10 = 3.0000000000000004 in floats, not 4
    expect(prefixedPerGroup(0, 4)).toBe(0);
  });

  it("b' under cosine: a + (b − a)·½(1 + cos(π·s/S)); none: b", () => {
    const o: PrefixSampling = { fraction: 0.5, min_ratio: 0.1, max_ratio: 0.9, decay: 'cosine' };
    expect(prefixUpperRatio(o, 0, 4)).toBeCloseTo(0.9, 12);
    // s = 1: 0.1 + 0.8·½·(1 + cos(π/4)) = 0.1 + 0.4·1.7071068 = 0.7828427
    expect(prefixUpperRatio(o, 1, 4)).toBeCloseTo(0.7828427, 6);
    expect(prefixUpperRatio(o, 2, 4)).toBeCloseTo(0.5, 12);
    expect(prefixUpperRatio(o, 4, 4)).toBeCloseTo(0.1, 12);
    expect(prefixUpperRatio({ ...o, decay: 'none' }, 3, 4)).toBe(0.9);
  });

  it('ℓ = min(⌊u·|gold|⌋, |gold| − 1, L_max − 1)', () => {
    expect(prefixLength(0.5, 7, 10)).toBe(3);
    expect(prefixLength(0.99, 7, 10)).toBe(6); // |gold| − 1: the model writes at least the last gold token
    expect(prefixLength(0.9, 20, 5)).toBe(4); // L_max − 1: room for one sampled token
    expect(prefixLength(0.05, 7, 10)).toBe(0); // ℓ = 0: no prefix
    expect(prefixLength(0.5, 1, 10)).toBe(0);
  });

  it("draws u ~ U[a, b'] for completions 0..m−1 of each group, prompt by prompt", () => {
    // f 0.5, G 4: m = 2; a 0.2, b 0.6 (none); golds of 10 and 3 tokens; L_max 8
    // prompt 0: u = 0.2 + 0.4·0.5 = 0.4 -> ⌊4⌋ = 4; u = 0.2 + 0.4·0.25 = 0.3 -> ⌊3.0000000000000004⌋ = 3
    // prompt 1: u = 0.2 + 0.4·0.75 = 0.5 -> ⌊1.5⌋ = 1; u = 0.2 + 0.4·0.999 = 0.5996 -> ⌊1.7988⌋ = 1
    const o: PrefixSampling = { fraction: 0.5, min_ratio: 0.2, max_ratio: 0.6, decay: 'none' };
    const lengths = drawPrefixLengths(o, 4, [10, 3], 8, 0, 4, fixedRng([0.5, 0.25, 0.75, 0.999]));
    expect(lengths).toEqual([4, 3, 0, 0, 1, 1, 0, 0]);
    // cosine at s = 2 of S = 4: b' = 0.2 + 0.4·½ = 0.4, so u = 0.2 + 0.2·0.5 = 0.3 -> 3, then 0.2 + 0.2·0.25 = 0.25 -> 2
    const decayed = drawPrefixLengths({ ...o, decay: 'cosine' }, 4, [10], 8, 2, 4, fixedRng([0.5, 0.25]));
    expect(decayed).toEqual([3, 2, 0, 0]);
    const rows = lengths.map((l, r) => ({ prefixLength: l, goldLength: r < 4 ? 10 : 3 }));
    const m = prefixMetrics(rows);
    expect(m['prefix/fraction']).toBe(0.5);
    expect(m['prefix/mean_ratio']).toBeCloseTo((0.4 + 0.3 + 1 / 3 + 1 / 3) / 4, 12);
    expect(prefixMetrics([{ prefixLength: 0, goldLength: 3 }])).toEqual({
      'prefix/fraction': 0,
      'prefix/mean_ratio': 0,
    });
    expect(Array.from(prefixMask(rows.slice(0, 2), 5) ?? [])).toEqual([1, 1, 1, 1, 0, 1, 1, 1, 0, 0]);
    expect(prefixMask([{ prefixLength: 0 }], 5)).toBeNull();
  });
});

describe('the draw in a run: global-step streams, decay within the stage', () => {
  // a character tokenizer stand-in: gold '0123456789' is 10 tokens
  const tokenizer = { encode: (t: string) => [...t].map((ch) => ch.charCodeAt(0)) };
  const o: PrefixSampling = { fraction: 0.5, min_ratio: 0, max_ratio: 1, decay: 'cosine' };
  const config = resolveRunConfig({
    num_generations: 4,
    max_completion_length: 12,
    max_steps: 4,
    prefix_sampling: o,
  });
  const ctxAt = (stageStart: number) =>
    ({
      config,
      stageStart,
      rng: createRng(5),
      rolloutCtx: { prompts: { tokenizer } },
    }) as unknown as TrainerContext;
  const samples = [{ prompt: 'p', answer: '0123456789', gold: '0123456789', tag: null }];
  const want = (step: number, s: number, round = 0) =>
    drawPrefixLengths(
      o,
      4,
      [10],
      12,
      s,
      4,
      createRng(5).split('prefix').split(`step:${step}`).split(`round:${round}`),
    );

  it("s counts from the stage's first step; the stream is the global step's (and the round's)", () => {
    // global step 6 of a stage begun at 4 is its step 2 (b' = 0.5), not step 6
    const got = forcedPrefixes(ctxAt(4), samples, 6, 0);
    expect(got?.tokens.map((t) => t.length)).toEqual(want(6, 2));
    expect(got?.goldLengths).toEqual([10, 10, 10, 10]);
    expect(got?.tokens[0]).toEqual(tokenizer.encode('0123456789').slice(0, want(6, 2)[0]));
    // a new stage at 6 restarts the decay at b (s = 0), same stream
    expect(want(6, 0)).not.toEqual(want(6, 2));
    expect(forcedPrefixes(ctxAt(6), samples, 6, 0)?.tokens.map((t) => t.length)).toEqual(want(6, 0));
    expect(forcedPrefixes(ctxAt(4), samples, 6, 1)?.tokens.map((t) => t.length)).toEqual(want(6, 2, 1));
    expect(forcedPrefixes({ ...ctxAt(0), config: resolveRunConfig({}) }, samples, 0, 0)).toBeUndefined();
  });

  it('refuses a sample without a gold completion, with a message', () => {
    expect(() => forcedPrefixes(ctxAt(0), [{ ...samples[0], gold: '' }], 0, 0)).toThrow(
      /prefix_sampling needs gold completions, and task addition gave none for prompt "p"/,
    );
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
    max_completion_length: 6,
    learning_rate: 1e-2,
    num_iterations: 2,
    max_steps: 4,
    eval_every: 0,
    prefix_sampling: { fraction: 0.5, min_ratio: 0.5, max_ratio: 1, decay: 'cosine' },
    ...over,
  });
}

describe('prefix_sampling config', () => {
  it('defaults to null (old configs and links unchanged); --set and share links carry it; gae, rft and sft refuse it', () => {
    expect(resolveRunConfig({}).prefix_sampling).toBeNull();
    expect(resolveRunConfig(setByPath({}, 'prefix_sampling.fraction=0.5')).prefix_sampling).toEqual({
      fraction: 0.5,
      min_ratio: 0.05,
      max_ratio: 0.95,
      decay: 'cosine',
    });
    const c = microConfig();
    const link = decodeSharePayload(encodeSharePayload(c, {}));
    if (!link.ok) throw new Error(link.error);
    const parsed = parseRunConfig(link.payload.config);
    expect(parsed.ok && parsed.config.prefix_sampling).toEqual(c.prefix_sampling);
    // a link or config file written before the option (no key) reads as null
    const { prefix_sampling: _, ...old } = resolveRunConfig({});
    const before = parseRunConfig(old);
    expect(before.ok && before.config.prefix_sampling).toBeNull();
    const on = { prefix_sampling: { fraction: 0.5, min_ratio: 0, max_ratio: 1, decay: 'none' } };
    for (const [base, message] of [
      [
        { algorithm: 'sft' },
        'prefix_sampling: forces gold prefixes into RL rollouts; algorithm sft takes no RL steps',
      ],
      [{ algorithm: 'rft' }, 'algorithm rft takes no RL steps'],
      [{ algorithm: 'ppo' }, 'prefix_sampling: needs a critic-free advantage'],
    ] as const) {
      const refused = parseRunConfig({ ...resolveRunConfig(base as never), ...on });
      expect(refused.ok, JSON.stringify(base)).toBe(false);
      if (!refused.ok) expect(refused.errors.join('\n')).toContain(message);
    }
    const crossed = parseRunConfig({
      ...resolveRunConfig({}),
      prefix_sampling: { ...on.prefix_sampling, min_ratio: 0.8, max_ratio: 0.5 },
    });
    expect(crossed.ok).toBe(false);
  });
});

const stripTimes = (m: Record<string, number>) =>
  Object.fromEntries(
    Object.entries(m).filter(
      ([k]) =>
        !k.startsWith('timing/') && !['step_time', 'tokens_per_second', 'gflops_per_second'].includes(k),
    ),
  );

describe('prefix sampling in real steps', () => {
  it('forces the gold prefix into completions 0..m−1, logs prefix/*, and a resumed run takes the same next step', async () => {
    const rt = await testRuntime();
    const config = microConfig();
    const samples: StepSamples[] = [];
    const run = await createTrainingSession(rt, config, { onSamples: (s) => samples.push(s) });
    let saved: Map<string, Uint8Array>;
    const rows: Record<string, number>[] = [];
    try {
      rows.push(await run.step());
      saved = await run.saveCheckpoint();
      rows.push(await run.step());
    } finally {
      run.dispose();
    }
    // f 0.5 of G 4: completions 0, 1 of each group; u in [0.5, 1] of a gold of |gold| tokens
    expect(rows[0]['prefix/fraction']).toBeGreaterThan(0);
    expect(rows[0]['prefix/fraction']).toBeLessThanOrEqual(0.5);
    expect(rows[0]['prefix/mean_ratio']).toBeGreaterThanOrEqual(0.3);
    expect(rows[0]['prefix/mean_ratio']).toBeLessThan(1);
    expect(Number.isFinite(rows[0].loss)).toBe(true);
    const tokenizer = run.tokenizer;
    let forced = 0;
    for (const group of samples[0].groups) {
      // reversal: '{201}=' has the gold '102' (no tag)
      const gold = [...group.prompt.slice(1, -2)].reverse().join('');
      const goldIds = tokenizer.encode(gold, { addSpecialTokens: false });
      group.completions.forEach((c, i) => {
        expect(c.prefix_length, `completion ${i}`).toBeDefined();
        if (i >= 2) expect(c.prefix_length).toBe(0);
        const l = c.prefix_length ?? 0;
        expect(l).toBeLessThanOrEqual(goldIds.length - 1);
        if (l > 0) forced++;
        expect(c.tokens.slice(0, l)).toEqual(goldIds.slice(0, l));
        // the forced tokens' log-probs were recorded under the sampling policy: finite and <= 0
        for (const lp of c.logprobs.slice(0, l)) expect(lp).toBeLessThanOrEqual(0);
      });
    }
    expect(forced / (samples[0].groups.length * 4)).toBe(rows[0]['prefix/fraction']);
    const resumed = await createTrainingSession(rt, config, {}, { resume: memoryFs(new Map(saved)) });
    try {
      const next = await resumed.step();
      expect(stripTimes(next)).toEqual(stripTimes(rows[1]));
    } finally {
      resumed.dispose();
    }
  });
});
