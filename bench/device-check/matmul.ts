/**
 * The device check's matmul rows: square products and the default model's training shapes, ours and
 * tfjs-webgpu's `matMul` on the same device. Where the device has 'timestamp-query' each side is timed
 * by the GPU (our runtime's per-dispatch profiler; tfjs's `tf.time().kernelMs`), so submission and
 * fence latency are left out; otherwise by the wall clock from recording to the queue going idle.
 * Each sample records `reps` products in one go (wall time then shares one fence among them) and
 * counts the mean; the row reports the median sample, after warm-ups and autotuning.
 */
import { autotunerFor } from '../../kernels/autotune/autotuner.js';
import { matmul, matmulDims } from '../../kernels/ops/matmul/matmul.js';
import type { Runtime } from '../../kernels/runtime/runtime.js';
import { randn } from '../../kernels/testing/random.js';
import { type MatmulCaseSpec, modelMatmulSpecs } from '../cases/matmul.js';
import { DEFAULT_MODEL } from '../cases/model.js';
import { median } from '../kernels.js';
import type { TfjsPeer } from '../peers/tfjs.js';

export type TimingMethod = 'gpu-timestamps' | 'wall-clock+fence';

export interface MatmulCheckRow {
  name: string;
  shape: string;
  flops: number;
  ours_ms: number;
  ours_gflops: number;
  /** ours_gflops / the device's fp32 peak; null when the device is not in the table. */
  ours_peak_share: number | null;
  peer: string | null;
  peer_ms: number | null;
  peer_gflops: number | null;
  /** peer_ms / ours_ms: above 1, TabRL is faster. */
  ratio: number | null;
}

export interface MatmulCheckOptions {
  /** Edge lengths of the square products n x n x n. */
  square: readonly number[];
  /** Sequences per step (B) of the default model's shapes; its other sizes stay. */
  modelBatch: number;
  /** How many of the default model's 18 shapes to time, in order (18: all). */
  modelShapes: number;
  warmup: number;
  timed: number;
  /** Products per sample: at least 1, chosen by flops (see `repsFor`). */
  repsFlops: number;
  timing: TimingMethod;
  peer: TfjsPeer | null;
  /** fp32 TFLOP/s of the device, or null. */
  peakTflops: number | null;
  log?: (line: string) => void;
}

/** The specs the check times: squares first, then the first `modelShapes` of the default model's training shapes. */
export function matmulCheckSpecs(
  square: readonly number[],
  modelBatch: number,
  modelShapes = 18,
): MatmulCaseSpec[] {
  return [
    ...square.map((n) => ({ name: `square ${n}`, a: [n, n], b: [n, n] })),
    ...modelMatmulSpecs({ ...DEFAULT_MODEL, B: modelBatch })
      .slice(0, modelShapes)
      .map((s) => ({ ...s, name: `default ${s.name}` })),
  ];
}

const fmt = (shape: number[], t?: boolean) => `[${shape.join(',')}]${t ? '^T' : ''}`;

/** Products per sample so one sample does about `target` flops (1 at most sizes in software). */
export function repsFor(flops: number, target: number): number {
  return Math.max(1, Math.min(64, Math.round(target / flops)));
}

export async function runMatmulCheck(rt: Runtime, o: MatmulCheckOptions): Promise<MatmulCheckRow[]> {
  const rows: MatmulCheckRow[] = [];
  for (const spec of matmulCheckSpecs(o.square, o.modelBatch, o.modelShapes)) {
    rows.push(await timeSpec(rt, spec, o));
    const r = rows[rows.length - 1];
    o.log?.(
      `  ${r.name} ${r.shape}: ours ${r.ours_ms.toFixed(3)} ms (${r.ours_gflops.toFixed(1)} GFLOP/s), ` +
        `tfjs ${r.peer_ms?.toFixed(3) ?? '-'} ms, ratio ${r.ratio?.toFixed(2) ?? '-'}`,
    );
  }
  return rows;
}

async function timeSpec(rt: Runtime, spec: MatmulCaseSpec, o: MatmulCheckOptions): Promise<MatmulCheckRow> {
  const { transA = false, transB = false } = spec;
  const d = matmulDims(spec.a, spec.b, transA, transB);
  const flops = 2 * d.batch * d.M * d.N * d.K;
  const reps = repsFor(flops, o.repsFlops);
  const size = (s: number[]) => s.reduce((x, y) => x * y, 1);
  const aData = randn(1, size(spec.a), 0.5);
  const bData = randn(2, size(spec.b), 0.5);
  const a = rt.upload(aData, spec.a, 'check.a');
  const b = rt.upload(bData, spec.b, 'check.b');
  const out = rt.empty(d.outShape, 'check.out');
  const tf = o.peer?.tf;
  const ta = tf?.tensor(Float32Array.from(aData), spec.a);
  const tb = tf?.tensor(Float32Array.from(bData), spec.b);
  const ours = () => {
    for (let i = 0; i < reps; i++) matmul(rt, a, b, { transA, transB, out });
  };
  const peerRun =
    tf && ta && tb
      ? () => {
          for (let i = 0; i < reps; i++) tf.matMul(ta, tb, transA, transB).dispose();
        }
      : null;
  const gpu = o.timing === 'gpu-timestamps';
  const timeOurs = async () => {
    if (!gpu) return wall(ours, () => rt.sync());
    rt.resetProfile();
    ours();
    await rt.sync();
    return rt.profile().reduce((s, r) => s + r.totalMs, 0);
  };
  const timePeer = async (run: () => void) => {
    if (!gpu || !tf) return wall(run, () => o.peer?.sync() ?? Promise.resolve());
    const t = await tf.time(run);
    if (typeof t.kernelMs !== 'number') throw new Error(`tfjs timestamps: ${JSON.stringify(t.kernelMs)}`);
    return t.kernelMs;
  };
  try {
    for (let i = 0; i < o.warmup; i++) {
      await wall(ours, () => rt.sync());
      if (i === 0) await autotunerFor(rt).tunePending(); // the variant a real run would pick
      if (peerRun) await wall(peerRun, () => o.peer?.sync() ?? Promise.resolve());
    }
    if (gpu) rt.setProfiling(true);
    const oursMs: number[] = [];
    const peerMs: number[] = [];
    try {
      for (let i = 0; i < o.timed; i++) {
        const oursFirst = i % 2 === 0; // interleaved, so a noisy machine hurts both alike
        if (oursFirst) oursMs.push((await timeOurs()) / reps);
        if (peerRun) peerMs.push((await timePeer(peerRun)) / reps);
        if (!oursFirst) oursMs.push((await timeOurs()) / reps);
      }
    } finally {
      if (gpu) rt.setProfiling(false);
    }
    const ours_ms = median(oursMs);
    const peer_ms = peerRun ? median(peerMs) : null;
    const ours_gflops = flops / ours_ms / 1e6;
    return {
      name: spec.name,
      shape: `${fmt(spec.a, transA)}x${fmt(spec.b, transB)}`,
      flops,
      ours_ms,
      ours_gflops,
      ours_peak_share: o.peakTflops === null ? null : ours_gflops / (o.peakTflops * 1000),
      peer: peerRun && o.peer ? o.peer.name : null,
      peer_ms,
      peer_gflops: peer_ms === null ? null : flops / peer_ms / 1e6,
      ratio: peer_ms === null ? null : peer_ms / ours_ms,
    };
  } finally {
    for (const t of [a, b, out]) t.dispose();
    ta?.dispose();
    tb?.dispose();
  }
}

async function wall(record: () => void, sync: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  record();
  await sync();
  return performance.now() - t0;
}
