/**
 * Kernel parameters, packed as 4-byte words in the order the kernel's WGSL `Params` struct declares
 * them. A builder rather than an object so the packing order is visible at the call site.
 */
export class Uniforms {
  private readonly words: number[] = [];
  private readonly kinds: ('u' | 'i' | 'f')[] = [];

  u32(...values: number[]): this {
    for (const v of values) {
      if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new Error(`Uniforms.u32: ${v} is not a u32`);
      this.words.push(v);
      this.kinds.push('u');
    }
    return this;
  }

  i32(...values: number[]): this {
    for (const v of values) {
      if (!Number.isInteger(v)) throw new Error(`Uniforms.i32: ${v} is not an integer`);
      this.words.push(v);
      this.kinds.push('i');
    }
    return this;
  }

  f32(...values: number[]): this {
    for (const v of values) {
      this.words.push(v);
      this.kinds.push('f');
    }
    return this;
  }

  /** Bytes the struct occupies, padded to 16 (uniform structs are 16-byte aligned). */
  get byteLength(): number {
    return Math.max(16, Math.ceil((this.words.length * 4) / 16) * 16);
  }

  writeInto(view: DataView, offset: number): void {
    for (let i = 0; i < this.words.length; i++) {
      const o = offset + i * 4;
      const k = this.kinds[i];
      if (k === 'u') view.setUint32(o, this.words[i], true);
      else if (k === 'i') view.setInt32(o, this.words[i], true);
      else view.setFloat32(o, this.words[i], true);
    }
  }
}

export function uniforms(): Uniforms {
  return new Uniforms();
}
