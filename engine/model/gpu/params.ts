/**
 * A model's parameters on the GPU, one tensor per Hugging Face name, plus the gradient and AdamW
 * moment tensors of the same shapes when training. Names and shapes come from `paramSpecs`, so what
 * loads from a checkpoint is exactly what the layers read.
 */
import type { Runtime, Tensor } from '../../../kernels/runtime/index.js';
import type { ModelConfig } from '../config.js';
import { type ParamSpec, paramSpecs } from '../param-names.js';

export class GpuParams {
  private constructor(
    readonly rt: Runtime,
    readonly config: ModelConfig,
    readonly specs: ParamSpec[],
    readonly tensors: Map<string, Tensor>,
  ) {}

  /** Uploads host values (every spec'd name must be present, with the spec'd size). */
  static upload(rt: Runtime, config: ModelConfig, values: ReadonlyMap<string, ArrayLike<number>>): GpuParams {
    const specs = paramSpecs(config);
    const tensors = new Map<string, Tensor>();
    try {
      for (const s of specs) {
        const v = values.get(s.name);
        if (!v) throw new Error(`parameter ${s.name} missing`);
        const size = s.shape.reduce((a, b) => a * b, 1);
        if (v.length !== size)
          throw new Error(`parameter ${s.name} has ${v.length} values, shape [${s.shape}] needs ${size}`);
        tensors.set(s.name, rt.upload(v, s.shape, s.name));
      }
    } catch (err) {
      for (const t of tensors.values()) t.dispose();
      throw err;
    }
    return new GpuParams(rt, config, specs, tensors);
  }

  /** Zero tensors of the same names and shapes (gradients, Adam moments). */
  static zerosLike(other: GpuParams, suffix: string): GpuParams {
    const tensors = new Map<string, Tensor>();
    for (const s of other.specs) tensors.set(s.name, other.rt.zeros(s.shape, `${s.name}${suffix}`));
    return new GpuParams(other.rt, other.config, other.specs, tensors);
  }

  /** A GPU-side copy (the frozen reference policy). */
  clone(suffix = '.ref'): GpuParams {
    const tensors = new Map<string, Tensor>();
    for (const s of this.specs) {
      const t = this.rt.empty(s.shape, `${s.name}${suffix}`);
      this.rt.copy(this.get(s.name), t);
      tensors.set(s.name, t);
    }
    return new GpuParams(this.rt, this.config, this.specs, tensors);
  }

  get(name: string): Tensor {
    const t = this.tensors.get(name);
    if (!t) throw new Error(`no parameter ${name} in this ${this.config.family} model`);
    return t;
  }

  maybe(name: string): Tensor | undefined {
    return this.tensors.get(name);
  }

  list(): Tensor[] {
    return this.specs.map((s) => this.get(s.name));
  }

  zero(): void {
    for (const t of this.tensors.values()) this.rt.fill(t);
  }

  /** Reads every parameter back (one submission). */
  async download(): Promise<Map<string, Float32Array>> {
    const values = await this.rt.readMany(this.list());
    return new Map(this.specs.map((s, i) => [s.name, values[i] as Float32Array]));
  }

  /** Overwrites every parameter from host values. */
  write(values: ReadonlyMap<string, ArrayLike<number>>): void {
    for (const s of this.specs) {
      const v = values.get(s.name);
      if (!v) throw new Error(`parameter ${s.name} missing`);
      this.rt.write(this.get(s.name), v);
    }
  }

  get byteLength(): number {
    let n = 0;
    for (const t of this.tensors.values()) n += t.byteLength;
    return n;
  }

  dispose(): void {
    for (const t of this.tensors.values()) t.dispose();
    this.tensors.clear();
  }
}
