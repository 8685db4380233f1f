/**
 * Element-wise ops (add, mul, mix, scale, in-place axpy, in-place scale by a GPU scalar) with the
 * backward passes that are not trivial. Backward of `add` is the identity (both inputs receive dy)
 * and backward of `scale(x, a)` is `scale(dy, a)`, so those get no kernel of their own.
 */
import type { Runtime } from '../../runtime/runtime.js';
import { makeShader } from '../../runtime/shader.js';
import { expectShape, ShapeError, type Tensor } from '../../runtime/tensor.js';
import { uniforms } from '../../runtime/uniforms.js';
import src from './elementwise.wgsl?raw';

const CODE = makeShader(src);
const WORKGROUP = 64;

function sameSize(op: string, a: Tensor, b: Tensor): void {
  if (a.size !== b.size) throw new ShapeError(op, `${a} and ${b} differ in size`);
}

function grid(n: number) {
  return { linear: Math.ceil(n / WORKGROUP) };
}

function binary(rt: Runtime, entry: 'add' | 'mul' | 'mix', a: Tensor, b: Tensor, alpha = 0): Tensor {
  const kernel = `elementwise.${entry}`;
  sameSize(kernel, a, b);
  const out = rt.empty(a.shape, kernel);
  rt.dispatch({
    kernel,
    code: CODE,
    entry,
    read: [a, b],
    write: [out],
    uniforms: uniforms().u32(a.size).f32(alpha),
    workgroups: grid(a.size),
  });
  return out;
}

/** a + b (equal sizes; the result takes a's shape). Backward: da = db = dy. */
export function add(rt: Runtime, a: Tensor, b: Tensor): Tensor {
  return binary(rt, 'add', a, b);
}

/** a * b element-wise (equal sizes; the result takes a's shape). */
export function mul(rt: Runtime, a: Tensor, b: Tensor): Tensor {
  return binary(rt, 'mul', a, b);
}

/**
 * (1 − alpha)·a + alpha·b element-wise in float32 (equal sizes; a's shape): guidance's logit mixing
 * (docs/ALGORITHMS.md "Guidance at inference") and the Try panel's weight interpolation. alpha = 0
 * gives a exactly (finite inputs). No backward: nothing trains through it.
 */
export function mix(rt: Runtime, a: Tensor, b: Tensor, alpha: number): Tensor {
  return binary(rt, 'mix', a, b, alpha);
}

/** Backward of mul: da = dy * b, db = dy * a. */
export function mulBackward(rt: Runtime, dy: Tensor, a: Tensor, b: Tensor): { da: Tensor; db: Tensor } {
  sameSize('elementwise.mulBackward', dy, a);
  sameSize('elementwise.mulBackward', dy, b);
  const da = rt.empty(a.shape, 'elementwise.mulBackward.da');
  const db = rt.empty(b.shape, 'elementwise.mulBackward.db');
  rt.dispatch({
    kernel: 'elementwise.mulBackward',
    code: CODE,
    entry: 'mul_backward',
    read: [dy, a, b],
    write: [da, db],
    uniforms: uniforms().u32(dy.size).f32(0),
    workgroups: grid(dy.size),
  });
  return { da, db };
}

/** alpha * x as a new tensor. Backward: dx = scale(dy, alpha). */
export function scale(rt: Runtime, x: Tensor, alpha: number): Tensor {
  const out = rt.empty(x.shape, 'elementwise.scale');
  rt.dispatch({
    kernel: 'elementwise.scale',
    code: CODE,
    entry: 'scale',
    read: [x],
    write: [out],
    uniforms: uniforms().u32(x.size).f32(alpha),
    workgroups: grid(x.size),
  });
  return out;
}

/** y += alpha * x in place (gradient accumulation, residual adds). Backward: dy passes, dx = alpha*dy. */
export function addScaled(rt: Runtime, y: Tensor, x: Tensor, alpha: number): void {
  sameSize('elementwise.addScaled', y, x);
  rt.dispatch({
    kernel: 'elementwise.addScaled',
    code: CODE,
    entry: 'add_scaled',
    read: [x],
    write: [y],
    uniforms: uniforms().u32(y.size).f32(alpha),
    workgroups: grid(y.size),
  });
}

/** x *= factor[0] in place, the factor read on the GPU (gradient clipping without a readback). */
export function scaleInPlaceBy(rt: Runtime, x: Tensor, factor: Tensor): void {
  expectShape('elementwise.scaleInPlaceBy', 'factor', factor, [1]);
  rt.dispatch({
    kernel: 'elementwise.scaleInPlaceBy',
    code: CODE,
    entry: 'scale_by_scalar',
    read: [factor],
    write: [x],
    uniforms: uniforms().u32(x.size).f32(0),
    workgroups: grid(x.size),
  });
}
