/**
 * What a benchmark case is, and the row it produces. A case allocates its inputs once in `setup`
 * and returns closures that record one run on each side; the harness (`kernels.ts`) does warm-up,
 * interleaving, syncing and statistics, so a new case is only shapes and two calls.
 */
import type { Runtime } from '../kernels/runtime/runtime.js';

/** One line of the report, as `tabrl bench --json` writes it (see docs/DESIGN.md, Contracts). */
export interface BenchRow {
  section: string;
  name: string;
  shape: string;
  ours_ms: number;
  /** The peer's name, or null for rows without one. */
  peer: string | null;
  peer_ms: number | null;
  /** peer_ms / ours_ms: above 1, TabRL is faster. */
  ratio: number | null;
  /** Our throughput, for rows that count floating-point operations. */
  gflops?: number;
  /** Our memory throughput, for memory-bound rows (minimum bytes moved / ours_ms). */
  gbps?: number;
  /** Model rows: tokens processed per second by our side. */
  tokens_per_second?: number;
  /** Model rows: the peer's tokens per second on the same work. */
  peer_tokens_per_second?: number;
  /** Model training rows: GPU dispatches one of our steps records. */
  dispatches?: number;
}

export interface BenchContext {
  rt: Runtime;
  /** tfjs-core on the same device, or null when the peer is off or failed to load. */
  tf: typeof import('@tensorflow/tfjs-core') | null;
}

export interface PreparedCase {
  /** Records one run of our kernels (the harness syncs). */
  ours(): void;
  /** Records one run of the peer's equivalent; absent when the peer has none. */
  peer?: () => void;
  /** Frees what `setup` allocated, on both sides. */
  dispose(): void;
}

export interface BenchCase {
  section: string;
  name: string;
  /** Human-readable operand shapes, e.g. "[3072,128]x[128,512]". */
  shape: string;
  /** Floating-point operations of one run, for the GFLOP/s column. */
  flops?: number;
  /** Minimum bytes one run must read and write, for the GB/s column of memory-bound rows. */
  bytes?: number;
  setup(ctx: BenchContext): PreparedCase;
}
