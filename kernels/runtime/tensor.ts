/**
 * A tensor is a typed, shaped window onto a GPUBuffer that the runtime's pool owns. Lifetimes are
 * explicit: `dispose()` returns the buffer to the pool (no finalizers, no GC-driven frees), so a
 * training loop's memory is flat from step to step and the live-buffer count proves it.
 */
import { formatShape } from './errors.js';

/** 'f16': IEEE half, packed two per 32-bit word (runtime/f16.ts); read back as float32. */
export type DType = 'f32' | 'u32' | 'i32' | 'f16';

/** Bytes per element. */
export function dtypeBytes(dtype: DType): number {
  return dtype === 'f16' ? 2 : 4;
}

/** What a tensor needs from its owner; the Runtime implements it. */
export interface TensorOwner {
  releaseBuffer(buffer: GPUBuffer): void;
}

export class Tensor {
  private disposed = false;

  constructor(
    readonly owner: TensorOwner,
    readonly buffer: GPUBuffer,
    readonly shape: readonly number[],
    readonly dtype: DType,
    readonly label: string,
    /** Byte offset into `buffer`; non-zero only for views. */
    readonly offset = 0,
    /** Views share their parent's buffer and never free it. */
    readonly isView = false,
  ) {}

  get size(): number {
    return shapeSize(this.shape);
  }

  get byteLength(): number {
    return this.size * dtypeBytes(this.dtype);
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  /** The same elements under another shape of equal size. Shares the buffer; disposing it is a no-op. */
  reshape(shape: readonly number[]): Tensor {
    if (shapeSize(shape) !== this.size) {
      throw new Error(
        `reshape "${this.label}": ${formatShape(this.shape)} has ${this.size} elements, ${formatShape(shape)} needs ${shapeSize(shape)}`,
      );
    }
    return new Tensor(this.owner, this.buffer, shape, this.dtype, this.label, this.offset, true);
  }

  /**
   * The same buffer under another shape, taking over ownership: this handle becomes disposed and the
   * returned one frees the buffer. For outputs produced in one shape and consumed in another.
   */
  reshapeOwned(shape: readonly number[]): Tensor {
    const view = this.reshape(shape);
    if (this.isView) return view;
    this.disposed = true;
    return new Tensor(this.owner, this.buffer, shape, this.dtype, this.label, this.offset, false);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (!this.isView) this.owner.releaseBuffer(this.buffer);
  }

  toString(): string {
    return `${this.label}${formatShape(this.shape)}:${this.dtype}`;
  }
}

export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Shape check used by every op wrapper before it dispatches: throws a message naming the op. */
export function expectShape(
  op: string,
  name: string,
  t: Tensor,
  shape: readonly (number | undefined)[],
): void {
  const ok = t.shape.length === shape.length && shape.every((d, i) => d === undefined || d === t.shape[i]);
  if (!ok) {
    const want = `[${shape.map((d) => (d === undefined ? '?' : d)).join(',')}]`;
    throw new ShapeError(op, `${name} must have shape ${want}, got ${formatShape(t.shape)}`);
  }
}

export class ShapeError extends Error {
  constructor(
    readonly op: string,
    detail: string,
  ) {
    super(`${op}: ${detail}`);
    this.name = 'ShapeError';
  }
}
