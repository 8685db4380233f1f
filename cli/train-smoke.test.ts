/**
 * The `smoke` preset through the real CLI (`tabrl train`, a child process on the machine's WebGPU):
 * its 20 GRPO steps must raise the mean reward of the last 5 steps at least 0.1 above the first 5,
 * and a run interrupted after 10 steps and resumed with `--resume` must log the same metrics, step for
 * step, as the uninterrupted run (with the kernel variants it chose pinned), and end with
 * byte-identical weights. Only wall-clock fields
 * (step_time, tokens_per_second, timing/*) may differ.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliRun, tabrl } from './cli-run.testing.js';

type Row = Record<string, number>;

async function jsonLines(path: string): Promise<Row[]> {
  const text = await readFile(path, 'utf8');
  return text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Row);
}

/** Fields that measure the machine, not the training. */
const isTiming = (key: string) =>
  key === 'step_time' ||
  key === 'tokens_per_second' ||
  key === 'gflops_per_second' ||
  key.startsWith('timing/');

function withoutTiming(row: Row): Row {
  return Object.fromEntries(Object.entries(row).filter(([k]) => !isTiming(k)));
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

let dir = '';
let straight: CliRun;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tabrl-smoke-'));
  straight = await tabrl(['train', '--preset', 'smoke', '--out', join(dir, 'straight')]);
  if (straight.code !== 0) throw new Error(`tabrl train --preset smoke failed:\n${straight.stderr}`);
}, 180_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('tabrl train --preset smoke', () => {
  it('trains 20 steps; mean reward of the last 5 >= first 5 + 0.1', async () => {
    const rows = await jsonLines(join(dir, 'straight', 'metrics.jsonl'));
    expect(rows.map((r) => r.step)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    const rewards = rows.map((r) => r.reward);
    const first = mean(rewards.slice(0, 5));
    const last = mean(rewards.slice(-5));
    const timing = straight.stderr.split('\n').find((l) => /steps in .* s of training/.test(l)) ?? '';
    console.log(
      `smoke: reward first 5 ${first.toFixed(3)} -> last 5 ${last.toFixed(3)}; ` +
        `CLI wall ${straight.seconds.toFixed(1)} s; ${timing.trim()}`,
    );
    expect(timing).not.toBe('');
    expect(last - first).toBeGreaterThanOrEqual(0.1);
    // the other run-folder files are there
    const config = JSON.parse(await readFile(join(dir, 'straight', 'config.json'), 'utf8'));
    expect(config.max_steps).toBe(20);
    expect(await jsonLines(join(dir, 'straight', 'samples.jsonl'))).toHaveLength(20);
  });

  it('--steps 10 then --resume equals the uninterrupted run (its variants pinned), step for step (timing fields aside)', async () => {
    const out = join(dir, 'resumed');
    // The straight run's config.json as run pins the kernel variants its autotuner chose: two
    // processes tune independently, and variants may differ in float rounding (a share link's
    // replay pins them the same way).
    const asRun = join(dir, 'straight', 'config.json');
    const half = await tabrl(['train', '--config', asRun, '--steps', '10', '--out', out]);
    expect(half.code, half.stderr).toBe(0);
    expect(await jsonLines(join(out, 'metrics.jsonl'))).toHaveLength(10);
    const rest = await tabrl(['train', '--resume', out]);
    expect(rest.code, rest.stderr).toBe(0);
    // the summary names the steps this process ran, not the run's total
    expect(half.stderr).toMatch(/tabrl train: 10 steps in /);
    expect(rest.stderr).toMatch(/tabrl train: 10 steps \(10 to 19\) in /);

    const want = (await jsonLines(join(dir, 'straight', 'metrics.jsonl'))).map(withoutTiming);
    const got = (await jsonLines(join(out, 'metrics.jsonl'))).map(withoutTiming);
    expect(got).toHaveLength(20);
    const mismatches: string[] = [];
    want.forEach((w, i) => {
      const g = got[i];
      for (const key of new Set([...Object.keys(w), ...Object.keys(g)])) {
        if (!Object.is(w[key], g[key]))
          mismatches.push(`step ${i} ${key}: straight ${w[key]}, resumed ${g[key]}`);
      }
    });
    if (mismatches.length) console.log(`first mismatches:\n  ${mismatches.slice(0, 8).join('\n  ')}`);
    expect(mismatches).toEqual([]);

    const samples = async (d: string) =>
      (await readFile(join(d, 'samples.jsonl'), 'utf8')).trim().split('\n');
    expect(await samples(out)).toEqual(await samples(join(dir, 'straight')));
    const weights = (d: string) => readFile(join(d, 'checkpoint', 'model.safetensors'));
    expect(Buffer.compare(await weights(out), await weights(join(dir, 'straight')))).toBe(0);
  }, 180_000);
});
