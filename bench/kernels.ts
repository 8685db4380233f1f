/**
 * The kernel benchmark: every registered case (`cases/index.ts`) timed on our runtime and, where it
 * has one, on the peer (tfjs-backend-webgpu) on the same GPUDevice. Both sides warm up first, then
 * alternate run by run (ours, peer, peer, ours, ...) so a noisy machine hurts both alike; a run is
 * timed from recording to the device going idle (`rt.sync()` / the peer's queue flush), and the
 * median counts. Our kernels are autotuned before timing, so rows show the variant a run would use.
 */
import { autotunerFor } from '../kernels/autotune/autotuner.js';
import type { AdapterFacts } from '../kernels/runtime/adapter.js';
import type { Runtime } from '../kernels/runtime/runtime.js';
import type { BenchCase, BenchContext, BenchRow } from './case.js';
import { BENCH_CASES } from './cases/index.js';
import { createTfjsPeer, type TfjsPeer } from './peers/tfjs.js';

export type { BenchCase, BenchRow } from './case.js';

export interface KernelBenchOptions {
  /** Fewer runs (1 warm-up, 3 timed) for a fast look. */
  quick?: boolean;
  /** Keeps cases whose "section name shape" contains this text. */
  filter?: string;
  /** The cases to run (default: the registry). */
  cases?: readonly BenchCase[];
  /** The peer to compare with; null for none; created (tfjs on `rt.device`) when absent. */
  peer?: TfjsPeer | null;
  /** The `GPU` object handed to tfjs as `navigator.gpu` where there is none (Node). */
  gpu?: GPU;
  /** Receives a line as each row finishes. */
  log?: (line: string) => void;
}

const RUNS = { full: { warmup: 2, timed: 10 }, quick: { warmup: 1, timed: 3 } };

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

async function timeOnce(record: () => void, sync: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  record();
  await sync();
  return performance.now() - t0;
}

export async function runKernelBench(rt: Runtime, options: KernelBenchOptions = {}): Promise<BenchRow[]> {
  const runs = options.quick ? RUNS.quick : RUNS.full;
  const filter = options.filter?.toLowerCase();
  const cases = (options.cases ?? BENCH_CASES).filter(
    (c) => !filter || `${c.section} ${c.name} ${c.shape}`.toLowerCase().includes(filter),
  );
  let peer = options.peer;
  const ownPeer = peer === undefined;
  if (peer === undefined) {
    peer = await createTfjsPeer(rt, options.gpu).catch((err: unknown) => {
      console.warn(`bench: no tfjs peer (${err instanceof Error ? err.message : String(err)})`);
      return null;
    });
  }
  const ctx: BenchContext = { rt, tf: peer?.tf ?? null };
  const rows: BenchRow[] = [];
  try {
    for (const c of cases) {
      const prepared = c.setup(ctx);
      try {
        const ours = () => prepared.ours();
        const oursSync = () => rt.sync();
        const peerRun = peer && prepared.peer ? prepared.peer : null;
        const peerSync = peer ? () => peer.sync() : oursSync;
        for (let i = 0; i < runs.warmup; i++) {
          await timeOnce(ours, oursSync);
          if (i === 0) await autotunerFor(rt).tunePending(); // time the variant a real run would pick
          if (peerRun) await timeOnce(peerRun, peerSync);
        }
        const oursMs: number[] = [];
        const peerMs: number[] = [];
        for (let i = 0; i < runs.timed; i++) {
          const oursFirst = i % 2 === 0;
          if (oursFirst) oursMs.push(await timeOnce(ours, oursSync));
          if (peerRun) peerMs.push(await timeOnce(peerRun, peerSync));
          if (!oursFirst) oursMs.push(await timeOnce(ours, oursSync));
        }
        const ours_ms = median(oursMs);
        const peer_ms = peerRun ? median(peerMs) : null;
        const row: BenchRow = {
          section: c.section,
          name: c.name,
          shape: c.shape,
          ours_ms,
          peer: peerRun && peer ? peer.name : null,
          peer_ms,
          ratio: peer_ms === null ? null : peer_ms / ours_ms,
        };
        if (c.flops) row.gflops = c.flops / ours_ms / 1e6;
        if (c.bytes) row.gbps = c.bytes / ours_ms / 1e6;
        rows.push(row);
        options.log?.(formatRow(row));
      } finally {
        prepared.dispose();
      }
    }
  } finally {
    if (ownPeer) peer?.dispose();
  }
  return rows;
}

/** What `tabrl bench --json` writes (docs/DESIGN.md, Contracts). */
export interface BenchReport {
  adapter: Pick<AdapterFacts, 'vendor' | 'architecture' | 'description' | 'isFallbackAdapter'>;
  rows: BenchRow[];
}

export function benchReport(facts: AdapterFacts, rows: BenchRow[]): BenchReport {
  const { vendor, architecture, description, isFallbackAdapter } = facts;
  return { adapter: { vendor, architecture, description, isFallbackAdapter }, rows };
}

const COLUMNS: [string, (r: BenchRow) => string][] = [
  ['section', (r) => r.section],
  ['name', (r) => r.name],
  ['shape', (r) => r.shape],
  ['ours ms', (r) => r.ours_ms.toFixed(2)],
  ['peer', (r) => r.peer ?? '-'],
  ['peer ms', (r) => (r.peer_ms === null ? '-' : r.peer_ms.toFixed(2))],
  ['ratio', (r) => (r.ratio === null ? '-' : `${r.ratio.toFixed(2)}x`)],
  ['GFLOP/s', (r) => (r.gflops === undefined ? '-' : r.gflops.toFixed(2))],
  ['GB/s', (r) => (r.gbps === undefined ? '-' : r.gbps.toFixed(2))],
  ['tokens/s', (r) => (r.tokens_per_second === undefined ? '-' : r.tokens_per_second.toFixed(0))],
];

function formatRow(r: BenchRow): string {
  return COLUMNS.map(([h, f]) => `${h}=${f(r)}`).join(' ');
}

/** The rows as an aligned text table, or a Markdown table. */
export function formatTable(rows: readonly BenchRow[], style: 'text' | 'markdown' = 'text'): string {
  const cells = rows.map((r) => COLUMNS.map(([, f]) => f(r)));
  const heads = COLUMNS.map(([h]) => h);
  if (style === 'markdown') {
    const line = (xs: string[]) => `| ${xs.join(' | ')} |`;
    return [line(heads), line(heads.map((_, i) => (i >= 3 ? '---:' : '---'))), ...cells.map(line)].join('\n');
  }
  const widths = heads.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (xs: string[]) =>
    xs.map((x, i) => (i >= 3 ? x.padStart(widths[i]) : x.padEnd(widths[i]))).join('  ');
  return [line(heads), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}
