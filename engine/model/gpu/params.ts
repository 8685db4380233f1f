/**
 * A model's parameters on the GPU, by Hugging Face name, plus the gradient and AdamW moment tensors of
 * the same shapes when training. Names and shapes come from `paramSpecs`, so what loads from a
 * checkpoint is exactly what the layers read. The token embedding and an untied LM head, when above the
 * runtime's `splitBytes` (the storage-binding limit), are stored as row chunks
 * (kernels/runtime/row-chunks.ts): `chunks(name)` gives them to the ops that take chunks (gather,
 * scatter, head matmul), `get(name)` refuses them, and gradients and moments made by `zerosLike` are
 * chunked the same way, so elementwise updates pair chunk with chunk.
 * `frozenWeights: 'f16'` stores the 2-D weight matrices as packed f16 (frozen LoRA bases: half the
 * bytes; matmul and the embedding gather widen them to f32 on load); norms, biases and GPT-2's position
 * table stay f32, as does a matrix with a value beyond f16's range. Training state is always f32.
 */
import {
  type DType,
  dtypeBytes,
  fitsF16,
  planRowChunks,
  type Runtime,
  type Tensor,
} from '../../../kernels/runtime/index.js';
import type { ModelConfig } from '../config.js';
import { type ParamSpec, paramSpecs, splittableParams } from '../param-names.js';

export interface UploadOptions {
  /** 'f16': weight matrices that never train stored as packed f16 (LoRA bases). Default 'f32'. */
  frozenWeights?: 'f32' | 'f16';
}

/** Matrices that may be stored as f16: every 2-D parameter but GPT-2's position table (small, added in f32). */
function halfEligible(spec: ParamSpec): boolean {
  return spec.shape.length === 2 && spec.name !== 'transformer.wpe.weight';
}

export class GpuParams {
  private constructor(
    readonly rt: Runtime,
    readonly config: ModelConfig,
    readonly specs: ParamSpec[],
    /** Every parameter's tensors: one, or its row chunks in order. */
    private readonly parts: Map<string, Tensor[]>,
    /** A view shares another set's tensors: disposing it frees nothing. */
    private readonly isView = false,
  ) {}

  /** Uploads host values (every spec'd name must be present, with the spec'd size). */
  static upload(
    rt: Runtime,
    config: ModelConfig,
    values: ReadonlyMap<string, ArrayLike<number>>,
    options: UploadOptions = {},
  ): GpuParams {
    return GpuParams.uploadSpecs(rt, config, paramSpecs(config), values, splittableParams(config), options);
  }

  /** Uploads host values for the given specs (LoRA adapters use their own, never split). */
  static uploadSpecs(
    rt: Runtime,
    config: ModelConfig,
    specs: ParamSpec[],
    values: ReadonlyMap<string, ArrayLike<number>>,
    splittable: ReadonlySet<string> = new Set(),
    options: UploadOptions = {},
  ): GpuParams {
    const parts = new Map<string, Tensor[]>();
    try {
      for (const s of specs) {
        const v = values.get(s.name);
        if (!v) throw new Error(`parameter ${s.name} missing`);
        const size = s.shape.reduce((a, b) => a * b, 1);
        if (v.length !== size)
          throw new Error(`parameter ${s.name} has ${v.length} values, shape [${s.shape}] needs ${size}`);
        const dtype: DType = options.frozenWeights === 'f16' && halfEligible(s) && fitsF16(v) ? 'f16' : 'f32';
        const shapes = splittable.has(s.name) ? chunkShapes(rt, s.shape, dtype) : [s.shape];
        let at = 0;
        const list: Tensor[] = [];
        parts.set(s.name, list);
        for (const [i, shape] of shapes.entries()) {
          const n = shape.reduce((a, b) => a * b, 1);
          const label = shapes.length > 1 ? `${s.name}#${i}` : s.name;
          list.push(rt.upload(sliceValues(v, at, at + n), shape, label, dtype));
          at += n;
        }
      }
    } catch (err) {
      for (const list of parts.values()) for (const t of list) t.dispose();
      throw err;
    }
    return new GpuParams(rt, config, specs, parts);
  }

  /** Zero f32 tensors of the same names, shapes and chunks (gradients, Adam moments). */
  static zerosLike(other: GpuParams, suffix: string): GpuParams {
    const parts = new Map<string, Tensor[]>();
    for (const s of other.specs)
      parts.set(
        s.name,
        other.chunks(s.name).map((t) => other.rt.zeros(t.shape, `${t.label}${suffix}`)),
      );
    return new GpuParams(other.rt, other.config, other.specs, parts);
  }

  /** The same tensors under a second handle whose `dispose` frees nothing (LoRA's KL reference). */
  static view(other: GpuParams): GpuParams {
    return new GpuParams(other.rt, other.config, other.specs, new Map(other.parts), true);
  }

  /** A GPU-side copy (the frozen reference policy). */
  clone(suffix = '.ref'): GpuParams {
    const parts = new Map<string, Tensor[]>();
    for (const s of this.specs) {
      parts.set(
        s.name,
        this.chunks(s.name).map((src) => {
          const t = this.rt.empty(src.shape, `${src.label}${suffix}`, src.dtype);
          this.rt.copy(src, t);
          return t;
        }),
      );
    }
    return new GpuParams(this.rt, this.config, this.specs, parts);
  }

  /** The one tensor of a parameter; throws for a split one (ask `chunks`). */
  get(name: string): Tensor {
    const list = this.chunks(name);
    if (list.length > 1) throw splitError(name, list.length);
    return list[0];
  }

  /** Like `get`, but undefined for a name this set does not hold (frozen parameters' gradients). */
  maybe(name: string): Tensor | undefined {
    const list = this.parts.get(name);
    if (list && list.length > 1) throw splitError(name, list.length);
    return list?.[0];
  }

  /** A parameter's row chunks in order (one tensor when it is not split). */
  chunks(name: string): readonly Tensor[] {
    const list = this.parts.get(name);
    if (!list) throw new Error(`no parameter ${name} in this ${this.config.family} model`);
    return list;
  }

  maybeChunks(name: string): readonly Tensor[] | undefined {
    return this.parts.get(name);
  }

  /** True when some parameter is stored as f16 (it cannot be trained in place). */
  get hasHalfWeights(): boolean {
    return this.list().some((t) => t.dtype === 'f16');
  }

  /** Every tensor, chunks included, in spec order. */
  list(): Tensor[] {
    return this.specs.flatMap((s) => this.chunks(s.name));
  }

  zero(): void {
    for (const t of this.list()) this.rt.fill(t);
  }

  /** Reads every parameter back (one submission), chunks joined. */
  async download(): Promise<Map<string, Float32Array>> {
    const values = await this.rt.readMany(this.list());
    const out = new Map<string, Float32Array>();
    let i = 0;
    for (const s of this.specs) {
      const list = this.chunks(s.name);
      if (list.length === 1) out.set(s.name, values[i++] as Float32Array);
      else {
        const joined = new Float32Array(list.reduce((n, t) => n + t.size, 0));
        let at = 0;
        for (const _ of list) {
          const part = values[i++] as Float32Array;
          joined.set(part, at);
          at += part.length;
        }
        out.set(s.name, joined);
      }
    }
    return out;
  }

  /** Overwrites every parameter from host values. */
  write(values: ReadonlyMap<string, ArrayLike<number>>): void {
    for (const s of this.specs) {
      const v = values.get(s.name);
      if (!v) throw new Error(`parameter ${s.name} missing`);
      let at = 0;
      for (const t of this.chunks(s.name)) {
        this.rt.write(t, sliceValues(v, at, at + t.size));
        at += t.size;
      }
    }
  }

  get byteLength(): number {
    return this.list().reduce((n, t) => n + t.byteLength, 0);
  }

  dispose(): void {
    if (!this.isView) for (const t of this.list()) t.dispose();
    this.parts.clear();
  }
}

/** Shapes of a parameter's chunks: row chunks of a 2-D tensor above `rt.splitBytes`, else itself. */
function chunkShapes(rt: Runtime, shape: readonly number[], dtype: DType): (readonly number[])[] {
  const bytes = shape.reduce((a, b) => a * b, 1) * dtypeBytes(dtype);
  if (bytes <= rt.splitBytes || shape.length !== 2) return [shape];
  return planRowChunks(shape[0], shape[1] * dtypeBytes(dtype), rt.splitBytes).map((rows) => [rows, shape[1]]);
}

function sliceValues(v: ArrayLike<number>, start: number, end: number): ArrayLike<number> {
  if (start === 0 && end === v.length) return v;
  const sub = (v as Float32Array).subarray;
  return typeof sub === 'function'
    ? (v as Float32Array).subarray(start, end)
    : Array.from(v).slice(start, end);
}

function splitError(name: string, n: number): Error {
  return new Error(
    `parameter ${name} is stored as ${n} row chunks (it exceeds one storage binding); this op reads it whole`,
  );
}
