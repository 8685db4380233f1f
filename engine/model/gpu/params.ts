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
 * Every set is packed (kernels/runtime/arena.ts): its tensors are views into a few large buffers, laid
 * out alike for a model's parameters, gradients and moments, so AdamW, zeroing and the gradient norm
 * run as one dispatch per buffer rather than one per tensor.
 */
import { type ArenaMember, type PackedTensors, packTensors } from '../../../kernels/runtime/arena.js';
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
    /** The buffers the tensors are views into. */
    readonly packed: PackedTensors,
    /** A view shares another set's tensors: disposing it frees nothing. */
    private readonly isView = false,
  ) {}

  /** Packs `members` (spec order, chunks in order) and hands each spec its views. */
  private static packed(
    rt: Runtime,
    config: ModelConfig,
    specs: ParamSpec[],
    members: { name: string; member: ArenaMember }[],
    label: string,
  ): GpuParams {
    const packed = packTensors(
      rt,
      members.map((m) => m.member),
      label,
    );
    const parts = new Map<string, Tensor[]>();
    members.forEach((m, i) => {
      const list = parts.get(m.name) ?? [];
      list.push(packed.views[i]);
      parts.set(m.name, list);
    });
    return new GpuParams(rt, config, specs, parts, packed);
  }

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
    const members: { name: string; member: ArenaMember }[] = [];
    const data: ArrayLike<number>[] = [];
    for (const s of specs) {
      const v = values.get(s.name);
      if (!v) throw new Error(`parameter ${s.name} missing`);
      const size = s.shape.reduce((a, b) => a * b, 1);
      if (v.length !== size)
        throw new Error(`parameter ${s.name} has ${v.length} values, shape [${s.shape}] needs ${size}`);
      const dtype: DType = options.frozenWeights === 'f16' && halfEligible(s) && fitsF16(v) ? 'f16' : 'f32';
      const shapes = splittable.has(s.name) ? chunkShapes(rt, s.shape, dtype) : [s.shape];
      let at = 0;
      for (const [i, shape] of shapes.entries()) {
        const n = shape.reduce((a, b) => a * b, 1);
        const label = shapes.length > 1 ? `${s.name}#${i}` : s.name;
        members.push({ name: s.name, member: { shape, dtype, label } });
        data.push(sliceValues(v, at, at + n));
        at += n;
      }
    }
    const out = GpuParams.packed(rt, config, specs, members, 'params');
    out.list().forEach((t, i) => {
      rt.write(t, data[i]);
    });
    return out;
  }

  /** Zero f32 tensors of the same names, shapes and chunks (gradients, Adam moments). */
  static zerosLike(other: GpuParams, suffix: string): GpuParams {
    const members = other.specs.flatMap((s) =>
      other.chunks(s.name).map((t) => ({
        name: s.name,
        member: { shape: t.shape, dtype: 'f32' as DType, label: `${t.label}${suffix}` },
      })),
    );
    return GpuParams.packed(other.rt, other.config, other.specs, members, `params${suffix}`);
  }

  /** The same tensors under a second handle whose `dispose` frees nothing (LoRA's KL reference). */
  static view(other: GpuParams): GpuParams {
    return new GpuParams(other.rt, other.config, other.specs, new Map(other.parts), other.packed, true);
  }

  /** A GPU-side copy (the frozen reference policy). */
  clone(suffix = '.ref'): GpuParams {
    const members = this.specs.flatMap((s) =>
      this.chunks(s.name).map((t) => ({
        name: s.name,
        member: { shape: t.shape, dtype: t.dtype, label: `${t.label}${suffix}` },
      })),
    );
    const out = GpuParams.packed(this.rt, this.config, this.specs, members, `params${suffix}`);
    // same members, same layout: one copy per buffer
    this.packed.arenas.forEach((a, i) => {
      this.rt.copy(a.storage, out.packed.arenas[i].storage);
    });
    return out;
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

  /** Zeroes every tensor: one clear per packed buffer. */
  zero(): void {
    for (const a of this.packed.arenas) this.rt.fill(a.storage);
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
    if (!this.isView) {
      for (const t of this.list()) t.dispose();
      for (const a of this.packed.arenas) a.storage.dispose();
    }
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
