/**
 * SwiGLU, the gated MLP activation of Llama and Qwen2 (Shazeer 2002.05202): out = silu(gate) * up,
 * where gate and up are the two [N,F] projections of the same input. Backward gives dgate and dup;
 * standalone silu (with backward) is here too because it is the same math.
 */
import type { Runtime } from '../../runtime/runtime.js';
import { makeShader } from '../../runtime/shader.js';
import { expectShape, ShapeError, type Tensor } from '../../runtime/tensor.js';
import { uniforms } from '../../runtime/uniforms.js';
import src from './swiglu.wgsl?raw';

const CODE = makeShader(src);
const WORKGROUP = 64;

function grid(n: number) {
  return { linear: Math.ceil(n / WORKGROUP) };
}

/** silu(gate) * up for gate, up [N,F] (any equal shapes). */
export function swigluForward(rt: Runtime, gate: Tensor, up: Tensor): Tensor {
  expectShape('swiglu.forward', 'up', up, gate.shape);
  const out = rt.empty(gate.shape, 'swiglu.out');
  rt.dispatch({
    kernel: 'swiglu.forward',
    code: CODE,
    entry: 'forward',
    read: [gate, up],
    write: [out],
    uniforms: uniforms().u32(gate.size),
    workgroups: grid(gate.size),
  });
  return out;
}

/** dgate = dy * up * silu'(gate), dup = dy * silu(gate) (new tensors). */
export function swigluBackward(
  rt: Runtime,
  dy: Tensor,
  gate: Tensor,
  up: Tensor,
): { dgate: Tensor; dup: Tensor } {
  expectShape('swiglu.backward', 'up', up, gate.shape);
  expectShape('swiglu.backward', 'dy', dy, gate.shape);
  const dgate = rt.empty(gate.shape, 'swiglu.dgate');
  const dup = rt.empty(gate.shape, 'swiglu.dup');
  rt.dispatch({
    kernel: 'swiglu.backward',
    code: CODE,
    entry: 'backward',
    read: [dy, gate, up],
    write: [dgate, dup],
    uniforms: uniforms().u32(gate.size),
    workgroups: grid(gate.size),
  });
  return { dgate, dup };
}

/** silu(x) = x * sigmoid(x), any shape. */
export function siluForward(rt: Runtime, x: Tensor): Tensor {
  const y = rt.empty(x.shape, 'silu.y');
  rt.dispatch({
    kernel: 'silu.forward',
    code: CODE,
    entry: 'silu_forward',
    read: [x],
    write: [y],
    uniforms: uniforms().u32(x.size),
    workgroups: grid(x.size),
  });
  return y;
}

/** dx = dy * silu'(x). */
export function siluBackward(rt: Runtime, dy: Tensor, x: Tensor): Tensor {
  if (dy.size !== x.size) throw new ShapeError('silu.backward', `dy ${dy} and x ${x} differ in size`);
  const dx = rt.empty(x.shape, 'silu.dx');
  rt.dispatch({
    kernel: 'silu.backward',
    code: CODE,
    entry: 'silu_backward',
    read: [dy, x],
    write: [dx],
    uniforms: uniforms().u32(x.size),
    workgroups: grid(x.size),
  });
  return dx;
}
