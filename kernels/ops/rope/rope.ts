/**
 * Rotary position embedding as HF Llama and Qwen2 apply it (`rotate_half`, inv_freq = theta^(-2i/D)),
 * on q [B,T,H,D] or k [B,T,Hkv,D] with one position per (batch, time) row, so left-padded and
 * KV-cached rows carry their own positions. inv_freq is computed on the host in float32 exactly as
 * transformers does and passed in the uniform; no rope scaling variants (llama3, yarn) yet.
 */
import { expectShape, makeShader, type Runtime, type Tensor, uniforms } from '../../runtime/index.js';
import src from './rope.wgsl?raw';

const CODE = makeShader(src);
const WG = 64;
const MAX_HEAD_DIM = 256;

export interface RopeOptions {
  /** rope_theta (10000 for Llama 2, 1e6 for Qwen2). */
  theta: number;
}

/** inv_freq[i] = 1 / theta^(2i/D) in float32 arithmetic, as `transformers` computes it. */
export function ropeInvFreq(d: number, theta: number): Float32Array {
  const out = new Float32Array(d / 2);
  for (let i = 0; i < d / 2; i++) out[i] = Math.fround(1 / Math.fround(theta ** Math.fround((2 * i) / d)));
  return out;
}

function rotate(
  rt: Runtime,
  x: Tensor,
  pos: Tensor,
  opts: RopeOptions,
  direction: 1 | -1,
  op: string,
): Tensor {
  expectShape(op, 'x', x, [undefined, undefined, undefined, undefined]);
  const [b, t, h, d] = x.shape;
  if (d % 2 !== 0 || d > MAX_HEAD_DIM)
    throw new Error(`${op}: head dim ${d} must be even and <= ${MAX_HEAD_DIM}`);
  if (pos.size !== b * t || pos.dtype !== 'i32') {
    throw new Error(`${op}: pos must hold ${b * t} i32 positions (one per [B,T] row), got ${pos}`);
  }
  if (!(opts.theta > 0)) throw new Error(`${op}: theta must be positive, got ${opts.theta}`);
  const invFreq = new Float32Array(MAX_HEAD_DIM / 2);
  invFreq.set(ropeInvFreq(d, opts.theta));
  const y = rt.empty([b, t, h, d], direction === 1 ? 'rope.y' : 'rope.dx');
  rt.dispatch({
    kernel: 'rope.rotate',
    code: CODE,
    entry: 'rotate',
    read: [x, pos],
    write: [y],
    uniforms: uniforms()
      .u32(b * t, h, d)
      .f32(direction, ...invFreq),
    workgroups: { linear: Math.ceil((b * t * h * (d / 2)) / WG) },
  });
  return y;
}

/** y [B,T,H,D] = x rotated by pos[b*T + t] * inv_freq. */
export function ropeForward(rt: Runtime, x: Tensor, pos: Tensor, opts: RopeOptions): Tensor {
  return rotate(rt, x, pos, opts, 1, 'ropeForward');
}

/** dx [B,T,H,D] = dy rotated back (the transpose of the forward rotation). */
export function ropeBackward(rt: Runtime, dy: Tensor, pos: Tensor, opts: RopeOptions): Tensor {
  return rotate(rt, dy, pos, opts, -1, 'ropeBackward');
}
