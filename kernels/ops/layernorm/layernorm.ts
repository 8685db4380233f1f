/**
 * LayerNorm forward/backward over rows of length C (GPT-2's ln_1, ln_2, ln_f), plus the fused
 * residual form `addLayernormForward` that writes a + b and normalises it in one pass.
 * Gradients of the fused form: the add's backward is the identity, so with dsum the gradient that
 * reaches `sum` from later layers, da = db = dsum + dx(layernorm); pass `dxAccumulate: dsum` to
 * `layernormBackward` (with x = sum) to get exactly that tensor in place.
 */
import type { Runtime } from '../../runtime/runtime.js';
import { makeShader } from '../../runtime/shader.js';
import { expectShape, ShapeError, type Tensor } from '../../runtime/tensor.js';
import { uniforms } from '../../runtime/uniforms.js';
import { COLUMN_ROW_CHUNK, columnSums } from '../reduce/reduce.js';
import src from './layernorm.wgsl?raw';

const CODE = makeShader(src);
const WORKGROUP = 64;
/** GPT-2's layer_norm_epsilon. */
export const LAYERNORM_EPS = 1e-5;

/**
 * Shapes of the row kernels (forward, fused add, input gradient): one invocation per row (no
 * barriers, best on SwiftShader) or one 64-wide workgroup per row with shared-memory sums (best on
 * real GPUs, whose invocations are many and whose barriers are cheap). An autotuner chooses per
 * adapter; the default suits SwiftShader.
 */
export type NormVariant = 'invocationPerRow' | 'workgroupPerRow';
export const NORM_VARIANTS: readonly NormVariant[] = ['invocationPerRow', 'workgroupPerRow'];
export const DEFAULT_NORM_VARIANT: NormVariant = 'invocationPerRow';

/** Entry point, kernel-name suffix and grid of a row kernel under a variant (shared with rmsnorm). */
export function normRowLaunch(entry: string, rows: number, variant: NormVariant) {
  switch (variant) {
    case 'invocationPerRow':
      return { entry, suffix: '', workgroups: { linear: Math.ceil(rows / WORKGROUP) } };
    case 'workgroupPerRow':
      return { entry: `${entry}_wg`, suffix: '.wg', workgroups: { linear: rows } };
    default:
      return variant satisfies never;
  }
}

export interface LayernormOptions {
  eps?: number;
  variant?: NormVariant;
}

export interface LayernormOutputs {
  y: Tensor; // [N,C]
  mean: Tensor; // [N] saved for backward
  rstd: Tensor; // [N] saved for backward
}

function rowsCols(op: string, x: Tensor): [number, number] {
  if (x.shape.length !== 2) throw new ShapeError(op, `x must be [N,C] (reshape [B,T,C] first), got ${x}`);
  return [x.shape[0], x.shape[1]];
}

function params(
  rows: number,
  cols: number,
  eps: number,
  accumulate: boolean,
  rowsPerChunk = rows,
  colBlocks = 1,
) {
  return uniforms()
    .u32(rows, cols)
    .f32(eps)
    .u32(accumulate ? 1 : 0, Math.max(1, rowsPerChunk), colBlocks);
}

/** y = (x - mean) / sqrt(var + eps) * gamma + beta per row of x[N,C]. */
export function layernormForward(
  rt: Runtime,
  x: Tensor,
  gamma: Tensor,
  beta: Tensor,
  options: LayernormOptions = {},
): LayernormOutputs {
  const [rows, cols] = rowsCols('layernorm.forward', x);
  expectShape('layernorm.forward', 'gamma', gamma, [cols]);
  expectShape('layernorm.forward', 'beta', beta, [cols]);
  const y = rt.empty([rows, cols], 'layernorm.y');
  const mean = rt.empty([rows], 'layernorm.mean');
  const rstd = rt.empty([rows], 'layernorm.rstd');
  const launch = normRowLaunch('forward', rows, options.variant ?? DEFAULT_NORM_VARIANT);
  rt.dispatch({
    kernel: `layernorm.forward${launch.suffix}`,
    code: CODE,
    entry: launch.entry,
    read: [x, gamma, beta],
    write: [y, mean, rstd],
    uniforms: params(rows, cols, options.eps ?? LAYERNORM_EPS, false),
    workgroups: launch.workgroups,
  });
  return { y, mean, rstd };
}

/** sum = a + b (the new residual stream) and y = layernorm(sum), in one pass over each row. */
export function addLayernormForward(
  rt: Runtime,
  a: Tensor,
  b: Tensor,
  gamma: Tensor,
  beta: Tensor,
  options: LayernormOptions = {},
): LayernormOutputs & { sum: Tensor } {
  const [rows, cols] = rowsCols('layernorm.addForward', a);
  expectShape('layernorm.addForward', 'b', b, [rows, cols]);
  expectShape('layernorm.addForward', 'gamma', gamma, [cols]);
  expectShape('layernorm.addForward', 'beta', beta, [cols]);
  const sum = rt.empty([rows, cols], 'layernorm.sum');
  const y = rt.empty([rows, cols], 'layernorm.y');
  const mean = rt.empty([rows], 'layernorm.mean');
  const rstd = rt.empty([rows], 'layernorm.rstd');
  const launch = normRowLaunch('add_forward', rows, options.variant ?? DEFAULT_NORM_VARIANT);
  rt.dispatch({
    kernel: `layernorm.addForward${launch.suffix}`,
    code: CODE,
    entry: launch.entry,
    read: [a, b, gamma, beta],
    write: [sum, y, mean, rstd],
    uniforms: params(rows, cols, options.eps ?? LAYERNORM_EPS, false),
    workgroups: launch.workgroups,
  });
  return { sum, y, mean, rstd };
}

export interface LayernormGradTargets {
  /** [C], accumulated into (+=): zero it once per step, not per call. */
  dgamma: Tensor;
  /** [C], accumulated into (+=). */
  dbeta: Tensor;
  /** [N,C]: when given, dx is added into this tensor (e.g. the residual gradient) and it is returned. */
  dxAccumulate?: Tensor;
}

/** Input gradient dx [N,C] (new tensor unless `dxAccumulate`); dgamma, dbeta accumulate. */
export function layernormBackward(
  rt: Runtime,
  dy: Tensor,
  x: Tensor,
  gamma: Tensor,
  mean: Tensor,
  rstd: Tensor,
  grads: LayernormGradTargets,
  options: { variant?: NormVariant } = {},
): Tensor {
  const op = 'layernorm.backward';
  const [rows, cols] = rowsCols(op, x);
  expectShape(op, 'dy', dy, [rows, cols]);
  expectShape(op, 'gamma', gamma, [cols]);
  expectShape(op, 'mean', mean, [rows]);
  expectShape(op, 'rstd', rstd, [rows]);
  expectShape(op, 'dgamma', grads.dgamma, [cols]);
  expectShape(op, 'dbeta', grads.dbeta, [cols]);
  if (grads.dxAccumulate) expectShape(op, 'dxAccumulate', grads.dxAccumulate, [rows, cols]);
  const dx = grads.dxAccumulate ?? rt.empty([rows, cols], 'layernorm.dx');
  const launch = normRowLaunch('backward_input', rows, options.variant ?? DEFAULT_NORM_VARIANT);
  rt.dispatch({
    kernel: `layernorm.backwardInput${launch.suffix}`,
    code: CODE,
    entry: launch.entry,
    read: [dy, x, gamma, mean, rstd],
    write: [dx],
    uniforms: params(rows, cols, 0, Boolean(grads.dxAccumulate)),
    workgroups: launch.workgroups,
  });
  // Parameter gradients: row chunks in parallel; several chunks' partials are then summed into place.
  const colBlocks = Math.ceil(cols / WORKGROUP);
  const chunks = Math.max(1, Math.ceil(rows / COLUMN_ROW_CHUNK));
  const single = chunks === 1;
  const dgammaOut = single ? grads.dgamma : rt.empty([chunks, cols], 'layernorm.dgamma.partials');
  const dbetaOut = single ? grads.dbeta : rt.empty([chunks, cols], 'layernorm.dbeta.partials');
  rt.dispatch({
    kernel: 'layernorm.backwardParams',
    code: CODE,
    entry: 'backward_params',
    read: [dy, x, mean, rstd],
    write: [dgammaOut, dbetaOut],
    uniforms: params(rows, cols, 0, single, single ? rows : COLUMN_ROW_CHUNK, colBlocks),
    workgroups: { linear: colBlocks * chunks },
  });
  if (!single) {
    columnSums(rt, dgammaOut, { into: grads.dgamma, accumulate: true });
    columnSums(rt, dbetaOut, { into: grads.dbeta, accumulate: true });
    dgammaOut.dispose();
    dbetaOut.dispose();
  }
  return dx;
}
