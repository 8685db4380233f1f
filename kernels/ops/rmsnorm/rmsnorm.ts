/**
 * RMSNorm forward/backward over rows of length C (Llama/Qwen2 `*RMSNorm`: no mean, no beta), plus
 * the fused residual form `addRmsnormForward`. As with LayerNorm, the add's backward is the identity:
 * da = db = dsum + dx(rmsnorm), which `rmsnormBackward(..., { dxAccumulate: dsum })` produces in place.
 */
import type { Runtime } from '../../runtime/runtime.js';
import { makeShader } from '../../runtime/shader.js';
import { expectShape, ShapeError, type Tensor } from '../../runtime/tensor.js';
import { uniforms } from '../../runtime/uniforms.js';
import { DEFAULT_NORM_VARIANT, type NormVariant, normRowLaunch } from '../layernorm/layernorm.js';
import { COLUMN_ROW_CHUNK, columnSums } from '../reduce/reduce.js';
import src from './rmsnorm.wgsl?raw';

const CODE = makeShader(src);
const WORKGROUP = 64;
/** Qwen2's rms_norm_eps (Llama checkpoints say 1e-5 or 1e-6; pass the config's value). */
export const RMSNORM_EPS = 1e-6;

export interface RmsnormOptions {
  eps?: number;
  /** Row-kernel shape (see layernorm's NormVariant). */
  variant?: NormVariant;
}

export interface RmsnormOutputs {
  y: Tensor; // [N,C]
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

/** y = x / sqrt(mean(x^2) + eps) * gamma per row of x[N,C]. */
export function rmsnormForward(
  rt: Runtime,
  x: Tensor,
  gamma: Tensor,
  options: RmsnormOptions = {},
): RmsnormOutputs {
  const [rows, cols] = rowsCols('rmsnorm.forward', x);
  expectShape('rmsnorm.forward', 'gamma', gamma, [cols]);
  const y = rt.empty([rows, cols], 'rmsnorm.y');
  const rstd = rt.empty([rows], 'rmsnorm.rstd');
  const launch = normRowLaunch('forward', rows, options.variant ?? DEFAULT_NORM_VARIANT);
  rt.dispatch({
    kernel: `rmsnorm.forward${launch.suffix}`,
    code: CODE,
    entry: launch.entry,
    read: [x, gamma],
    write: [y, rstd],
    uniforms: params(rows, cols, options.eps ?? RMSNORM_EPS, false),
    workgroups: launch.workgroups,
  });
  return { y, rstd };
}

/** sum = a + b (the new residual stream) and y = rmsnorm(sum), in one pass over each row. */
export function addRmsnormForward(
  rt: Runtime,
  a: Tensor,
  b: Tensor,
  gamma: Tensor,
  options: RmsnormOptions = {},
): RmsnormOutputs & { sum: Tensor } {
  const [rows, cols] = rowsCols('rmsnorm.addForward', a);
  expectShape('rmsnorm.addForward', 'b', b, [rows, cols]);
  expectShape('rmsnorm.addForward', 'gamma', gamma, [cols]);
  const sum = rt.empty([rows, cols], 'rmsnorm.sum');
  const y = rt.empty([rows, cols], 'rmsnorm.y');
  const rstd = rt.empty([rows], 'rmsnorm.rstd');
  const launch = normRowLaunch('add_forward', rows, options.variant ?? DEFAULT_NORM_VARIANT);
  rt.dispatch({
    kernel: `rmsnorm.addForward${launch.suffix}`,
    code: CODE,
    entry: launch.entry,
    read: [a, b, gamma],
    write: [sum, y, rstd],
    uniforms: params(rows, cols, options.eps ?? RMSNORM_EPS, false),
    workgroups: launch.workgroups,
  });
  return { sum, y, rstd };
}

export interface RmsnormGradTargets {
  /** [C], accumulated into (+=). */
  dgamma: Tensor;
  /** [N,C]: when given, dx is added into this tensor (e.g. the residual gradient) and it is returned. */
  dxAccumulate?: Tensor;
}

/** Input gradient dx [N,C] (new tensor unless `dxAccumulate`); dgamma accumulates. */
export function rmsnormBackward(
  rt: Runtime,
  dy: Tensor,
  x: Tensor,
  gamma: Tensor,
  rstd: Tensor,
  grads: RmsnormGradTargets,
  options: { variant?: NormVariant } = {},
): Tensor {
  const op = 'rmsnorm.backward';
  const [rows, cols] = rowsCols(op, x);
  expectShape(op, 'dy', dy, [rows, cols]);
  expectShape(op, 'gamma', gamma, [cols]);
  expectShape(op, 'rstd', rstd, [rows]);
  expectShape(op, 'dgamma', grads.dgamma, [cols]);
  if (grads.dxAccumulate) expectShape(op, 'dxAccumulate', grads.dxAccumulate, [rows, cols]);
  const dx = grads.dxAccumulate ?? rt.empty([rows, cols], 'rmsnorm.dx');
  const launch = normRowLaunch('backward_input', rows, options.variant ?? DEFAULT_NORM_VARIANT);
  rt.dispatch({
    kernel: `rmsnorm.backwardInput${launch.suffix}`,
    code: CODE,
    entry: launch.entry,
    read: [dy, x, gamma, rstd],
    write: [dx],
    uniforms: params(rows, cols, 0, Boolean(grads.dxAccumulate)),
    workgroups: launch.workgroups,
  });
  // Parameter gradient: row chunks in parallel; several chunks' partials are then summed into place.
  const colBlocks = Math.ceil(cols / WORKGROUP);
  const chunks = Math.max(1, Math.ceil(rows / COLUMN_ROW_CHUNK));
  const single = chunks === 1;
  const dgammaOut = single ? grads.dgamma : rt.empty([chunks, cols], 'rmsnorm.dgamma.partials');
  rt.dispatch({
    kernel: 'rmsnorm.backwardParams',
    code: CODE,
    entry: 'backward_params',
    read: [dy, x, rstd],
    write: [dgammaOut],
    uniforms: params(rows, cols, 0, single, single ? rows : COLUMN_ROW_CHUNK, colBlocks),
    workgroups: { linear: colBlocks * chunks },
  });
  if (!single) {
    columnSums(rt, dgammaOut, { into: grads.dgamma, accumulate: true });
    dgammaOut.dispose();
  }
  return dx;
}
