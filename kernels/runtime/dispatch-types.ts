/** The shapes the Runtime (runtime.ts) takes and reports: a dispatch, its statistics, a pending error check. */
import type { Tensor } from './tensor.js';
import type { Uniforms } from './uniforms.js';

export interface DispatchSpec {
  /** Kernel name used in errors and the profile table, e.g. "matmul.tiled". */
  kernel: string;
  /** Full WGSL (see `makeShader`). */
  code: string;
  entry?: string;
  /** Pipeline-overridable constants. */
  constants?: Record<string, number>;
  /** Read-only storage bindings 0..r-1 of group 0. */
  read?: readonly Tensor[];
  /** Read-write storage bindings r..r+w-1 of group 0. */
  write?: readonly Tensor[];
  /** Uniform `Params` at binding r+w of group 0. */
  uniforms?: Uniforms;
  /**
   * An explicit grid [x, y, z], or `{ linear: n }` workgroups that the runtime may fold into 2-D and
   * split across several dispatches (the kernel calls `flatWorkgroup` and checks `grid.end`).
   */
  workgroups: readonly [number, number?, number?] | { linear: number };
  /** Shapes for error messages, e.g. "a[4,8] b[8,3]". Derived from bindings when absent. */
  shapes?: string;
  /**
   * Floating-point operations the dispatch performs (a multiply-add counts 2), added to `stats().flops`.
   * Matmul and attention set it: they do nearly all of a transformer step's arithmetic.
   */
  flops?: number;
}

export interface RuntimeStats {
  liveBuffers: number;
  /** Bytes of every buffer the runtime holds, in use or pooled. */
  liveBytes: number;
  /** The most `liveBytes` has been since the runtime began or `resetPeak()`. */
  peakBytes: number;
  pooledBuffers: number;
  pooledBytes: number;
  buffersCreated: number;
  buffersDestroyed: number;
  dispatches: number;
  submits: number;
  /** Floating-point operations of the dispatches that count them (`DispatchSpec.flops`: matmul, attention). */
  flops: number;
  /** Host readbacks (`readMany` calls, each one submission and wait) and the bytes they copied. */
  readbacks: number;
  readbackBytes: number;
  pipelines: number;
}

export interface PendingCheck {
  what: string;
  promise: Promise<string | null>;
}
