import { describe, expect, it } from 'vitest';
import type { Runtime } from '../../runtime/index.js';
import { expectClose } from '../../testing/compare.js';
import { testRuntime } from '../../testing/gpu.js';
import { randn } from '../../testing/random.js';
import { philox4x32, philoxUniform } from './philox.js';
import { type SampleStepOptions, type SamplingOptions, sampleTokens } from './sample.js';
import { sampleRef } from './sample.ref.js';

const PLAIN: SamplingOptions = { temperature: 1, topK: 0, topP: 1, minP: 0, greedy: false };

async function runSampler(
  rt: Runtime,
  logits: Float32Array,
  R: number,
  V: number,
  o: Partial<SampleStepOptions>,
) {
  const L = 3;
  const position = o.position ?? 1;
  const z = rt.upload(logits, [R, V], 'logits');
  const targets = {
    tokens: rt.zeros([R, L], 'tokens', 'i32'),
    logprobs: rt.zeros([R, L], 'logprobs'),
    entropies: rt.zeros([R, L], 'entropies'),
    finished: rt.zeros([R], 'finished', 'u32'),
  };
  sampleTokens(rt, z, targets, { ...PLAIN, seed: 7, step: 3, eos: -1, pad: -2, position, ...o });
  const [tok, lp, h, fin] = await rt.readMany([
    targets.tokens,
    targets.logprobs,
    targets.entropies,
    targets.finished,
  ]);
  z.dispose();
  for (const t of Object.values(targets)) t.dispose();
  const col = (a: ArrayLike<number>) => Array.from({ length: R }, (_, r) => a[r * L + position]);
  return { tokens: col(tok), logprobs: col(lp), entropies: col(h), finished: Array.from(fin) };
}

/** Pearson chi-square statistic of observed counts against expected probabilities (zero-prob cells must be empty). */
function chiSquare(
  counts: number[],
  probs: Float64Array,
  n: number,
): { stat: number; df: number; impossible: number } {
  let stat = 0;
  let df = -1;
  let impossible = 0;
  probs.forEach((p, i) => {
    if (p === 0) impossible += counts[i];
    else {
      stat += (counts[i] - n * p) ** 2 / (n * p);
      df++;
    }
  });
  return { stat, df, impossible };
}

// chi-square critical values at p = 0.001 for small degrees of freedom
const CHI2_999 = [0, 10.83, 13.82, 16.27, 18.47, 20.52, 22.46, 24.32, 26.12, 27.88, 29.59, 31.26, 32.91];

describe('Philox4x32-10', () => {
  it('matches the Random123 known-answer vectors', () => {
    expect(philox4x32([0, 0, 0, 0], [0, 0])).toEqual([0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]);
    expect(philox4x32([0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff])).toEqual([
      0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd,
    ]);
  });
});

describe('sampleTokens on the GPU', () => {
  const V = 10;
  const base = Float32Array.from(randn(11, V, 1.5));

  it('records lp and entropy of softmax(z/T) over the full vocabulary, whatever the filters', async () => {
    const rt = await testRuntime();
    const R = 37;
    const V2 = 133;
    const logits = Float32Array.from(randn(5, R * V2, 2));
    for (const o of [
      { temperature: 0.7, topK: 5, topP: 1, minP: 0, greedy: false },
      { temperature: 1.3, topK: 0, topP: 0.8, minP: 0.05, greedy: false },
    ]) {
      const got = await runSampler(rt, logits, R, V2, o);
      const want = Array.from({ length: R }, (_, r) =>
        sampleRef(logits.subarray(r * V2, (r + 1) * V2), o, philoxUniform(7, 3, r, 1)),
      );
      const agree = got.tokens.filter((t, r) => t === want[r].token).length;
      expect(agree).toBeGreaterThanOrEqual(R - 1); // a uniform landing on an f32/f64 boundary may differ
      const lpWant = got.tokens.map(
        (t, r) =>
          logits[r * V2 + t] / o.temperature - lseOf(logits.subarray(r * V2, (r + 1) * V2), o.temperature),
      );
      expectClose(got.logprobs, lpWant, { atol: 1e-5, rtol: 1e-5 }, 'logprob');
      expectClose(
        got.entropies,
        want.map((w) => w.entropy),
        { atol: 1e-5, rtol: 1e-5 },
        'entropy',
      );
    }
  });

  it('gives identical tokens for the same seed and different ones for another seed', async () => {
    const rt = await testRuntime();
    const R = 64;
    const logits = Float32Array.from(randn(9, R * V, 0.5));
    const a = await runSampler(rt, logits, R, V, { seed: 123 });
    const b = await runSampler(rt, logits, R, V, { seed: 123 });
    const c = await runSampler(rt, logits, R, V, { seed: 124 });
    expect(a.tokens).toEqual(b.tokens);
    expect(a.tokens).not.toEqual(c.tokens);
  });

  for (const [name, o] of [
    ['temperature 0.6', { ...PLAIN, temperature: 0.6 }],
    ['temperature 1.5', { ...PLAIN, temperature: 1.5 }],
    ['top-k 4', { ...PLAIN, topK: 4 }],
    ['top-p 0.7', { ...PLAIN, topP: 0.7 }],
    ['min-p 0.1', { ...PLAIN, minP: 0.1 }],
    ['top-k 6 + top-p 0.9', { ...PLAIN, topK: 6, topP: 0.9 }],
  ] as const) {
    it(`draws tokens with the filtered softmax probabilities: ${name} (chi-square)`, async () => {
      const rt = await testRuntime();
      const R = 4000;
      const logits = new Float32Array(R * V);
      for (let r = 0; r < R; r++) logits.set(base, r * V);
      const { tokens } = await runSampler(rt, logits, R, V, { ...o, seed: 2024 });
      const counts = new Array<number>(V).fill(0);
      for (const t of tokens) counts[t]++;
      const { probs } = sampleRef(base, o, 0);
      const { stat, df, impossible } = chiSquare(counts, probs, R);
      expect(impossible, `tokens drawn outside the kept set: ${counts}`).toBe(0);
      expect(
        stat,
        `chi2 ${stat.toFixed(2)} df ${df} counts ${counts} probs ${Array.from(probs, (p) => p.toFixed(3))}`,
      ).toBeLessThan(CHI2_999[df]);
    });
  }

  it('decodes greedily to the first maximum', async () => {
    const rt = await testRuntime();
    const logits = Float32Array.from([0, 3, 1, 3, -2, 0.5, 2, 2, 9, 9.5]);
    const { tokens } = await runSampler(rt, logits, 2, 5, { greedy: true });
    expect(tokens).toEqual([1, 4]);
  });

  it('writes forced tokens where given, with their lp and entropy under softmax(z/T), and draws elsewhere', async () => {
    const rt = await testRuntime();
    const R = 6;
    const V2 = 37;
    const L = 3;
    const position = 1;
    const logits = Float32Array.from(randn(21, R * V2, 2));
    const o = { ...PLAIN, temperature: 0.8 };
    const plain = await runSampler(rt, logits, R, V2, { ...o, position });
    // rows 0, 2, 5 forced at column 1 (row 5 to a token it would hardly draw); rows 1, 3, 4 draw
    const forcedAt = new Map([
      [0, 4],
      [2, 0],
      [5, V2 - 1],
    ]);
    const forced = new Int32Array(R * L).fill(-1);
    for (const [r, tok] of forcedAt) forced[r * L + position] = tok;
    forced[1 * L + 0] = 3; // another column: ignored at position 1
    const z = rt.upload(logits, [R, V2], 'logits');
    const f = rt.upload(forced, [R, L], 'forced', 'i32');
    const targets = {
      tokens: rt.zeros([R, L], 'tokens', 'i32'),
      logprobs: rt.zeros([R, L], 'logprobs'),
      entropies: rt.zeros([R, L], 'entropies'),
      finished: rt.zeros([R], 'finished', 'u32'),
    };
    sampleTokens(rt, z, targets, { ...o, seed: 7, step: 3, eos: -1, pad: -2, position, forced: f });
    const [tok, lp, h] = await rt.readMany([targets.tokens, targets.logprobs, targets.entropies]);
    for (const t of [z, f, ...Object.values(targets)]) t.dispose();
    for (let r = 0; r < R; r++) {
      const want = forcedAt.get(r) ?? plain.tokens[r];
      expect(tok[r * L + position], `row ${r}`).toBe(want);
      const row = logits.subarray(r * V2, (r + 1) * V2);
      expect(lp[r * L + position]).toBeCloseTo(row[want] / o.temperature - lseOf(row, o.temperature), 5);
      expect(h[r * L + position]).toBeCloseTo(plain.entropies[r], 5);
    }
  });

  it('marks rows finished at EOS and pads them afterwards', async () => {
    const rt = await testRuntime();
    const R = 2;
    const V3 = 4;
    // row 0 almost surely draws token 2 (the EOS), row 1 token 0
    const logits = Float32Array.from([0, 0, 40, 0, 40, 0, 0, 0]);
    const z = rt.upload(logits, [R, V3], 'logits');
    const t = {
      tokens: rt.zeros([R, 2], 'tokens', 'i32'),
      logprobs: rt.zeros([R, 2], 'lp'),
      entropies: rt.zeros([R, 2], 'h'),
      finished: rt.zeros([R], 'finished', 'u32'),
    };
    for (const position of [0, 1])
      sampleTokens(rt, z, t, { ...PLAIN, seed: 1, step: 0, eos: 2, pad: -1, position });
    const [tok, lp, , fin] = await rt.readMany([t.tokens, t.logprobs, t.entropies, t.finished]);
    expect(Array.from(tok)).toEqual([2, -1, 0, 0]);
    expect(lp[1]).toBe(0);
    expect(Array.from(fin)).toEqual([1, 0]);
    z.dispose();
    for (const x of Object.values(t)) x.dispose();
  });
});

function lseOf(z: ArrayLike<number>, temperature: number): number {
  let m = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < z.length; i++) m = Math.max(m, z[i] / temperature);
  let s = 0;
  for (let i = 0; i < z.length; i++) s += Math.exp(z[i] / temperature - m);
  return m + Math.log(s);
}
