/**
 * matmul: C = op(A) @ op(B) (+ bias[N]) (+ C when accumulating), op being an optional transpose,
 * plain [M,K] x [K,N] or batched [Bt,M,K] x [Bt,K,N], a 2-D operand broadcasting over the batch.
 * Four kernel variants do the same math: `regtile`, `regtile8x4` and `regtile8x8` (a register
 * block of C per invocation, no workgroup memory, no barriers: what SwiftShader favours; bigger
 * blocks load less per flop and spill more) and `shared` (64x64 workgroup tiles staged in shared
 * memory: what GPUs favour). Without an explicit `variant` the runtime's autotuner picks per shape
 * class, starting from `defaultMatmulVariant`.
 * Shapes whose contiguous dimensions are multiples of 4 use vec4 loads; others a checked scalar path.
 * B may be an f16 tensor (frozen LoRA base weights, packed two per word): every variant then reads it
 * through an unpacking loader (matmul-b-f16.wgsl) and keeps its float32 math; the autotuner keys
 * those shapes apart (`.h`), so f16 twins of the four variants are timed on their own.
 */
import { autotunerFor, type TuneJob } from '../../autotune/autotuner.js';
import { formatShape, KernelError } from '../../runtime/errors.js';
import type { Runtime } from '../../runtime/runtime.js';
import { makeShader } from '../../runtime/shader.js';
import { expectShape, ShapeError, type Tensor } from '../../runtime/tensor.js';
import { uniforms } from '../../runtime/uniforms.js';
import bF16 from './matmul-b-f16.wgsl?raw';
import bF32 from './matmul-b-f32.wgsl?raw';
import bScalarF16 from './matmul-b-scalar-f16.wgsl?raw';
import bScalarF32 from './matmul-b-scalar-f32.wgsl?raw';
import blocks from './matmul-blocks.wgsl?raw';
import checkedBody from './matmul-checked.wgsl?raw';
import ioScalar from './matmul-io-scalar.wgsl?raw';
import ioVec4 from './matmul-io-vec4.wgsl?raw';
import regtileBody from './matmul-regtile.wgsl?raw';
import regtile8x4Body from './matmul-regtile8x4.wgsl?raw';
import regtile8x8Body from './matmul-regtile8x8.wgsl?raw';
import sharedBody from './matmul-shared.wgsl?raw';

export const MATMUL_VARIANTS = ['regtile', 'regtile8x4', 'regtile8x8', 'shared'] as const;
export type MatmulVariant = (typeof MATMUL_VARIANTS)[number];

export interface MatmulOptions {
  /** A is stored [K,M] (or [Bt,K,M]) and used transposed. */
  transA?: boolean;
  /** B is stored [N,K] (or [Bt,N,K]) and used transposed. */
  transB?: boolean;
  /** [N], added to every row. */
  bias?: Tensor;
  /** Destination of the output's shape; allocated when absent. */
  out?: Tensor;
  /** out += a@b (+ bias); needs `out`. */
  accumulate?: boolean;
  /** Forces a kernel variant instead of asking the autotuner. */
  variant?: MatmulVariant;
}

/** Everything a dispatch needs, derived from the operand shapes. */
export interface MatmulDims {
  batch: number;
  M: number;
  K: number;
  N: number;
  /** Elements between consecutive batches of A, B, C (0: a 2-D operand broadcast over the batch). */
  strideA: number;
  strideB: number;
  strideC: number;
  transA: boolean;
  transB: boolean;
  /** Every contiguous dimension (A's and B's last, and N) is a multiple of 4: vec4 loads and stores. */
  vec4: boolean;
  outShape: number[];
}

/** Resolves and checks operand shapes; throws a ShapeError naming the mismatch. */
export function matmulDims(
  aShape: readonly number[],
  bShape: readonly number[],
  transA = false,
  transB = false,
): MatmulDims {
  const shapes = `a${formatShape(aShape)}${transA ? '^T' : ''} b${formatShape(bShape)}${transB ? '^T' : ''}`;
  if (aShape.length < 2 || aShape.length > 3 || bShape.length < 2 || bShape.length > 3) {
    throw new ShapeError('matmul', `operands must be 2-D or 3-D (batched), got ${shapes}`);
  }
  if ([...aShape, ...bShape].some((d) => !Number.isInteger(d) || d <= 0)) {
    throw new ShapeError('matmul', `every dimension must be a positive integer, got ${shapes}`);
  }
  const [ra, ca] = aShape.slice(-2);
  const [rb, cb] = bShape.slice(-2);
  const [M, K] = transA ? [ca, ra] : [ra, ca];
  const [Kb, N] = transB ? [cb, rb] : [rb, cb];
  if (K !== Kb) throw new ShapeError('matmul', `inner dimensions differ (${K} vs ${Kb}) in ${shapes}`);
  const batchA = aShape.length === 3 ? aShape[0] : 0;
  const batchB = bShape.length === 3 ? bShape[0] : 0;
  if (batchA && batchB && batchA !== batchB)
    throw new ShapeError('matmul', `batch sizes differ in ${shapes}`);
  const batch = Math.max(batchA, batchB, 1);
  const batched = batchA > 0 || batchB > 0;
  return {
    batch,
    M,
    K,
    N,
    strideA: batchA ? ra * ca : 0,
    strideB: batchB ? rb * cb : 0,
    strideC: M * N,
    transA,
    transB,
    vec4: ca % 4 === 0 && cb % 4 === 0 && N % 4 === 0,
    outShape: batched ? [batch, M, N] : [M, N],
  };
}

interface KernelPlan {
  body: string;
  /** The block of C one workgroup covers. */
  tileM: number;
  tileN: number;
  /** Workgroup-size overrides that give that block. */
  constants: Record<string, number>;
}

/** The kernel a variant runs: the register-tiled ones need vec4-aligned rows, else their checked twin. */
function kernelPlan(variant: MatmulVariant, vec4: boolean): KernelPlan {
  const checked = { body: checkedBody, tileM: 4 * 4, tileN: 16 * 4, constants: { WG_X: 16, WG_Y: 4 } };
  switch (variant) {
    case 'regtile': // 16x4 invocations, 4x4 each (workgroup shape barely matters on SwiftShader)
      return vec4 ? { ...checked, body: regtileBody } : checked;
    case 'regtile8x4': // 8x8 invocations, 8x4 each
      return vec4 ? { body: regtile8x4Body, tileM: 64, tileN: 32, constants: { WG_X: 8, WG_Y: 8 } } : checked;
    case 'regtile8x8': // 8x8 invocations, 8x8 each
      return vec4 ? { body: regtile8x8Body, tileM: 64, tileN: 64, constants: { WG_X: 8, WG_Y: 8 } } : checked;
    case 'shared': // 16x16 invocations, 4x4 each, fixed by the shader's shared tiles
      return { body: sharedBody, tileM: 64, tileN: 64, constants: {} };
    default:
      return variant satisfies never;
  }
}

const shaders = new Map<string, string>();
function shaderFor(body: string, vec4: boolean, halfB: boolean): string {
  const key = `${body}/${vec4}/${halfB}`;
  let code = shaders.get(key);
  if (!code) {
    const loadB = vec4 ? (halfB ? bF16 : bF32) : halfB ? bScalarF16 : bScalarF32;
    code = makeShader(`${loadB}\n${vec4 ? ioVec4 : ioScalar}\n${blocks}\n${body}`);
    shaders.set(key, code);
  }
  return code;
}

/** Records one matmul dispatch; operands and `out` are already checked. */
export function dispatchMatmul(
  rt: Runtime,
  variant: MatmulVariant,
  d: MatmulDims,
  a: Tensor,
  b: Tensor,
  bias: Tensor | undefined,
  out: Tensor,
  accumulate: boolean,
): void {
  const { body, tileM, tileN, constants } = kernelPlan(variant, d.vec4);
  const halfB = b.dtype === 'f16';
  rt.dispatch({
    kernel: `matmul.${variant}${halfB ? '.f16b' : ''}`,
    code: shaderFor(body, d.vec4, halfB),
    constants: { ...constants, TRANS_A: +d.transA, TRANS_B: +d.transB },
    read: [a, b, bias ?? a],
    write: [out],
    uniforms: uniforms().u32(d.M, d.N, d.K, d.strideA, d.strideB, d.strideC, +Boolean(bias), +accumulate),
    workgroups: [Math.ceil(d.N / tileN), Math.ceil(d.M / tileM), d.batch],
    flops: 2 * d.batch * d.M * d.N * d.K,
    shapes: `a${formatShape(a.shape)}${d.transA ? '^T' : ''} b${formatShape(b.shape)}${d.transB ? '^T' : ''} -> ${formatShape(d.outShape)}`,
  });
}

/** The autotuner's key: kernel, rounded log2 of each size, transposes, load width, `.h` for an f16 B. */
export function matmulShapeClass(d: MatmulDims, halfB = false): string {
  const lg = (x: number) => Math.round(Math.log2(x));
  return `matmul/b${lg(d.batch)}.m${lg(d.M)}.k${lg(d.K)}.n${lg(d.N)}.t${+d.transA}${+d.transB}.${d.vec4 ? 'v4' : 's'}${halfB ? '.h' : ''}`;
}

/** What the autotuner times for a shape class: this exact problem on scratch tensors. */
export function matmulTuneJob(
  rt: Runtime,
  d: MatmulDims,
  aShape: readonly number[],
  bShape: readonly number[],
  bType: 'f32' | 'f16' = 'f32',
): TuneJob {
  return {
    key: matmulShapeClass(d, bType === 'f16'),
    variants: MATMUL_VARIANTS,
    prepare() {
      const a = rt.zeros(aShape, 'autotune.a');
      const b = rt.zeros(bShape, 'autotune.b', bType);
      const out = rt.empty(d.outShape, 'autotune.out');
      return {
        run: (variant) => dispatchMatmul(rt, variant as MatmulVariant, d, a, b, undefined, out, false),
        dispose: () => {
          for (const t of [a, b, out]) t.dispose();
        },
      };
    },
  };
}

/** The variant used when the autotuner has not timed a shape class yet. */
export function defaultMatmulVariant(rt: Runtime): MatmulVariant {
  return rt.facts.isSoftware ? 'regtile8x8' : 'shared';
}

/** [M,N] = op(a) @ op(b) (+ bias) (+ out), or [Bt,M,N] when either operand is batched. */
export function matmul(rt: Runtime, a: Tensor, b: Tensor, opts: MatmulOptions = {}): Tensor {
  const d = matmulDims(a.shape, b.shape, opts.transA, opts.transB);
  if (a.dtype !== 'f32' || (b.dtype !== 'f32' && b.dtype !== 'f16') || (opts.out && opts.out.dtype !== 'f32'))
    throw new ShapeError('matmul', `a and out must be f32 and b f32 or f16, got a:${a.dtype} b:${b.dtype}`);
  if (opts.bias) expectShape('matmul', 'bias', opts.bias, [d.N]);
  if (opts.accumulate && !opts.out)
    throw new ShapeError('matmul', 'accumulate needs an `out` tensor to add into');
  if (opts.out) {
    expectShape('matmul', 'out', opts.out, d.outShape);
    if (
      opts.out.buffer === a.buffer ||
      opts.out.buffer === b.buffer ||
      opts.out.buffer === opts.bias?.buffer
    ) {
      throw new KernelError(
        'matmul',
        'out must not share a buffer with an input',
        `out${formatShape(opts.out.shape)}`,
      );
    }
  }
  const variant =
    opts.variant ??
    (autotunerFor(rt).select(
      matmulTuneJob(rt, d, a.shape, b.shape, b.dtype === 'f16' ? 'f16' : 'f32'),
      defaultMatmulVariant(rt),
    ) as MatmulVariant);
  const out = opts.out ?? rt.empty(d.outShape, 'matmul.out');
  dispatchMatmul(rt, variant, d, a, b, opts.bias, out, Boolean(opts.accumulate));
  return out;
}
