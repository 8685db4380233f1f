/**
 * Layout glue: strided block copies (column splits of a fused QKV projection and their gradient
 * concatenation, KV-cache writes, last-time-step slices) and i32 position offsets. Copies move raw
 * 32-bit words, so they are exact for f32, i32 and u32 alike.
 */
import { makeShader, type Runtime, ShapeError, type Tensor, uniforms } from '../../runtime/index.js';
import src from './copy.wgsl?raw';
import offsetSrc from './offset.wgsl?raw';

const COPY = makeShader(src, { U: 'u32', F: 'f32' });
const COPY4 = makeShader(src, { U: 'vec4u', F: 'vec4f' });
const OFFSET = makeShader(offsetSrc);

export interface StridedBlock {
  /** Element offset of the block's first element. */
  offset: number;
  /** Element strides of dimensions 0 and 1 (dimension 2 is contiguous). */
  strides: [number, number];
}

/** dst block (+)= src block, both of extent [n0, n1, n2]. */
export function stridedCopy(
  rt: Runtime,
  source: Tensor,
  from: StridedBlock,
  dest: Tensor,
  to: StridedBlock,
  extent: [number, number, number],
  accumulate = false,
): void {
  const [n0, n1, n2] = extent;
  const last = (b: StridedBlock) => b.offset + (n0 - 1) * b.strides[0] + (n1 - 1) * b.strides[1] + n2 - 1;
  if (n0 * n1 * n2 === 0) return;
  if (last(from) >= source.size || last(to) >= dest.size) {
    throw new ShapeError('stridedCopy', `block [${extent}] runs past ${source} or ${dest}`);
  }
  if (accumulate && dest.dtype !== 'f32')
    throw new ShapeError('stridedCopy', 'accumulate needs an f32 destination');
  // vec4 words when every offset, stride and the row length are multiples of 4 (the buffers'
  // sizes are then too: each runs to its last block's end at least)
  const w = [n2, from.offset, ...from.strides, to.offset, ...to.strides].every((x) => x % 4 === 0) ? 4 : 1;
  rt.dispatch({
    kernel: 'copy.strided',
    code: w === 4 ? COPY4 : COPY,
    entry: 'strided_copy',
    read: [source],
    write: [dest],
    uniforms: uniforms().u32(
      n0,
      n1,
      n2 / w,
      accumulate ? 1 : 0,
      from.offset / w,
      from.strides[0] / w,
      from.strides[1] / w,
      0,
      to.offset / w,
      to.strides[0] / w,
      to.strides[1] / w,
      0,
    ),
    workgroups: { linear: Math.ceil((n0 * n1 * n2) / w / 64) },
    shapes: `${source} -> ${dest} block [${extent}]`,
  });
}

/** Columns [start, start+width) of x [N,S] as a new [N,width] tensor. */
export function sliceColumns(rt: Runtime, x: Tensor, start: number, width: number): Tensor {
  const [n, s] = x.shape;
  if (x.shape.length !== 2 || start + width > s)
    throw new ShapeError('sliceColumns', `columns ${start}+${width} of ${x}`);
  const out = rt.empty([n, width], `${x.label}[:,${start}:${start + width}]`, x.dtype);
  stridedCopy(rt, x, { offset: start, strides: [s, 0] }, out, { offset: 0, strides: [width, 0] }, [
    n,
    1,
    width,
  ]);
  return out;
}

/** Writes (or adds) part [N,width] into columns [start, start+width) of x [N,S]. */
export function writeColumns(rt: Runtime, part: Tensor, x: Tensor, start: number, accumulate = false): void {
  const [n, width] = part.shape;
  const s = x.shape[1];
  if (x.shape.length !== 2 || x.shape[0] !== n || start + width > s) {
    throw new ShapeError('writeColumns', `${part} into columns ${start}.. of ${x}`);
  }
  stridedCopy(
    rt,
    part,
    { offset: 0, strides: [width, 0] },
    x,
    { offset: start, strides: [s, 0] },
    [n, 1, width],
    accumulate,
  );
}

/**
 * Copies `count` time steps of src [B,Ts,X] starting at srcStart into dst [B,Td,X] at dstStart
 * (KV-cache writes, last-step slices).
 */
export function copyTimeSteps(
  rt: Runtime,
  src: Tensor,
  srcStart: number,
  dst: Tensor,
  dstStart: number,
  count: number,
): void {
  const [b, ts, x] = src.shape;
  const [bd, td, xd] = dst.shape;
  if (src.shape.length !== 3 || dst.shape.length !== 3 || b !== bd || x !== xd) {
    throw new ShapeError('copyTimeSteps', `${src} and ${dst} must be [B,T,X] with equal B and X`);
  }
  if (srcStart + count > ts || dstStart + count > td) {
    throw new ShapeError(
      'copyTimeSteps',
      `steps ${srcStart}+${count} of ${src} into ${dstStart}+${count} of ${dst}`,
    );
  }
  stridedCopy(
    rt,
    src,
    { offset: srcStart * x, strides: [ts * x, x] },
    dst,
    { offset: dstStart * x, strides: [td * x, x] },
    [b, count, x],
  );
}

/** out[i] = base[i] + delta for i32 tensors (positions of decode step `delta`). */
export function offsetPositions(rt: Runtime, base: Tensor, delta: number, out?: Tensor): Tensor {
  if (base.dtype !== 'i32') throw new ShapeError('offsetPositions', `base must be i32, got ${base}`);
  const dst = out ?? rt.empty(base.shape, 'positions', 'i32');
  rt.dispatch({
    kernel: 'copy.offsetPositions',
    code: OFFSET,
    read: [base],
    write: [dst],
    uniforms: uniforms().u32(base.size).i32(delta),
    workgroups: { linear: Math.ceil(base.size / 64) },
  });
  return dst;
}
