/**
 * Softmax and log-softmax over the last dim of a [N,V] tensor, forward and backward. A row statistic
 * (log-sum-exp, or the backward's row dot) is one invocation per row, the outputs one per element, so
 * neither kernel needs a workgroup barrier; a wide-vocabulary GPU variant would reduce a row per
 * workgroup instead.
 */
import { expectShape, makeShader, type Runtime, type Tensor, uniforms } from '../../runtime/index.js';
import src from './softmax.wgsl?raw';

const CODE = makeShader(src);
const WG = 64;

type SoftmaxMode = 'softmax' | 'log-softmax';

function modeWord(mode: SoftmaxMode): number {
  switch (mode) {
    case 'softmax':
      return 0;
    case 'log-softmax':
      return 1;
    default:
      return mode satisfies never;
  }
}

function rowsOf(op: string, x: Tensor): [number, number] {
  if (x.shape.length !== 2) expectShape(op, 'x', x, [undefined, undefined]);
  return [x.shape[0], x.shape[1]];
}

/** stats[N,2] = (row max m, sum exp(x - m)); the caller disposes it. */
function rowMaxSum(rt: Runtime, x: Tensor): Tensor {
  const [n, v] = rowsOf('rowMaxSum', x);
  const stats = rt.empty([n, 2], 'softmax.stats');
  rt.dispatch({
    kernel: 'softmax.rowMaxSum',
    code: CODE,
    entry: 'rowMaxSum',
    read: [x],
    write: [stats],
    uniforms: uniforms().u32(n, v, 0),
    workgroups: { linear: Math.ceil(n / WG) },
  });
  return stats;
}

function forward(rt: Runtime, x: Tensor, mode: SoftmaxMode): Tensor {
  const [n, v] = rowsOf(`${mode}Forward`, x);
  const stats = rowMaxSum(rt, x);
  const y = rt.empty([n, v], mode === 'softmax' ? 'softmax.y' : 'logSoftmax.y');
  rt.dispatch({
    kernel: 'softmax.normalise',
    code: CODE,
    entry: 'normalise',
    read: [x, stats],
    write: [y],
    uniforms: uniforms().u32(n, v, modeWord(mode)),
    workgroups: { linear: Math.ceil((n * v) / WG) },
  });
  stats.dispose();
  return y;
}

function backward(rt: Runtime, y: Tensor, dy: Tensor, mode: SoftmaxMode): Tensor {
  const op = `${mode}Backward`;
  const [n, v] = rowsOf(op, y);
  expectShape(op, 'dy', dy, [n, v]);
  const s = rt.empty([n], 'softmax.rowDot');
  rt.dispatch({
    kernel: 'softmax.rowDot',
    code: CODE,
    entry: 'rowDot',
    read: [y, dy],
    write: [s],
    uniforms: uniforms().u32(n, v, modeWord(mode)),
    workgroups: { linear: Math.ceil(n / WG) },
  });
  const dx = rt.empty([n, v], 'softmax.dx');
  rt.dispatch({
    kernel: 'softmax.backward',
    code: CODE,
    entry: 'backward',
    read: [y, dy, s],
    write: [dx],
    uniforms: uniforms().u32(n, v, modeWord(mode)),
    workgroups: { linear: Math.ceil((n * v) / WG) },
  });
  s.dispose();
  return dx;
}

/** y[N,V] = softmax(x) over the last dim. */
export function softmaxForward(rt: Runtime, x: Tensor): Tensor {
  return forward(rt, x, 'softmax');
}

/** y[N,V] = log softmax(x) over the last dim. */
export function logSoftmaxForward(rt: Runtime, x: Tensor): Tensor {
  return forward(rt, x, 'log-softmax');
}

/** dx = y * (dy - sum(dy * y)), y the softmax output. */
export function softmaxBackward(rt: Runtime, y: Tensor, dy: Tensor): Tensor {
  return backward(rt, y, dy, 'softmax');
}

/** dx = dy - softmax(x) * sum(dy), y the log-softmax output. */
export function logSoftmaxBackward(rt: Runtime, y: Tensor, dy: Tensor): Tensor {
  return backward(rt, y, dy, 'log-softmax');
}
