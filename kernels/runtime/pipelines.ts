/**
 * Compute pipelines and their layouts, built once per kernel source, entry point, binding counts and
 * overrides. Layouts are explicit (read-only storage, storage, uniform Params in group 0; the runtime's
 * grid uniform in group 1), so entry points that share a file never disagree about bindings.
 */
import { ShaderStage } from './constants.js';
import type { DispatchSpec, PendingCheck } from './dispatch-types.js';

export class PipelineCache {
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  private readonly layouts = new Map<string, { groups: GPUBindGroupLayout[]; layout: GPUPipelineLayout }>();

  constructor(private readonly device: GPUDevice) {}

  get size(): number {
    return this.pipelines.size;
  }

  layoutFor(nRead: number, nWrite: number, hasUniform: boolean) {
    const key = `${nRead}/${nWrite}/${hasUniform}`;
    let entry = this.layouts.get(key);
    if (!entry) {
      const entries: GPUBindGroupLayoutEntry[] = [];
      for (let i = 0; i < nRead + nWrite; i++) {
        entries.push({
          binding: i,
          visibility: ShaderStage.COMPUTE,
          buffer: { type: i < nRead ? 'read-only-storage' : 'storage' },
        });
      }
      if (hasUniform) {
        entries.push({
          binding: nRead + nWrite,
          visibility: ShaderStage.COMPUTE,
          buffer: { type: 'uniform' },
        });
      }
      const g0 = this.device.createBindGroupLayout({ label: `layout ${key}`, entries });
      const g1 = this.device.createBindGroupLayout({
        label: 'layout grid',
        entries: [{ binding: 0, visibility: ShaderStage.COMPUTE, buffer: { type: 'uniform' } }],
      });
      const layout = this.device.createPipelineLayout({
        label: `pipeline layout ${key}`,
        bindGroupLayouts: [g0, g1],
      });
      entry = { groups: [g0, g1], layout };
      this.layouts.set(key, entry);
    }
    return entry;
  }

  /** The cached pipeline for a kernel; its compile check goes to `report`, awaited at the next sync. */
  get(spec: DispatchSpec, report: (check: PendingCheck) => void): GPUComputePipeline {
    const entry = spec.entry ?? 'main';
    const nRead = spec.read?.length ?? 0;
    const nWrite = spec.write?.length ?? 0;
    const key = `${spec.kernel}\u0000${entry}\u0000${nRead}/${nWrite}/${Boolean(spec.uniforms)}\u0000${JSON.stringify(spec.constants ?? {})}\u0000${spec.code}`;
    const cached = this.pipelines.get(key);
    if (cached) return cached;
    const { layout } = this.layoutFor(nRead, nWrite, Boolean(spec.uniforms));
    this.device.pushErrorScope('validation');
    const module = this.device.createShaderModule({ label: spec.kernel, code: spec.code });
    const pipeline = this.device.createComputePipeline({
      label: spec.kernel,
      layout,
      compute: { module, entryPoint: entry, constants: spec.constants },
    });
    const scope = this.device.popErrorScope();
    const info = module.getCompilationInfo();
    report({
      what: `kernel "${spec.kernel}" entry "${entry}"`,
      promise: Promise.all([scope, info]).then(([err, ci]) => {
        const messages = ci.messages
          .filter((m) => m.type === 'error')
          .map((m) => `line ${m.lineNum}:${m.linePos}: ${m.message}`);
        const problem =
          messages.length > 0 ? `shader compile error: ${messages.join('; ')}` : (err?.message ?? null);
        if (problem) this.pipelines.delete(key); // let a fixed shader or a retry rebuild it
        return problem;
      }),
    });
    this.pipelines.set(key, pipeline);
    return pipeline;
  }
}
