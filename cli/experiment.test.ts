/**
 * `tabrl experiment` at quick scale, every declared experiment, on one shared runtime: the machinery
 * only (each arm's folder, verdict.json's exact fields and types, arms.json, the printed table), not
 * the claims, which a micro model after 2 steps cannot judge. Plus --list and the refusals.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { EXPERIMENTS } from '../engine/experiments/registry.js';
import type { VerdictFile } from '../engine/experiments/runner.js';
import { VERDICTS } from '../engine/experiments/verdict.js';
import { testRuntime } from '../kernels/testing/gpu.js';
import { listText, run } from './commands/experiment.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tabrl-experiment-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('tabrl experiment', () => {
  it('--list names every experiment with its claim, arms and papers', () => {
    const text = listText();
    for (const e of EXPERIMENTS) {
      expect(text).toContain(e.name);
      expect(text).toContain(e.claim);
    }
    expect(text).toContain('alpha=0.5 (interpolate 0.5 of grpo)');
    expect(text).toContain('ReFT: Reasoning with Reinforced Fine-Tuning');
  });

  it('refuses an unknown name (listing the names), a bad --scale and a non-empty --out', async () => {
    await expect(run(['nope', '--out', join(dir, 'x')])).rejects.toThrow(
      /unknown experiment "nope"; the experiments are: dr_grpo_length, reft, interpolation, dart/,
    );
    await expect(run(['reft', '--scale', 'huge', '--out', join(dir, 'x')])).rejects.toThrow(
      /--scale must be one of quick, full/,
    );
    await mkdir(join(dir, 'full'));
    await writeFile(join(dir, 'full', 'f'), '');
    await expect(run(['reft', '--out', join(dir, 'full')])).rejects.toThrow(/not empty/);
  });

  // one test per experiment, each at quick scale: arm folders, verdict.json, arms.json, the table
  for (const e of EXPERIMENTS)
    it(`${e.name} runs at quick scale: arm folders, verdict.json, arms.json, the table`, async () => {
      const rt = await testRuntime();
      const printed: string[] = [];
      const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => {
        printed.push(a.join(' '));
      });
      const err = vi.spyOn(console, 'error').mockImplementation(() => {});
      try {
        {
          const out = join(dir, e.name);
          expect(await run([e.name, '--scale', 'quick', '--seed', '2', '--out', out], rt)).toBe(0);
          const v = JSON.parse(await readFile(join(out, 'verdict.json'), 'utf8')) as VerdictFile;
          expect(Object.keys(v)).toEqual([
            'name',
            'claim',
            'metric',
            'expected',
            'arms',
            'stderr',
            'verdict',
            'seed',
            'commit',
            'adapter',
          ]);
          const labels = e.arms.map((a) => a.label);
          expect([v.name, v.claim, v.metric, v.seed]).toEqual([e.name, e.claim, e.metric, 2]);
          expect(Object.keys(v.arms)).toEqual(labels);
          expect(Object.keys(v.stderr)).toEqual(labels);
          for (const l of labels) {
            expect(v.arms[l]).toBeGreaterThanOrEqual(0);
            // an eval/* fraction; a training metric (incorrect answers' length in tokens, at most the cap of 4, or entropy in nats, under log 32)
            expect(v.arms[l]).toBeLessThanOrEqual(e.source === 'train' ? 4 : 1);
            expect(v.stderr[l]).toBeGreaterThanOrEqual(0);
          }
          expect(VERDICTS).toContain(v.verdict);
          expect(v.commit).toMatch(/^([0-9a-f]{40}|unknown)$/);
          expect(v.adapter.length).toBeGreaterThan(0);
          for (const a of e.arms) {
            const folder = join(out, a.label);
            if ('config' in a) {
              for (const f of ['config.json', 'metrics.jsonl', 'checkpoint/model.safetensors'])
                expect(existsSync(join(folder, f)), `${e.name}/${a.label}/${f}`).toBe(true);
              const rows = (await readFile(join(folder, 'metrics.jsonl'), 'utf8')).trim().split('\n');
              expect(rows).toHaveLength(e.scales.quick.steps);
            } else if ('interpolate' in a) expect(existsSync(join(folder, 'model.safetensors'))).toBe(true);
            // a guided arm writes nothing: it evaluates its `from` arm's checkpoint against that arm's start
            else
              expect(existsSync(join(out, `${a.from}.start`, 'checkpoint', 'model.safetensors'))).toBe(true);
          }
          const arms = JSON.parse(await readFile(join(out, 'arms.json'), 'utf8')) as {
            scale: string;
            rows: { label: string; steps: number; prompts: number }[];
          };
          expect(arms.scale).toBe('quick');
          expect(arms.rows.map((r) => r.label)).toEqual(labels);
          expect(
            arms.rows.every(
              (r) => (e.source === 'train' || r.prompts > 0) && r.steps === e.scales.quick.steps,
            ),
          ).toBe(true);
          const table = printed.join('\n');
          for (const l of labels)
            expect(table).toMatch(
              new RegExp(
                `${l.replace(/[.+]/g, '\\$&')}\\s+\\d\\.\\d{4} ± \\d\\.\\d{4}\\s+${e.scales.quick.steps}\\s+\\d`,
              ),
            );
          expect(table).toContain(`expected ${v.expected}: ${v.verdict}`);
          if (e.name === 'forgetting') {
            // the warm start knows the old task; one SFT step on the new one (quick scale's lr) erases it
            const first = JSON.parse(
              (await readFile(join(out, 'sft', 'metrics.jsonl'), 'utf8')).split('\n')[0],
            ) as Record<string, number>;
            expect(first['eval/old/pass@1']).toBeGreaterThan(0.05);
            expect(v.arms.sft).toBeLessThan(first['eval/old/pass@1']);
          }
        }
      } finally {
        log.mockRestore();
        err.mockRestore();
      }
    }, 120_000);
});
