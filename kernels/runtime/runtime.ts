/**
 * The GPU runtime every op dispatches through: a counted buffer pool, a pipeline cache, one command
 * encoder per phase, a uniform arena uploaded once per submission, error scopes that name kernels,
 * optional timestamp profiling and a device-lost hook. Dispatch is synchronous (it only records);
 * errors found by the GPU surface at the next `sync()` or `read()`, labelled with the kernel.
 */
import type { AdapterFacts } from './adapter.js';
import { BufferUsage, MapMode } from './constants.js';
import { PipelineCache } from './pipelines.js';
import { type KernelTiming, TimestampProfiler } from './profiler.js';

export type { DispatchSpec, PendingCheck, RuntimeStats } from './dispatch-types.js';
export type { KernelTiming };

import type { DispatchSpec, PendingCheck, RuntimeStats } from './dispatch-types.js';
import { BufferError, DeviceLostError, formatBytes, formatShape, KernelError } from './errors.js';
import { decodeHost, encodeHost } from './host-data.js';
import { type DType, dtypeBytes, shapeSize, Tensor, type TensorOwner } from './tensor.js';
import type { Uniforms } from './uniforms.js';

const STORAGE_USAGE = BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST;
const ARENA_BYTES = 1 << 18;

export class Runtime implements TensorOwner {
  readonly limits: GPUSupportedLimits;
  /** Workgroups per dispatch above which a linear grid is split (watchdog of weak integrated GPUs). */
  maxWorkgroupsPerDispatch = 1 << 18;
  /**
   * Bytes above which a parameter is stored as row chunks (row-chunks.ts, engine/model/gpu/params.ts):
   * the storage-binding limit. Tests lower it to split micro models; a device cannot be asked for a
   * binding limit below WebGPU's 128 MiB default, so this is the only way to exercise the split path.
   */
  splitBytes: number;
  private readonly pool = new Map<number, GPUBuffer[]>();
  private readonly owned = new Set<GPUBuffer>();
  private readonly pipelineCache: PipelineCache;
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private batchKernels: string[] = [];
  private readonly arena: GPUBuffer;
  private readonly arenaCpu = new ArrayBuffer(ARENA_BYTES);
  private arenaUsed = 0;
  private readonly gridOffsets = new Map<string, number>();
  private readonly uniformAlign: number;
  private checks: PendingCheck[] = [];
  private lostInfo: GPUDeviceLostInfo | null = null;
  private readonly lostListeners: ((err: DeviceLostError) => void)[] = [];
  private readonly counters = {
    created: 0,
    destroyed: 0,
    dispatches: 0,
    submits: 0,
    flops: 0,
    readbacks: 0,
    readbackBytes: 0,
  };
  /** Staging buffers of writes recorded into the open encoder; destroyed once it is submitted. */
  private staging: GPUBuffer[] = [];
  private liveBytes = 0;
  /** The most `liveBytes` has been since creation or the last `resetPeak()`. */
  private peakBytes = 0;
  private profiling: TimestampProfiler | null = null;
  /** The last profiler, kept after profiling stops so its table stays readable. */
  private profiler: TimestampProfiler | null = null;

  constructor(
    readonly device: GPUDevice,
    readonly facts: AdapterFacts,
  ) {
    this.limits = device.limits;
    this.splitBytes = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
    this.pipelineCache = new PipelineCache(device);
    this.uniformAlign = Math.max(256, device.limits.minUniformBufferOffsetAlignment);
    this.arena = device.createBuffer({
      label: 'runtime.uniform-arena',
      size: ARENA_BYTES,
      usage: BufferUsage.UNIFORM | BufferUsage.COPY_DST,
    });
    device.lost.then((info) => {
      this.lostInfo = info;
      const err = new DeviceLostError(info.reason ?? 'unknown', info.message || 'no message');
      for (const l of this.lostListeners) l(err);
    });
  }

  get hasTimestamps(): boolean {
    return this.device.features.has('timestamp-query');
  }

  /** Calls `listener` once if the device is lost; the engine pauses the run and offers a resume. */
  onDeviceLost(listener: (err: DeviceLostError) => void): void {
    this.lostListeners.push(listener);
  }

  get isLost(): boolean {
    return this.lostInfo !== null;
  }

  // ---------------------------------------------------------------- buffers and tensors

  /** A fresh tensor whose contents are undefined (pooled memory); use `zeros` when that matters. */
  empty(shape: readonly number[], label: string, dtype: DType = 'f32'): Tensor {
    const bytes = shapeSize(shape) * dtypeBytes(dtype);
    return new Tensor(this, this.acquire(bytes, label, shape), shape, dtype, label);
  }

  zeros(shape: readonly number[], label: string, dtype: DType = 'f32'): Tensor {
    const t = this.empty(shape, label, dtype);
    this.fill(t);
    return t;
  }

  /** Sets every byte of `t` to zero, in command order. */
  fill(t: Tensor): void {
    this.endPass();
    this.ensureEncoder().clearBuffer(t.buffer, t.offset, Math.ceil(t.byteLength / 4) * 4);
  }

  /** Uploads host data into a new tensor. */
  upload(data: ArrayLike<number>, shape: readonly number[], label: string, dtype: DType = 'f32'): Tensor {
    if (data.length !== shapeSize(shape)) {
      throw new Error(`upload "${label}": ${data.length} values for shape ${formatShape(shape)}`);
    }
    const t = this.empty(shape, label, dtype);
    this.write(t, data);
    return t;
  }

  /**
   * Overwrites `t` with host data, in command order: with nothing recorded, a queue write; with
   * commands recorded, a copy from a mapped staging buffer recorded after them, so earlier commands
   * see the old contents and the phase stays one submission.
   */
  write(t: Tensor, data: ArrayLike<number>): void {
    if (data.length !== t.size)
      throw new Error(`write "${t.label}": ${data.length} values for ${t.size} elements`);
    const host = encodeHost(t.dtype, data);
    if (!this.encoder) {
      this.device.queue.writeBuffer(t.buffer, t.offset, host.buffer, host.byteOffset, host.byteLength);
      return;
    }
    const bytes = Math.ceil(host.byteLength / 4) * 4;
    if (bytes === 0) return;
    const staging = this.device.createBuffer({
      label: `write ${t.label}`,
      size: bytes,
      usage: BufferUsage.COPY_SRC,
      mappedAtCreation: true,
    });
    new Uint8Array(staging.getMappedRange()).set(
      new Uint8Array(host.buffer, host.byteOffset, host.byteLength),
    );
    staging.unmap();
    this.endPass();
    this.encoder.copyBufferToBuffer(staging, 0, t.buffer, t.offset, bytes);
    this.staging.push(staging);
  }

  /**
   * Copies `src` into `dst` in command order, without a kernel: all of it (equal sizes), or with `range`
   * `count` elements from element `srcStart` of `src` to `dstStart` of `dst` (32-bit dtypes only): a
   * piece of a larger tensor.
   */
  copy(src: Tensor, dst: Tensor, range?: { srcStart: number; dstStart: number; count: number }): void {
    let [from, to, bytes] = [src.offset, dst.offset, Math.ceil(src.byteLength / 4) * 4];
    if (!range) {
      if (src.size !== dst.size || src.dtype !== dst.dtype)
        throw new Error(`copy: ${src} into ${dst}: sizes or types differ`);
    } else {
      const { srcStart, dstStart, count } = range;
      if (src.dtype !== dst.dtype || src.dtype === 'f16')
        throw new Error(`copy: ${src} into ${dst}: a range needs one 32-bit dtype`);
      if (srcStart < 0 || dstStart < 0 || srcStart + count > src.size || dstStart + count > dst.size)
        throw new Error(`copy: ${count} elements from ${srcStart} of ${src} to ${dstStart} of ${dst}`);
      [from, to, bytes] = [from + srcStart * 4, to + dstStart * 4, count * 4];
    }
    if (bytes === 0) return;
    this.endPass();
    this.ensureEncoder().copyBufferToBuffer(src.buffer, from, dst.buffer, to, bytes);
  }

  private acquire(bytes: number, label: string, shape: readonly number[]): GPUBuffer {
    this.assertAlive();
    const size = Math.max(256, Math.ceil(bytes / 256) * 256);
    const maxBinding = this.limits.maxStorageBufferBindingSize;
    if (size > maxBinding || size > this.limits.maxBufferSize) {
      throw new BufferError(
        label,
        bytes,
        `shape ${formatShape(shape)} exceeds this adapter's storage-binding limit of ${formatBytes(maxBinding)}; ` +
          'split the tensor or request a device with higher limits',
      );
    }
    const free = this.pool.get(size);
    const reused = free?.pop();
    if (reused) return reused;
    this.device.pushErrorScope('out-of-memory');
    this.device.pushErrorScope('validation');
    const buffer = this.device.createBuffer({ label, size, usage: STORAGE_USAGE });
    const validation = this.device.popErrorScope();
    const oom = this.device.popErrorScope();
    this.checks.push({
      what: `buffer "${label}" ${formatShape(shape)} (${formatBytes(size)})`,
      promise: Promise.all([validation, oom]).then(([v, o]) => (v ?? o)?.message ?? null),
    });
    this.owned.add(buffer);
    this.counters.created++;
    this.liveBytes += size;
    this.peakBytes = Math.max(this.peakBytes, this.liveBytes);
    return buffer;
  }

  releaseBuffer(buffer: GPUBuffer): void {
    if (!this.owned.has(buffer)) return;
    const list = this.pool.get(buffer.size);
    if (list) list.push(buffer);
    else this.pool.set(buffer.size, [buffer]);
  }

  /** Destroys every pooled (free) buffer. Live tensors are untouched. */
  trim(): void {
    for (const list of this.pool.values()) {
      for (const b of list) this.destroyBuffer(b);
    }
    this.pool.clear();
  }

  private destroyBuffer(b: GPUBuffer): void {
    if (!this.owned.delete(b)) return;
    this.counters.destroyed++;
    this.liveBytes -= b.size;
    b.destroy();
  }

  stats(): RuntimeStats {
    let pooledBuffers = 0;
    let pooledBytes = 0;
    for (const list of this.pool.values()) {
      pooledBuffers += list.length;
      for (const b of list) pooledBytes += b.size;
    }
    return {
      liveBuffers: this.owned.size,
      liveBytes: this.liveBytes,
      peakBytes: this.peakBytes,
      pooledBuffers,
      pooledBytes,
      buffersCreated: this.counters.created,
      buffersDestroyed: this.counters.destroyed,
      dispatches: this.counters.dispatches,
      submits: this.counters.submits,
      flops: this.counters.flops,
      readbacks: this.counters.readbacks,
      readbackBytes: this.counters.readbackBytes,
      pipelines: this.pipelineCache.size,
    };
  }

  /** Starts a new peak: `stats().peakBytes` becomes the bytes held now (call `trim()` first to drop the pool). */
  resetPeak(): void {
    this.peakBytes = this.liveBytes;
  }

  /** The cached pipeline for a kernel; compile errors are reported, labelled, at the next sync. */
  pipeline(spec: DispatchSpec): GPUComputePipeline {
    return this.pipelineCache.get(spec, (check) => this.checks.push(check));
  }

  // ---------------------------------------------------------------- recording and submission

  private ensureEncoder(): GPUCommandEncoder {
    this.assertAlive();
    this.encoder ??= this.device.createCommandEncoder({ label: 'tabrl phase' });
    return this.encoder;
  }

  private endPass(): void {
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
  }

  private alignedUniformBytes(bytes: number): number {
    return Math.ceil(bytes / this.uniformAlign) * this.uniformAlign;
  }

  private allocUniform(u: Uniforms | { base: number; end: number }): number {
    const isGrid = !('byteLength' in u);
    const gridKey = isGrid ? `${u.base}/${u.end}` : '';
    if (isGrid) {
      const known = this.gridOffsets.get(gridKey);
      if (known !== undefined) return known;
    }
    const bytes = isGrid ? 16 : u.byteLength;
    const offset = this.arenaUsed;
    if (offset + bytes > ARENA_BYTES)
      throw new Error('uniform arena overflow (dispatch did not reserve space)');
    const view = new DataView(this.arenaCpu);
    if (isGrid) {
      view.setUint32(offset, u.base, true);
      view.setUint32(offset + 4, u.end, true);
      this.gridOffsets.set(gridKey, offset);
    } else u.writeInto(view, offset);
    this.arenaUsed = offset + this.alignedUniformBytes(bytes);
    return offset;
  }

  /** Records one kernel launch (or several, when a linear grid is split). */
  dispatch(spec: DispatchSpec): void {
    const reads = spec.read ?? [];
    const writes = spec.write ?? [];
    for (const t of [...reads, ...writes]) {
      if (t.isDisposed)
        throw new KernelError(spec.kernel, `tensor ${t} was disposed before use`, spec.shapes);
    }
    const pipeline = this.pipeline(spec);
    const { groups } = this.pipelineCache.layoutFor(reads.length, writes.length, Boolean(spec.uniforms));
    const chunks = this.gridChunks(spec);
    const need =
      (spec.uniforms ? this.alignedUniformBytes(spec.uniforms.byteLength) : 0) +
      chunks.length * this.alignedUniformBytes(16);
    if (this.arenaUsed + need > ARENA_BYTES) this.submit();
    const paramsOffset = spec.uniforms ? this.allocUniform(spec.uniforms) : -1;
    const gridOffsets = chunks.map((c) => this.allocUniform(c));
    const entries: GPUBindGroupEntry[] = [...reads, ...writes].map((t, i) => ({
      binding: i,
      resource: { buffer: t.buffer, offset: t.offset, size: Math.ceil(t.byteLength / 4) * 4 },
    }));
    if (spec.uniforms) {
      entries.push({
        binding: entries.length,
        resource: { buffer: this.arena, offset: paramsOffset, size: spec.uniforms.byteLength },
      });
    }
    const bind0 = this.device.createBindGroup({ label: spec.kernel, layout: groups[0], entries });
    this.counters.flops += spec.flops ?? 0;
    for (let i = 0; i < chunks.length; i++) {
      const bind1 = this.device.createBindGroup({
        label: `${spec.kernel} grid`,
        layout: groups[1],
        entries: [{ binding: 0, resource: { buffer: this.arena, offset: gridOffsets[i], size: 16 } }],
      });
      const pass = this.beginPass(spec.kernel);
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bind0);
      pass.setBindGroup(1, bind1);
      const [x, y, z] = chunks[i].grid;
      pass.dispatchWorkgroups(x, y, z);
      if (this.profiling) this.endPass();
      this.counters.dispatches++;
      this.batchKernels.push(spec.kernel);
    }
  }

  private gridChunks(spec: DispatchSpec): { base: number; end: number; grid: [number, number, number] }[] {
    const maxDim = this.limits.maxComputeWorkgroupsPerDimension;
    const w = spec.workgroups;
    if (!('linear' in w)) {
      const x = w[0];
      const y = w[1] ?? 1;
      const z = w[2] ?? 1;
      if (x > maxDim || y > maxDim || z > maxDim) {
        throw new KernelError(
          spec.kernel,
          `grid [${x},${y},${z}] exceeds ${maxDim} workgroups per dimension`,
          spec.shapes ?? describeBindings(spec),
        );
      }
      return [{ base: 0, end: x * y * z, grid: [Math.max(1, x), Math.max(1, y), Math.max(1, z)] }];
    }
    const total = w.linear;
    const out: { base: number; end: number; grid: [number, number, number] }[] = [];
    const chunk = Math.max(1, Math.min(this.maxWorkgroupsPerDispatch, maxDim * maxDim));
    for (let base = 0; base < Math.max(total, 1); base += chunk) {
      const n = Math.min(chunk, Math.max(total, 1) - base);
      const x = Math.min(n, maxDim);
      const y = Math.ceil(n / x);
      out.push({ base, end: base + n, grid: [x, y, 1] });
    }
    return out;
  }

  private beginPass(kernel: string): GPUComputePassEncoder {
    if (this.pass) return this.pass;
    const encoder = this.ensureEncoder();
    if (this.profiling) {
      if (this.profiling.full) {
        this.submit();
        return this.beginPass(kernel);
      }
      this.pass = this.profiling.beginPass(encoder, kernel);
      return this.pass;
    }
    this.pass = encoder.beginComputePass({ label: 'tabrl compute' });
    return this.pass;
  }

  /** Submits everything recorded so far as one command buffer. Does not wait. */
  submit(): void {
    this.endPass();
    if (!this.encoder) return;
    const encoder = this.encoder;
    this.encoder = null;
    const afterSubmit = this.profiling?.beforeSubmit(encoder) ?? null;
    const kernels = this.batchKernels;
    this.batchKernels = [];
    if (this.arenaUsed > 0) {
      this.device.queue.writeBuffer(this.arena, 0, this.arenaCpu, 0, this.arenaUsed);
      this.arenaUsed = 0;
      this.gridOffsets.clear();
    }
    this.device.pushErrorScope('validation');
    this.device.queue.submit([encoder.finish()]);
    const scope = this.device.popErrorScope();
    for (const b of this.staging) b.destroy();
    this.staging = [];
    this.counters.submits++;
    const names = [...new Set(kernels)].join(', ');
    this.checks.push({ what: `submission of [${names}]`, promise: scope.then((e) => e?.message ?? null) });
    afterSubmit?.();
  }

  /** Submits, waits for the GPU, and throws the first labelled error any recorded call produced. */
  async sync(): Promise<void> {
    this.submit();
    const checks = this.checks;
    this.checks = [];
    const results = await Promise.all(checks.map((c) => c.promise));
    const first = results.findIndex((r) => r !== null);
    if (first >= 0) {
      const what = checks[first].what;
      const m = /^kernel "([^"]+)"/.exec(what);
      if (m) throw new KernelError(m[1], results[first] as string);
      throw new KernelError(what, results[first] as string);
    }
    await this.device.queue.onSubmittedWorkDone();
    if (this.lostInfo) throw new DeviceLostError(this.lostInfo.reason ?? 'unknown', this.lostInfo.message);
    await this.profiler?.settle();
  }

  /** Reads tensors back to the host in one submission. */
  async readMany(tensors: readonly Tensor[]): Promise<(Float32Array | Uint32Array | Int32Array)[]> {
    this.endPass();
    const encoder = this.ensureEncoder();
    this.counters.readbacks++;
    const staging = tensors.map((t) => {
      const size = Math.ceil(t.byteLength / 4) * 4;
      this.counters.readbackBytes += size;
      const b = this.device.createBuffer({
        label: `readback ${t.label}`,
        size: Math.max(4, size),
        usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST,
      });
      if (size > 0) encoder.copyBufferToBuffer(t.buffer, t.offset, b, 0, size);
      return b;
    });
    await this.sync();
    const out = await Promise.all(
      staging.map(async (b, i) => {
        await b.mapAsync(MapMode.READ);
        const t = tensors[i];
        const raw = b.getMappedRange().slice(0, Math.ceil(t.byteLength / 4) * 4);
        b.unmap();
        b.destroy();
        return decodeHost(t.dtype, raw, t.size);
      }),
    );
    return out;
  }

  async read(t: Tensor): Promise<Float32Array | Uint32Array | Int32Array> {
    return (await this.readMany([t]))[0];
  }

  /** Reads an f32 tensor, or an f16 one widened to float32. */
  async readF32(t: Tensor): Promise<Float32Array> {
    const out = await this.read(t);
    if (!(out instanceof Float32Array)) throw new Error(`readF32: ${t} is ${t.dtype}`);
    return out;
  }

  // ---------------------------------------------------------------- profiling

  /** Turns per-dispatch timestamp profiling on or off (no-op without `timestamp-query`). */
  setProfiling(on: boolean): void {
    this.submit();
    if (on && !this.profiling && this.hasTimestamps) {
      this.profiler?.destroy();
      this.profiling = new TimestampProfiler(this.device);
      this.profiler = this.profiling;
    } else if (!on) this.profiling = null;
  }

  /** The per-kernel time table, slowest first (profiling.ts). */
  profile(): KernelTiming[] {
    return this.profiler?.rows() ?? [];
  }

  resetProfile(): void {
    this.profiler?.reset();
  }

  private assertAlive(): void {
    if (this.lostInfo) throw new DeviceLostError(this.lostInfo.reason ?? 'unknown', this.lostInfo.message);
  }

  /** Frees every buffer and pipeline; the runtime is unusable afterwards. */
  destroy(): void {
    this.trim();
    for (const b of [...this.owned]) this.destroyBuffer(b);
    this.arena.destroy();
    this.setProfiling(false);
    this.profiler?.destroy();
  }
}

function describeBindings(spec: DispatchSpec): string {
  return [...(spec.read ?? []), ...(spec.write ?? [])]
    .map((t) => `${t.label}${formatShape(t.shape)}`)
    .join(' ');
}
