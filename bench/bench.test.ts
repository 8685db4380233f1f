import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { run as benchCommand } from '../cli/commands/bench.js';
import { modelPreset } from '../engine/model/config.js';
import { nextTokenTargets } from '../engine/model/gpu/lm-loss.js';
import { GpuModel } from '../engine/model/gpu/model.js';
import { initParams } from '../engine/model/init.js';
import { configureAutotuner } from '../kernels/autotune/autotuner.js';
import { memoryStore } from '../kernels/autotune/store.js';
import { nodeGpu } from '../kernels/runtime/node-gpu.js';
import { testRuntime } from '../kernels/testing/gpu.js';
import { rng } from '../kernels/testing/random.js';
import { BENCH_CASES } from './cases/index.js';
import { matmulCase } from './cases/matmul.js';
import { benchReport, formatTable, median, runKernelBench } from './kernels.js';
import { createTfjsPeer } from './peers/tfjs.js';
import { tfjsGpt2TrainStep } from './peers/tfjs-gpt2.js';

// Row format only: timings are machine noise, and performance is measured by `tabrl bench`, not tests.
describe('kernel benchmark', () => {
  it('runs tiny matmul rows end to end against tfjs on the same device', async () => {
    const rt = await testRuntime();
    configureAutotuner(rt, { store: memoryStore(), budgetMs: 5 });
    const cases = [
      matmulCase({ name: 'tiny', a: [8, 12], b: [12, 4] }),
      matmulCase({ name: 'tiny batched', a: [2, 12, 6], b: [2, 5, 12], transA: true, transB: true }),
    ];
    const rows = await runKernelBench(rt, { quick: true, cases, gpu: await nodeGpu() });
    expect(rows.map((r) => r.name)).toEqual(['tiny', 'tiny batched']);
    for (const r of rows) {
      expect(Object.keys(r).sort()).toEqual(
        ['gflops', 'name', 'peer', 'peer_ms', 'ratio', 'section', 'ours_ms', 'shape'].sort(),
      );
      expect(r.section).toBe('matmul');
      expect(r.peer).toMatch(/^tfjs-webgpu \d+\.\d+\.\d+$/);
      expect(r.ours_ms).toBeGreaterThan(0);
      expect(r.peer_ms).toBeGreaterThan(0);
      expect(r.ratio).toBeCloseTo(r.peer_ms! / r.ours_ms, 10);
    }
    expect(rows[1].shape).toBe('[2,12,6]^Tx[2,5,12]^T');
    const report = JSON.parse(JSON.stringify(benchReport(rt.facts, rows)));
    expect(Object.keys(report.adapter).sort()).toEqual([
      'architecture',
      'description',
      'isFallbackAdapter',
      'vendor',
    ]);
    expect(formatTable(rows)).toContain('tiny batched');
    expect(formatTable(rows, 'markdown').split('\n')[1]).toMatch(/^\| --- \| --- \|/);
  });

  it('leaves the peer column empty when there is no peer', async () => {
    const rt = await testRuntime();
    const rows = await runKernelBench(rt, {
      quick: true,
      peer: null,
      cases: [matmulCase({ name: 'solo', a: [4, 4], b: [4, 4] })],
    });
    expect(rows[0]).toMatchObject({ name: 'solo', peer: null, peer_ms: null, ratio: null });
  });

  it('registers the default model matmuls, named and shaped', () => {
    const names = BENCH_CASES.map((c) => c.name);
    expect(names).toContain('mlp.fc fwd');
    expect(names).toContain('lm_head dW');
    expect(BENCH_CASES.find((c) => c.name === 'mlp.fc dW')?.shape).toBe('[3072,128]^Tx[3072,512]');
    expect(new Set(names).size).toBe(names.length);
  });

  it('median of odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('the CLI writes the docs/DESIGN.md JSON report and refuses unknown options', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tabrl-bench-'));
    const json = join(dir, 'bench.json');
    vi.stubEnv('TABRL_AUTOTUNE_CACHE', join(dir, 'autotune.json')); // not the user's cache
    vi.spyOn(console, 'log').mockImplementation(() => {});
    vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      expect(await benchCommand(['--bogus'])).toBe(2);
      // The smallest registry row, to keep the test short on a software adapter.
      expect(await benchCommand(['--quick', '--filter', 'lm_head fwd', '--json', json])).toBe(0);
    } finally {
      vi.restoreAllMocks();
      vi.unstubAllEnvs();
    }
    const report = JSON.parse(readFileSync(json, 'utf8'));
    expect(report.rows.map((r: { name: string }) => r.name)).toEqual(['lm_head fwd']);
    expect(report.adapter).toHaveProperty('isFallbackAdapter');
  });

  it('the tfjs GPT-2 peer computes our loss on the same weights and tokens (equal work)', async () => {
    const rt = await testRuntime();
    const peer = await createTfjsPeer(rt, await nodeGpu());
    const cfg = modelPreset('smoke');
    const values = initParams(cfg, rng(5));
    const r = rng(6);
    const ids = Array.from({ length: 3 }, () => Array.from({ length: 7 }, () => 2 + Math.floor(r() * 30)));
    const { targets, count } = nextTokenTargets(ids);
    const model = GpuModel.load(rt, cfg, values);
    const step = tfjsGpt2TrainStep(peer.tf, cfg, values, ids, targets, count, {
      lr: 1e-3,
      beta1: 0.9,
      beta2: 0.999,
      eps: 1e-8,
      maxGradNorm: 1,
    });
    try {
      const ours = await model.lossAndGrads(ids);
      const theirs = await step.step();
      expect(Math.abs(theirs.loss - ours.loss), `ours ${ours.loss} tfjs ${theirs.loss}`).toBeLessThan(1e-4);
      let sq = 0;
      for (const g of ours.grads.values()) for (const x of g) sq += x * x;
      expect(theirs.gradNorm).toBeCloseTo(Math.sqrt(sq), 3);
    } finally {
      step.dispose();
      model.dispose();
      peer.dispose();
    }
  });
});
