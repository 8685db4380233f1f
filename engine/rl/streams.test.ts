import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRunConfig, resolveRunConfig } from '../config/resolve';
import {
  CPU_STREAMS,
  evalStream,
  GPU_STREAMS,
  type GpuStream,
  kernelWarmupStream,
  rftStream,
  rolloutStream,
  STREAM_BOUNDS,
  standaloneStream,
  tryStream,
} from './streams';

const B = STREAM_BOUNDS;
const steps = fc.integer({ min: 0, max: B.steps });
const corners = (max: number) => [0, 1, max - 1, max];

/** The hand-picked Philox words of schema version 1, as steps.ts, evaluate.ts and session.ts wrote them. */
const v1 = {
  dynamicSampling: (s: number, r: number) => s + r * 0x100000,
  rft: (s: number, p: number, k: number) => s + (p * 64 + k) * 0x10000,
  eval: (s: number, i: number, greedy: boolean) => 0x40000000 + s * 4096 + (greedy ? 2048 : 0) + i,
  try: (s: number) => 0x7fff0000 + s,
  warmup: 0xfffffff0,
  generate: 0,
};

const inRange = (purpose: GpuStream, word: number) => {
  const { start, end } = GPU_STREAMS[purpose];
  return word >= start && word < end && word <= 0xffffffff;
};

describe('GPU random streams', () => {
  it('reproduce the version-1 words for every count within the schema bounds', () => {
    for (const s of corners(B.steps)) {
      for (const r of corners(B.resampleRounds)) expect(rolloutStream(s, r)).toBe(v1.dynamicSampling(s, r));
      for (const p of corners(B.promptsPerStep - 1))
        for (const k of corners(B.rftRoundsPerPrompt - 1)) expect(rftStream(s, p, k)).toBe(v1.rft(s, p, k));
      for (const i of corners(B.evalPrompts - 1))
        for (const g of [false, true]) expect(evalStream(s, i, g)).toBe(v1.eval(s, i, g));
      expect(tryStream(s)).toBe(v1.try(s));
    }
    expect(rolloutStream(7)).toBe(7);
    expect(kernelWarmupStream()).toBe(v1.warmup);
    expect(standaloneStream()).toBe(v1.generate);
    fc.assert(
      fc.property(steps, fc.integer({ min: 0, max: B.resampleRounds }), (s, r) => {
        expect(rolloutStream(s, r)).toBe(v1.dynamicSampling(s, r));
      }),
    );
  });

  it("a run's purposes own disjoint ranges of the 32-bit word", () => {
    const runPurposes = (Object.keys(GPU_STREAMS) as GpuStream[]).filter((p) => p !== 'standalone');
    const ranges = runPurposes.map((p) => GPU_STREAMS[p]).sort((a, b) => a.start - b.start);
    for (const r of ranges) expect(r.start).toBeLessThan(r.end);
    for (let i = 1; i < ranges.length; i++) expect(ranges[i].start).toBeGreaterThanOrEqual(ranges[i - 1].end);
    expect(ranges[ranges.length - 1].end).toBeLessThanOrEqual(2 ** 32);
  });

  it('every word at the bounds lies in its purpose range', () => {
    for (const s of corners(B.steps)) {
      for (const r of corners(B.resampleRounds)) expect(inRange('rollout', rolloutStream(s, r))).toBe(true);
      for (const p of corners(B.promptsPerStep - 1))
        for (const k of corners(B.rftRoundsPerPrompt - 1))
          expect(inRange('rollout', rftStream(s, p, k))).toBe(true);
      for (const i of corners(B.evalPrompts - 1))
        for (const g of [false, true]) expect(inRange('eval', evalStream(s, i, g))).toBe(true);
      expect(inRange('try', tryStream(s))).toBe(true);
    }
    expect(inRange('kernel-warmup', kernelWarmupStream())).toBe(true);
  });

  // A word that decodes back to its arguments is drawn by no other arguments: the layout is injective.
  it('within a purpose, distinct arguments give distinct words (each word decodes to its arguments)', () => {
    fc.assert(
      fc.property(steps, fc.integer({ min: 0, max: B.resampleRounds }), (s, r) => {
        const w = rolloutStream(s, r);
        expect([w % 0x100000, Math.floor(w / 0x100000)]).toEqual([s, r]);
      }),
    );
    fc.assert(
      fc.property(
        steps,
        fc.integer({ min: 0, max: B.promptsPerStep - 1 }),
        fc.integer({ min: 0, max: B.rftRoundsPerPrompt - 1 }),
        (s, p, k) => {
          const w = rftStream(s, p, k);
          const field = Math.floor(w / 0x10000);
          expect([w % 0x10000, Math.floor(field / 64), field % 64]).toEqual([s, p, k]);
        },
      ),
    );
    fc.assert(
      fc.property(steps, fc.integer({ min: 0, max: B.evalPrompts - 1 }), fc.boolean(), (s, i, g) => {
        const w = evalStream(s, i, g) - GPU_STREAMS.eval.start;
        expect([Math.floor(w / 4096), w % 4096 >= 2048, w % 2048]).toEqual([s, g, i]);
      }),
    );
  });

  it('refuses counts past the bounds, naming the option', () => {
    expect(() => rolloutStream(B.steps + 1)).toThrow(/max_steps/);
    expect(() => rolloutStream(0, B.resampleRounds + 1)).toThrow(/max_resample_rounds/);
    expect(() => rftStream(0, B.promptsPerStep, 0)).toThrow(/prompts_per_step/);
    expect(() => rftStream(0, 0, B.rftRoundsPerPrompt)).toThrow(/max_samples_per_prompt/);
    expect(() => evalStream(0, B.evalPrompts, false)).toThrow(/eval_prompts/);
    expect(() => tryStream(B.steps + 1)).toThrow(/max_steps/);
    expect(() => rolloutStream(-1)).toThrow(RangeError);
    expect(() => rolloutStream(0.5)).toThrow(RangeError);
  });
});

describe('schema bounds of the counts that index streams', () => {
  const base = resolveRunConfig({ algorithm: 'rft' });
  const errors = (patch: Record<string, unknown>) => {
    const r = parseRunConfig({ ...base, ...patch });
    return r.ok ? [] : r.errors;
  };

  it('accepts each count at its bound and refuses one past it', () => {
    const cases: [string, number][] = [
      ['max_steps', B.steps],
      ['prompts_per_step', B.promptsPerStep],
      ['max_resample_rounds', B.resampleRounds],
      ['eval_prompts', B.evalPrompts],
      ['eval_samples', B.groupSize],
      ['num_generations', B.groupSize],
    ];
    for (const [key, max] of cases) {
      const atMax: Record<string, unknown> = { [key]: max };
      // gradient_accumulation must divide P*G, eval_k must be <= eval_samples: 1 always does
      expect(errors({ ...atMax, gradient_accumulation: 1 }), key).toEqual([]);
      expect(errors({ [key]: max + 1, gradient_accumulation: 1 }).join(' '), key).toContain(key);
    }
  });

  it('difficulty_aware: at most 64 rounds of num_generations per prompt', () => {
    const dart = { difficulty_aware: true, num_generations: 4, min_correct: 1 };
    expect(errors({ ...dart, max_samples_per_prompt: 256 })).toEqual([]);
    expect(errors({ ...dart, max_samples_per_prompt: 257 }).join(' ')).toContain('max_samples_per_prompt');
    expect(errors({ ...dart, difficulty_aware: false, max_samples_per_prompt: 257 })).toEqual([]);
    expect(errors({ max_samples_per_prompt: B.groupSize + 1 }).join(' ')).toContain('max_samples_per_prompt');
  });
});

describe('GPU sampling call sites', () => {
  const ROOT = resolve(import.meta.dirname, '../..');
  const files = (dir: string): string[] =>
    readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
      e.isDirectory()
        ? e.name === 'node_modules'
          ? []
          : files(join(dir, e.name))
        : /\.tsx?$/.test(e.name) && !/\.test\.|\.testing\./.test(e.name)
          ? [join(dir, e.name)]
          : [],
    );

  it('CPU streams: every split purpose in the source is a CPU_STREAMS name, and every name is used', () => {
    const used = new Set<string>();
    for (const f of ['engine', 'cli', 'bench', 'app'].flatMap(files)) {
      const text = readFileSync(join(ROOT, f), 'utf8');
      for (const [, name] of text.matchAll(/(?:[Rr]ng\b[^;\n]*?\.split|stepRng\(ctx,)\s*\(?\s*'([a-z-]+)'/g))
        used.add(name);
    }
    expect([...used].filter((n) => !(n in CPU_STREAMS))).toEqual([]);
    expect(Object.keys(CPU_STREAMS).filter((n) => !used.has(n))).toEqual([]);
  });

  it('take their Philox word from streams.ts, never a literal', () => {
    const callers = ['engine', 'cli', 'bench', 'app']
      .flatMap(files)
      .filter((f) => !/engine\/(train\/rollout|model\/gpu\/generate)\.ts$/.test(f))
      .filter((f) => /\b(sampleWithKvCache|rollout)\(/.test(readFileSync(join(ROOT, f), 'utf8')));
    expect(callers.length).toBeGreaterThan(4);
    for (const f of callers) {
      const text = readFileSync(join(ROOT, f), 'utf8');
      expect(text, `${f} imports the stream registry`).toMatch(/from '[./]+(engine\/)?rl\/streams(\.js)?'/);
      expect(text, `${f} passes no literal step word`).not.toMatch(/\bstep:\s*(0x[0-9a-f]+|\d+)\b/i);
    }
  });
});
