import { describe, expect, it } from 'vitest';
import { testRuntime } from '../testing/gpu.js';
import { BufferError, expectShape, KernelError, makeShader, ShapeError, uniforms } from './index.js';

const AXPY = makeShader(`
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
struct Params { n: u32, a: f32 }
@group(0) @binding(2) var<uniform> params: Params;
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let wg = flatWorkgroup(wid, nwg);
  if (wg >= grid.end) { return; }
  let i = wg * 64u + lid;
  if (i < params.n) { y[i] = params.a * x[i] + y[i]; }
}`);

describe('runtime on a real WebGPU device', () => {
  it('reports adapter facts', async () => {
    const rt = await testRuntime();
    expect(rt.facts.limits.maxStorageBufferBindingSize).toBeGreaterThan(0);
    expect(typeof rt.facts.vendor).toBe('string');
  });

  it('runs a WGSL compute shader and reads its numbers', async () => {
    const rt = await testRuntime();
    const n = 1000;
    const x = rt.upload(
      Array.from({ length: n }, (_, i) => i),
      [n],
      'x',
    );
    const y = rt.upload(
      Array.from({ length: n }, () => 1),
      [n],
      'y',
    );
    rt.dispatch({
      kernel: 'axpy',
      code: AXPY,
      read: [x],
      write: [y],
      uniforms: uniforms().u32(n).f32(2.5),
      workgroups: { linear: Math.ceil(n / 64) },
    });
    const out = await rt.readF32(y);
    for (let i = 0; i < n; i++) expect(out[i]).toBe(2.5 * i + 1);
    x.dispose();
    y.dispose();
  });

  it('splits a linear grid across several dispatches with the same result', async () => {
    const rt = await testRuntime();
    const n = 64 * 37 + 5;
    const x = rt.upload(
      Array.from({ length: n }, (_, i) => i % 7),
      [n],
      'x',
    );
    const y = rt.zeros([n], 'y');
    const before = rt.stats().dispatches;
    rt.maxWorkgroupsPerDispatch = 8;
    try {
      rt.dispatch({
        kernel: 'axpy',
        code: AXPY,
        read: [x],
        write: [y],
        uniforms: uniforms().u32(n).f32(1),
        workgroups: { linear: Math.ceil(n / 64) },
      });
    } finally {
      rt.maxWorkgroupsPerDispatch = 1 << 18;
    }
    expect(rt.stats().dispatches - before).toBe(Math.ceil(Math.ceil(n / 64) / 8));
    const out = await rt.readF32(y);
    for (let i = 0; i < n; i++) expect(out[i]).toBe(i % 7);
    x.dispose();
    y.dispose();
  });

  it('reuses pooled buffers so the live count stays flat', async () => {
    const rt = await testRuntime();
    for (let i = 0; i < 5; i++) rt.zeros([300], 'scratch').dispose();
    const live = rt.stats().liveBuffers;
    for (let i = 0; i < 50; i++) rt.zeros([300], 'scratch').dispose();
    await rt.sync();
    expect(rt.stats().liveBuffers).toBe(live);
  });

  it('names the kernel when a shader does not compile', async () => {
    const rt = await testRuntime();
    const y = rt.zeros([4], 'y');
    rt.dispatch({
      kernel: 'broken',
      code: makeShader('@compute @workgroup_size(1) fn main() { let a: f32 = undefined_thing; }'),
      workgroups: [1],
    });
    const err = await rt.sync().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KernelError);
    expect(String(err)).toContain('broken');
    expect(String(err)).toMatch(/compile error/);
    y.dispose();
    await rt.sync();
  });

  it('refuses a buffer above the storage-binding limit with a labelled error', async () => {
    const rt = await testRuntime();
    const tooMany = Math.floor(rt.limits.maxStorageBufferBindingSize / 4) + 1024;
    expect(() => rt.empty([tooMany], 'huge.embedding')).toThrow(BufferError);
    expect(() => rt.empty([tooMany], 'huge.embedding')).toThrow(/huge\.embedding.*storage-binding limit/);
  });

  it('times every kernel with timestamp queries when the adapter offers them', async () => {
    const rt = await testRuntime();
    if (!rt.hasTimestamps) return; // SwiftShader and most GPUs offer them; a table needs them
    const n = 4096;
    const x = rt.upload(new Float32Array(n).fill(1), [n], 'x');
    const y = rt.zeros([n], 'y');
    rt.resetProfile();
    rt.setProfiling(true);
    for (let i = 0; i < 3; i++) {
      rt.dispatch({
        kernel: 'axpy.profiled',
        code: AXPY,
        read: [x],
        write: [y],
        uniforms: uniforms().u32(n).f32(1),
        workgroups: { linear: n / 64 },
      });
    }
    await rt.sync();
    rt.setProfiling(false);
    const row = rt.profile().find((r) => r.kernel === 'axpy.profiled');
    expect(row?.count).toBe(3);
    expect(row?.totalMs).toBeGreaterThanOrEqual(0);
    expect((await rt.readF32(y))[0]).toBe(3);
    x.dispose();
    y.dispose();
  });

  it('calls the device-lost hook, and refuses work afterwards with a clear error', async () => {
    const { createRuntime } = await import('./index.js');
    const { nodeGpu } = await import('./node-gpu.js');
    const rt = await createRuntime({ gpu: await nodeGpu() });
    const lost = new Promise<Error>((resolve) => rt.onDeviceLost(resolve));
    rt.device.destroy();
    const err = await lost;
    expect(err.message).toMatch(/GPU device lost \(destroyed\)/);
    expect(rt.isLost).toBe(true);
    expect(() => rt.zeros([4], 'after')).toThrow(/device lost/);
  });

  it('refuses a wrong shape before dispatch', async () => {
    const rt = await testRuntime();
    const t = rt.zeros([3, 4], 'a');
    expect(() => expectShape('matmul', 'a', t, [3, 5])).toThrow(ShapeError);
    expect(() => expectShape('matmul', 'a', t, [3, 5])).toThrow('matmul: a must have shape [3,5], got [3,4]');
    t.dispose();
  });
});
