/**
 * Per-kernel GPU time from timestamp queries: while on, every dispatch gets its own compute pass with
 * begin/end timestamps; at submission the stamps are resolved and read back asynchronously into a
 * table of kernel -> count, total milliseconds. Only used when the adapter offers `timestamp-query`.
 */
import { BufferUsage, MapMode } from './constants.js';

export interface KernelTiming {
  kernel: string;
  count: number;
  totalMs: number;
}

/** Dispatches timed per submission at most; more submit early. */
export const MAX_PROFILED_DISPATCHES = 512;

export class TimestampProfiler {
  private readonly querySet: GPUQuerySet;
  private readonly resolveBuffer: GPUBuffer;
  private used = 0;
  private names: string[] = [];
  private readonly table = new Map<string, KernelTiming>();
  private reads: Promise<void>[] = [];

  constructor(private readonly device: GPUDevice) {
    const count = MAX_PROFILED_DISPATCHES * 2;
    this.querySet = device.createQuerySet({ label: 'profile', type: 'timestamp', count });
    this.resolveBuffer = device.createBuffer({
      label: 'profile resolve',
      size: count * 8,
      usage: BufferUsage.QUERY_RESOLVE | BufferUsage.COPY_SRC,
    });
  }

  get full(): boolean {
    return this.used + 2 > MAX_PROFILED_DISPATCHES * 2;
  }

  /** A compute pass that stamps its start and end for `kernel`. */
  beginPass(encoder: GPUCommandEncoder, kernel: string): GPUComputePassEncoder {
    const i = this.used;
    this.used += 2;
    this.names.push(kernel);
    return encoder.beginComputePass({
      label: kernel,
      timestampWrites: { querySet: this.querySet, beginningOfPassWriteIndex: i, endOfPassWriteIndex: i + 1 },
    });
  }

  /** Records the resolve of this submission's stamps; the table fills once the GPU has run it. */
  beforeSubmit(encoder: GPUCommandEncoder): (() => void) | null {
    if (this.used === 0) return null;
    const bytes = this.used * 8;
    encoder.resolveQuerySet(this.querySet, 0, this.used, this.resolveBuffer, 0);
    const readback = this.device.createBuffer({
      label: 'profile readback',
      size: bytes,
      usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST,
    });
    encoder.copyBufferToBuffer(this.resolveBuffer, 0, readback, 0, bytes);
    const names = this.names;
    this.used = 0;
    this.names = [];
    return () => this.reads.push(this.collect(readback, names));
  }

  /** Waits until every submitted stamp is in the table. */
  async settle(): Promise<void> {
    const reads = this.reads;
    this.reads = [];
    await Promise.all(reads);
  }

  private async collect(buffer: GPUBuffer, names: string[]): Promise<void> {
    await buffer.mapAsync(MapMode.READ);
    const stamps = new BigUint64Array(buffer.getMappedRange().slice(0));
    buffer.unmap();
    buffer.destroy();
    names.forEach((name, i) => {
      const ns = Number(stamps[2 * i + 1] - stamps[2 * i]);
      const row = this.table.get(name) ?? { kernel: name, count: 0, totalMs: 0 };
      row.count++;
      row.totalMs += Math.max(0, ns) / 1e6;
      this.table.set(name, row);
    });
  }

  /** The per-kernel time table, slowest first. */
  rows(): KernelTiming[] {
    return [...this.table.values()].sort((a, b) => b.totalMs - a.totalMs);
  }

  reset(): void {
    this.table.clear();
  }

  destroy(): void {
    this.querySet.destroy();
    this.resolveBuffer.destroy();
  }
}
