/**
 * Reductions that stay on the GPU: whole-tensor sum and mean, column sums for bias gradients, the
 * global gradient norm over a list of tensors and the all-finite flag the trainer checks before an
 * update. Each whole-tensor reduction is a short chain of barrier-free `fold` passes (any size works;
 * each pass shrinks the data by FOLD_CHUNK), so nothing is read back until the caller asks.
 */
import type { Runtime } from '../../runtime/runtime.js';
import { makeShader } from '../../runtime/shader.js';
import { expectShape, ShapeError, Tensor } from '../../runtime/tensor.js';
import { uniforms } from '../../runtime/uniforms.js';
import src from './reduce.wgsl?raw';

/** Tensors one `fold_segments` dispatch takes at most (the uniform's segment table). */
export const MAX_SEGMENTS = 64;
const CODE = makeShader(src, { MAX_SEGMENTS });
const WORKGROUP = 64;
/** Values one invocation sums per pass: 1e6 values take 3 passes (1e6 -> 7813 -> 62 -> 1). */
export const FOLD_CHUNK = 128;

/** What `fold` does to each input value and to each partial sum (values match reduce.wgsl). */
export type FoldInput = 'identity' | 'square' | 'nonfinite';
export type FoldOutput = 'identity' | 'sqrt' | 'isZero';

function inputCode(op: FoldInput): number {
  switch (op) {
    case 'identity':
      return 0;
    case 'square':
      return 1;
    case 'nonfinite':
      return 2;
    default:
      return op satisfies never;
  }
}

function outputCode(op: FoldOutput): number {
  switch (op) {
    case 'identity':
      return 0;
    case 'sqrt':
      return 1;
    case 'isZero':
      return 2;
    default:
      return op satisfies never;
  }
}

interface FoldPass {
  src: Tensor;
  n: number;
  dst: Tensor;
  dstOffset: number;
  outputs: number;
  input: FoldInput;
  output: FoldOutput;
  scale: number;
}

function foldPass(rt: Runtime, kernel: string, p: FoldPass): void {
  rt.dispatch({
    kernel,
    code: CODE,
    entry: 'fold',
    read: [p.src],
    write: [p.dst],
    uniforms: uniforms()
      .u32(p.n, p.outputs, FOLD_CHUNK, p.dstOffset, inputCode(p.input), outputCode(p.output))
      .f32(p.scale),
    workgroups: { linear: Math.ceil(p.outputs / WORKGROUP) },
  });
}

/**
 * Folds the first `n` values of `src` down to one value written at `dst[dstOffset]`: `input` applies
 * to the first pass only, `scale` and `output` to the last. Intermediate tensors are disposed.
 */
function foldToScalar(
  rt: Runtime,
  kernel: string,
  source: Tensor,
  n: number,
  input: FoldInput,
  output: FoldOutput,
  scale: number,
  dst: Tensor,
  dstOffset = 0,
): void {
  let cur = source;
  let curN = n;
  let op = input;
  for (;;) {
    const outputs = Math.max(1, Math.ceil(curN / FOLD_CHUNK));
    const last = outputs === 1;
    const target = last ? dst : rt.empty([outputs], `${kernel}.partials`);
    foldPass(rt, kernel, {
      src: cur,
      n: curN,
      dst: target,
      dstOffset: last ? dstOffset : 0,
      outputs,
      input: op,
      output: last ? output : 'identity',
      scale: last ? scale : 1,
    });
    if (cur !== source) cur.dispose();
    if (last) return;
    cur = target;
    curN = outputs;
    op = 'identity';
  }
}

/** Sum of every element of `x` (any shape) -> [1]. */
export function reduceSum(rt: Runtime, x: Tensor): Tensor {
  const out = rt.empty([1], 'reduce.sum');
  foldToScalar(rt, 'reduce.sum', x, x.size, 'identity', 'identity', 1, out);
  return out;
}

/** Mean of every element of `x` (any shape, at least one element) -> [1]. */
export function reduceMean(rt: Runtime, x: Tensor): Tensor {
  if (x.size === 0) throw new ShapeError('reduce.mean', `${x} has no elements`);
  const out = rt.empty([1], 'reduce.mean');
  foldToScalar(rt, 'reduce.mean', x, x.size, 'identity', 'identity', 1 / x.size, out);
  return out;
}

export interface ColumnSumsOptions {
  /** Write into this [C] tensor instead of a new one (it is returned). */
  into?: Tensor;
  /** With `into`: add the sums to its contents instead of overwriting them. */
  accumulate?: boolean;
}

/** Rows one column-sum invocation walks before the partial sums are summed again. */
export const COLUMN_ROW_CHUNK = 64;

/**
 * Column sums of x[N,C] -> [C] (the bias gradient of y = x W + b is columnSums(dy)). Up to
 * COLUMN_ROW_CHUNK rows this is one pass; taller inputs sum row chunks in parallel into [chunks,C]
 * partials first, so a GPU gets N/64 times more invocations than columns.
 */
export function columnSums(rt: Runtime, x: Tensor, options: ColumnSumsOptions = {}): Tensor {
  if (x.shape.length !== 2) throw new ShapeError('reduce.columnSums', `x must be [N,C], got ${x}`);
  const [rows, cols] = x.shape;
  if (options.accumulate && !options.into) {
    throw new ShapeError('reduce.columnSums', 'accumulate needs an `into` tensor to accumulate into');
  }
  const out = options.into ?? rt.empty([cols], 'reduce.columnSums');
  expectShape('reduce.columnSums', 'into', out, [cols]);
  const chunks = Math.max(1, Math.ceil(rows / COLUMN_ROW_CHUNK));
  if (chunks === 1) {
    columnChunkSums(rt, x, out, Math.max(1, rows), Boolean(options.accumulate));
    return out;
  }
  const partials = rt.empty([chunks, cols], 'reduce.columnSums.partials');
  columnChunkSums(rt, x, partials, COLUMN_ROW_CHUNK, false);
  columnSums(rt, partials, { into: out, accumulate: options.accumulate });
  partials.dispose();
  return out;
}

/** One column_sums dispatch: x[N,C] -> dst[ceil(N/rowsPerChunk), C]. */
function columnChunkSums(
  rt: Runtime,
  x: Tensor,
  dst: Tensor,
  rowsPerChunk: number,
  accumulate: boolean,
): void {
  const [rows, cols] = x.shape;
  const colBlocks = Math.ceil(cols / WORKGROUP);
  const chunks = Math.max(1, Math.ceil(rows / rowsPerChunk));
  rt.dispatch({
    kernel: 'reduce.columnSums',
    code: CODE,
    entry: 'column_sums',
    read: [x],
    write: [dst],
    uniforms: uniforms().u32(rows, cols, accumulate ? 1 : 0, rowsPerChunk, colBlocks),
    workgroups: { linear: colBlocks * chunks },
  });
}

/**
 * Folds every tensor of a list into one scratch buffer (first pass per tensor, partials side by
 * side), then folds the scratch down to one value. Tensors that are views into one buffer (packed
 * gradients, kernels/runtime/arena.ts) take their first pass together, one `fold_segments` dispatch
 * per MAX_SEGMENTS of them, summing exactly what per-tensor passes would: the result is bit-identical.
 */
function foldTensorList(
  rt: Runtime,
  kernel: string,
  tensors: readonly Tensor[],
  input: FoldInput,
  output: FoldOutput,
): Tensor {
  if (tensors.length === 0) throw new ShapeError(kernel, 'needs at least one tensor');
  const partialCounts = tensors.map((t) => Math.max(1, Math.ceil(t.size / FOLD_CHUNK)));
  const total = partialCounts.reduce((a, b) => a + b, 0);
  const scratch = rt.empty([total], `${kernel}.partials`);
  const dstOffsets: number[] = [];
  partialCounts.reduce((at, n) => {
    dstOffsets.push(at);
    return at + n;
  }, 0);
  for (let i = 0; i < tensors.length; ) {
    // a run of f32 views into one buffer (at most MAX_SEGMENTS) folds in one dispatch
    let j = i + 1;
    while (
      j < tensors.length &&
      j - i < MAX_SEGMENTS &&
      tensors[j].buffer === tensors[i].buffer &&
      tensors[j].dtype === 'f32' &&
      tensors[i].dtype === 'f32'
    )
      j++;
    if (j - i === 1) {
      foldPass(rt, kernel, {
        src: tensors[i],
        n: tensors[i].size,
        dst: scratch,
        dstOffset: dstOffsets[i],
        outputs: partialCounts[i],
        input,
        output: 'identity',
        scale: 1,
      });
    } else
      foldSegments(rt, kernel, tensors.slice(i, j), partialCounts.slice(i, j), dstOffsets[i], scratch, input);
    i = j;
  }
  const out = rt.empty([1], kernel);
  foldToScalar(rt, kernel, scratch, total, 'identity', output, 1, out);
  scratch.dispose();
  return out;
}

/** One `fold_segments` dispatch over tensors that share a buffer; partials go to dst[dstStart...]. */
function foldSegments(
  rt: Runtime,
  kernel: string,
  tensors: readonly Tensor[],
  outputs: readonly number[],
  dstStart: number,
  dst: Tensor,
  input: FoldInput,
): void {
  const first = tensors[0];
  const align = Math.max(256, rt.limits.minStorageBufferOffsetAlignment);
  const base = Math.floor(Math.min(...tensors.map((t) => t.offset)) / align) * align;
  const end = Math.max(...tensors.map((t) => t.offset + t.byteLength));
  const total = outputs.reduce((a, b) => a + b, 0);
  const u = uniforms().u32(tensors.length, total, FOLD_CHUNK, inputCode(input));
  let at = dstStart;
  for (let s = 0; s < MAX_SEGMENTS; s++) {
    const t = tensors[s];
    if (t) {
      u.u32((t.offset - base) / 4, t.size, outputs[s], at);
      at += outputs[s];
    } else u.u32(0, 0, 1, at);
  }
  // one binding over the span of the buffer the tensors cover
  const src = new Tensor(rt, first.buffer, [(end - base) / 4], 'f32', `${first.label}.span`, base, true);
  rt.dispatch({
    kernel,
    code: CODE,
    entry: 'fold_segments',
    read: [src],
    write: [dst],
    uniforms: u,
    workgroups: { linear: Math.ceil(total / WORKGROUP) },
    shapes: `${tensors.length} tensors in one buffer`,
  });
}

/** sqrt(sum of squares of every element of every tensor) -> [1], on the GPU (for gradient clipping). */
export function globalNorm(rt: Runtime, tensors: readonly Tensor[]): Tensor {
  return foldTensorList(rt, 'reduce.globalNorm', tensors, 'square', 'sqrt');
}

/** 1 when every element of every tensor is finite, else 0 -> [1] (the one flag the trainer reads). */
export function allFinite(rt: Runtime, tensors: readonly Tensor[]): Tensor {
  return foldTensorList(rt, 'reduce.allFinite', tensors, 'nonfinite', 'isZero');
}
