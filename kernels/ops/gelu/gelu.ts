/**
 * GELU with the tanh approximation (GPT-2's `gelu_new`; exact-erf GELU is not what GPT-2 checkpoints
 * were trained with), forward and backward, plus `biasGelu` (y = gelu(x + bias)) that fuses the MLP's
 * first bias add. Its backward returns dx and accumulates dbias through reduce.columnSums.
 */
import type { Runtime } from '../../runtime/runtime.js';
import { makeShader } from '../../runtime/shader.js';
import { expectShape, ShapeError, type Tensor } from '../../runtime/tensor.js';
import { uniforms } from '../../runtime/uniforms.js';
import { columnSums } from '../reduce/reduce.js';
import src from './gelu.wgsl?raw';

const SCALAR = makeShader(src, { T: 'f32' });
const VEC4 = makeShader(src, { T: 'vec4f' });
const WORKGROUP = 64;

/**
 * Code, uniforms (elements, bias length) and grid for `size` elements in rows of `cols`: the vec4
 * kernels when both are multiples of 4 (counts in vec4 units), else the scalar ones.
 */
function plan(size: number, cols: number) {
  const w = size % 4 === 0 && cols % 4 === 0 ? 4 : 1;
  return {
    code: w === 4 ? VEC4 : SCALAR,
    uniforms: uniforms().u32(size / w, Math.max(1, cols / w)),
    workgroups: { linear: Math.ceil(size / w / WORKGROUP) },
  };
}

/** y = gelu(x), any shape. */
export function geluForward(rt: Runtime, x: Tensor): Tensor {
  const y = rt.empty(x.shape, 'gelu.y');
  rt.dispatch({
    kernel: 'gelu.forward',
    ...plan(x.size, 4),
    entry: 'forward',
    read: [x],
    write: [y],
  });
  return y;
}

/** dx = dy * gelu'(x). */
export function geluBackward(rt: Runtime, dy: Tensor, x: Tensor): Tensor {
  if (dy.size !== x.size) throw new ShapeError('gelu.backward', `dy ${dy} and x ${x} differ in size`);
  const dx = rt.empty(x.shape, 'gelu.dx');
  rt.dispatch({
    kernel: 'gelu.backward',
    ...plan(x.size, 4),
    entry: 'backward',
    read: [dy, x],
    write: [dx],
  });
  return dx;
}

function biasShape(op: string, x: Tensor, bias: Tensor): number {
  if (x.shape.length !== 2) throw new ShapeError(op, `x must be [N,C], got ${x}`);
  const cols = x.shape[1];
  expectShape(op, 'bias', bias, [cols]);
  return cols;
}

/** y = gelu(x + bias) for x[N,C], bias[C]. Keep x (the matmul output without bias) for backward. */
export function biasGeluForward(rt: Runtime, x: Tensor, bias: Tensor): Tensor {
  const cols = biasShape('gelu.biasForward', x, bias);
  const y = rt.empty(x.shape, 'gelu.biasY');
  rt.dispatch({
    kernel: 'gelu.biasForward',
    ...plan(x.size, cols),
    entry: 'bias_forward',
    read: [x, bias],
    write: [y],
  });
  return y;
}

export interface BiasGeluGradTargets {
  /** [C], accumulated into (+=). */
  dbias: Tensor;
}

/** dx = dy * gelu'(x + bias) (new tensor); dbias += column sums of dx. */
export function biasGeluBackward(
  rt: Runtime,
  dy: Tensor,
  x: Tensor,
  bias: Tensor,
  grads: BiasGeluGradTargets,
): Tensor {
  const cols = biasShape('gelu.biasBackward', x, bias);
  expectShape('gelu.biasBackward', 'dy', dy, x.shape);
  expectShape('gelu.biasBackward', 'dbias', grads.dbias, [cols]);
  const dx = rt.empty(x.shape, 'gelu.biasDx');
  rt.dispatch({
    kernel: 'gelu.biasBackward',
    ...plan(x.size, cols),
    entry: 'bias_backward',
    read: [dy, x, bias],
    write: [dx],
  });
  columnSums(rt, dx, { into: grads.dbias, accumulate: true });
  return dx;
}
