/**
 * The ops of the float64 reference model, each a forward loop plus the backward closure it records on
 * the tape. Semantics follow Hugging Face `transformers` (gelu_new, LayerNorm with biased variance,
 * LlamaRMSNorm, rotate_half RoPE, repeat_kv GQA); shapes use kernels/README.md's letters with rows
 * N = B·T. Each backward is checked against central finite differences in ops.test.ts.
 */

import { type Tape, Var } from './autodiff.js';

function backwardOf(out: Var, fn: (g: Float64Array) => void): () => void {
  return () => {
    if (out.grad) fn(out.grad);
  };
}

/** Rows of `table` [V,C] picked by `ids` [N] -> [N,C]. */
export function embedding(tape: Tape, table: Var, ids: ArrayLike<number>): Var {
  const [V, C] = table.shape;
  const N = ids.length;
  const out = new Float64Array(N * C);
  for (let n = 0; n < N; n++) {
    const id = ids[n];
    if (!(id >= 0 && id < V)) throw new Error(`embedding: token id ${id} outside [0, ${V})`);
    out.set(table.data.subarray(id * C, (id + 1) * C), n * C);
  }
  const y = new Var(out, [N, C], 'embedding');
  tape.record(
    backwardOf(y, (g) => {
      const gt = table.gradBuffer();
      for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) gt[ids[n] * C + c] += g[n * C + c];
    }),
  );
  return y;
}

/** x [M,K] · w [K,N] -> [M,N] (GPT-2 Conv1D orientation). */
export function matmul(tape: Tape, x: Var, w: Var): Var {
  const [M, K] = x.shape;
  const [K2, N] = w.shape;
  if (K !== K2) throw new Error(`matmul: [${x.shape}] x [${w.shape}]`);
  const out = new Float64Array(M * N);
  for (let m = 0; m < M; m++)
    for (let k = 0; k < K; k++) {
      const a = x.data[m * K + k];
      for (let n = 0; n < N; n++) out[m * N + n] += a * w.data[k * N + n];
    }
  const y = new Var(out, [M, N], 'matmul');
  tape.record(
    backwardOf(y, (g) => {
      const gx = x.gradBuffer();
      const gw = w.gradBuffer();
      for (let m = 0; m < M; m++)
        for (let k = 0; k < K; k++) {
          let s = 0;
          const a = x.data[m * K + k];
          for (let n = 0; n < N; n++) {
            s += g[m * N + n] * w.data[k * N + n];
            gw[k * N + n] += a * g[m * N + n];
          }
          gx[m * K + k] += s;
        }
    }),
  );
  return y;
}

/** x [M,K] · wᵀ with w [N,K] -> [M,N] (nn.Linear orientation: Llama/Qwen2 projections, tied lm_head). */
export function linear(tape: Tape, x: Var, w: Var): Var {
  const [M, K] = x.shape;
  const [N, K2] = w.shape;
  if (K !== K2) throw new Error(`linear: [${x.shape}] x [${w.shape}]ᵀ`);
  const out = new Float64Array(M * N);
  for (let m = 0; m < M; m++)
    for (let n = 0; n < N; n++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += x.data[m * K + k] * w.data[n * K + k];
      out[m * N + n] = s;
    }
  const y = new Var(out, [M, N], 'linear');
  tape.record(
    backwardOf(y, (g) => {
      const gx = x.gradBuffer();
      const gw = w.gradBuffer();
      for (let m = 0; m < M; m++)
        for (let n = 0; n < N; n++) {
          const gmn = g[m * N + n];
          if (gmn === 0) continue;
          for (let k = 0; k < K; k++) {
            gx[m * K + k] += gmn * w.data[n * K + k];
            gw[n * K + k] += gmn * x.data[m * K + k];
          }
        }
    }),
  );
  return y;
}

/** x [M,N] + b [N] broadcast over rows. */
export function addBias(tape: Tape, x: Var, b: Var): Var {
  const N = b.data.length;
  const out = x.data.slice();
  for (let i = 0; i < out.length; i++) out[i] += b.data[i % N];
  const y = new Var(out, x.shape, 'addBias');
  tape.record(
    backwardOf(y, (g) => {
      const gx = x.gradBuffer();
      const gb = b.gradBuffer();
      for (let i = 0; i < g.length; i++) {
        gx[i] += g[i];
        gb[i % N] += g[i];
      }
    }),
  );
  return y;
}

function elementwise2(tape: Tape, a: Var, b: Var, label: string, mulMode: boolean): Var {
  if (a.data.length !== b.data.length) throw new Error(`${label}: [${a.shape}] vs [${b.shape}]`);
  const out = new Float64Array(a.data.length);
  for (let i = 0; i < out.length; i++) out[i] = mulMode ? a.data[i] * b.data[i] : a.data[i] + b.data[i];
  const y = new Var(out, a.shape, label);
  tape.record(
    backwardOf(y, (g) => {
      const ga = a.gradBuffer();
      const gb = b.gradBuffer();
      for (let i = 0; i < g.length; i++) {
        ga[i] += mulMode ? g[i] * b.data[i] : g[i];
        gb[i] += mulMode ? g[i] * a.data[i] : g[i];
      }
    }),
  );
  return y;
}
export const add = (tape: Tape, a: Var, b: Var) => elementwise2(tape, a, b, 'add', false);
export const mul = (tape: Tape, a: Var, b: Var) => elementwise2(tape, a, b, 'mul', true);

/** Columns [start, start+width) of x [M,N] -> [M,width] (splits GPT-2's fused c_attn output into q, k, v). */
export function sliceColumns(tape: Tape, x: Var, start: number, width: number): Var {
  const [M, N] = x.shape;
  const out = new Float64Array(M * width);
  for (let m = 0; m < M; m++) out.set(x.data.subarray(m * N + start, m * N + start + width), m * width);
  const y = new Var(out, [M, width], 'slice');
  tape.record(
    backwardOf(y, (g) => {
      const gx = x.gradBuffer();
      for (let m = 0; m < M; m++) for (let j = 0; j < width; j++) gx[m * N + start + j] += g[m * width + j];
    }),
  );
  return y;
}

/** LayerNorm over the last axis of x [M,C]: (x - mean)/sqrt(var + eps)·w + b, biased variance (torch). */
export function layernorm(tape: Tape, x: Var, w: Var, b: Var, eps: number): Var {
  const [M, C] = x.shape;
  const out = new Float64Array(M * C);
  const xhat = new Float64Array(M * C);
  const rstd = new Float64Array(M);
  for (let m = 0; m < M; m++) {
    let mean = 0;
    for (let c = 0; c < C; c++) mean += x.data[m * C + c];
    mean /= C;
    let v = 0;
    for (let c = 0; c < C; c++) v += (x.data[m * C + c] - mean) ** 2;
    rstd[m] = 1 / Math.sqrt(v / C + eps);
    for (let c = 0; c < C; c++) {
      xhat[m * C + c] = (x.data[m * C + c] - mean) * rstd[m];
      out[m * C + c] = xhat[m * C + c] * w.data[c] + b.data[c];
    }
  }
  const y = new Var(out, [M, C], 'layernorm');
  tape.record(
    backwardOf(y, (g) => {
      const gx = x.gradBuffer();
      const gw = w.gradBuffer();
      const gb = b.gradBuffer();
      for (let m = 0; m < M; m++) {
        let meanD = 0;
        let meanDx = 0;
        for (let c = 0; c < C; c++) {
          const d = g[m * C + c] * w.data[c];
          meanD += d;
          meanDx += d * xhat[m * C + c];
          gw[c] += g[m * C + c] * xhat[m * C + c];
          gb[c] += g[m * C + c];
        }
        meanD /= C;
        meanDx /= C;
        for (let c = 0; c < C; c++) {
          const d = g[m * C + c] * w.data[c];
          gx[m * C + c] += rstd[m] * (d - meanD - xhat[m * C + c] * meanDx);
        }
      }
    }),
  );
  return y;
}

/** LlamaRMSNorm over the last axis of x [M,C]: x / sqrt(mean(x²) + eps) · w. */
export function rmsnorm(tape: Tape, x: Var, w: Var, eps: number): Var {
  const [M, C] = x.shape;
  const out = new Float64Array(M * C);
  const r = new Float64Array(M);
  for (let m = 0; m < M; m++) {
    let ss = 0;
    for (let c = 0; c < C; c++) ss += x.data[m * C + c] ** 2;
    r[m] = 1 / Math.sqrt(ss / C + eps);
    for (let c = 0; c < C; c++) out[m * C + c] = x.data[m * C + c] * r[m] * w.data[c];
  }
  const y = new Var(out, [M, C], 'rmsnorm');
  tape.record(
    backwardOf(y, (g) => {
      const gx = x.gradBuffer();
      const gw = w.gradBuffer();
      for (let m = 0; m < M; m++) {
        let dot = 0;
        for (let c = 0; c < C; c++) {
          dot += g[m * C + c] * w.data[c] * x.data[m * C + c];
          gw[c] += g[m * C + c] * x.data[m * C + c] * r[m];
        }
        const k = (r[m] ** 3 * dot) / C;
        for (let c = 0; c < C; c++) gx[m * C + c] += r[m] * g[m * C + c] * w.data[c] - k * x.data[m * C + c];
      }
    }),
  );
  return y;
}

function unary(tape: Tape, x: Var, label: string, f: (v: number) => number, df: (v: number) => number): Var {
  const out = new Float64Array(x.data.length);
  for (let i = 0; i < out.length; i++) out[i] = f(x.data[i]);
  const y = new Var(out, x.shape, label);
  tape.record(
    backwardOf(y, (g) => {
      const gx = x.gradBuffer();
      for (let i = 0; i < g.length; i++) gx[i] += g[i] * df(x.data[i]);
    }),
  );
  return y;
}

const GELU_K = Math.sqrt(2 / Math.PI);
/** gelu_new (HF NewGELUActivation): 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). */
export const geluNew = (tape: Tape, x: Var) =>
  unary(
    tape,
    x,
    'gelu_new',
    (v) => 0.5 * v * (1 + Math.tanh(GELU_K * (v + 0.044715 * v ** 3))),
    (v) => {
      const t = Math.tanh(GELU_K * (v + 0.044715 * v ** 3));
      return 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * GELU_K * (1 + 3 * 0.044715 * v * v);
    },
  );

/** silu: x·σ(x). */
export const silu = (tape: Tape, x: Var) =>
  unary(
    tape,
    x,
    'silu',
    (v) => v / (1 + Math.exp(-v)),
    (v) => {
      const s = 1 / (1 + Math.exp(-v));
      return s * (1 + v * (1 - s));
    },
  );

/**
 * RoPE as HF applies it (rotate_half, not interleaved pairs): with f_j = θ^(-2j/D) and angle a = p·f_j,
 * out[j] = x[j]·cos a − x[j+D/2]·sin a and out[j+D/2] = x[j+D/2]·cos a + x[j]·sin a, per head.
 * x [N, heads·D], positions [N].
 */
export function rope(
  tape: Tape,
  x: Var,
  heads: number,
  D: number,
  positions: ArrayLike<number>,
  theta: number,
): Var {
  const N = positions.length;
  const half = D / 2;
  const cos = new Float64Array(N * half);
  const sin = new Float64Array(N * half);
  for (let n = 0; n < N; n++)
    for (let j = 0; j < half; j++) {
      const a = positions[n] * theta ** (-(2 * j) / D);
      cos[n * half + j] = Math.cos(a);
      sin[n * half + j] = Math.sin(a);
    }
  const out = new Float64Array(x.data.length);
  const W = heads * D;
  for (let n = 0; n < N; n++)
    for (let h = 0; h < heads; h++)
      for (let j = 0; j < half; j++) {
        const i = n * W + h * D + j;
        const c = cos[n * half + j];
        const s = sin[n * half + j];
        out[i] = x.data[i] * c - x.data[i + half] * s;
        out[i + half] = x.data[i + half] * c + x.data[i] * s;
      }
  const y = new Var(out, x.shape, 'rope');
  tape.record(
    backwardOf(y, (g) => {
      const gx = x.gradBuffer();
      for (let n = 0; n < N; n++)
        for (let h = 0; h < heads; h++)
          for (let j = 0; j < half; j++) {
            const i = n * W + h * D + j;
            const c = cos[n * half + j];
            const s = sin[n * half + j];
            gx[i] += g[i] * c + g[i + half] * s;
            gx[i + half] += g[i + half] * c - g[i] * s;
          }
    }),
  );
  return y;
}

export interface AttentionShape {
  B: number;
  T: number;
  H: number;
  Hkv: number; // query head h reads key/value head floor(h / (H / Hkv)), as HF repeat_kv
  D: number;
}

/**
 * Causal softmax attention with scale 1/√D. q [B·T, H·D], k and v [B·T, Hkv·D] -> [B·T, H·D].
 * `keyMask` [B·T] (1 = real token, 0 = padding) hides padded keys. A query whose every visible key is
 * padding (a left-pad position) gets a zero output; HF gives such rows arbitrary values, which only
 * ever reach masked-out positions.
 */
export function causalAttention(
  tape: Tape,
  q: Var,
  k: Var,
  v: Var,
  s: AttentionShape,
  keyMask?: ArrayLike<number>,
): Var {
  const { B, T, H, Hkv, D } = s;
  if (H % Hkv !== 0) throw new Error(`attention: H ${H} not a multiple of Hkv ${Hkv}`);
  const rep = H / Hkv;
  const scale = 1 / Math.sqrt(D);
  const Wq = H * D;
  const Wk = Hkv * D;
  const probs = new Float64Array(B * H * T * T); // [B,H,T,T], zero where masked
  const out = new Float64Array(B * T * Wq);
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++) {
      const kh = Math.floor(h / rep);
      for (let t = 0; t < T; t++) {
        const qi = (b * T + t) * Wq + h * D;
        const p = probs.subarray(((b * H + h) * T + t) * T, ((b * H + h) * T + t + 1) * T);
        let max = Number.NEGATIVE_INFINITY;
        for (let u = 0; u <= t; u++) {
          if (keyMask && !keyMask[b * T + u]) continue;
          let dot = 0;
          const ki = (b * T + u) * Wk + kh * D;
          for (let d = 0; d < D; d++) dot += q.data[qi + d] * k.data[ki + d];
          p[u] = dot * scale;
          max = Math.max(max, p[u]);
        }
        if (max === Number.NEGATIVE_INFINITY) continue; // every visible key is padding
        let sum = 0;
        for (let u = 0; u <= t; u++) {
          if (keyMask && !keyMask[b * T + u]) continue;
          p[u] = Math.exp(p[u] - max);
          sum += p[u];
        }
        for (let u = 0; u <= t; u++) {
          p[u] /= sum;
          const vi = (b * T + u) * Wk + kh * D;
          for (let d = 0; d < D; d++) out[qi + d] += p[u] * v.data[vi + d];
        }
      }
    }
  const y = new Var(out, [B * T, Wq], 'attention');
  tape.record(
    backwardOf(y, (g) => {
      const gq = q.gradBuffer();
      const gk = k.gradBuffer();
      const gv = v.gradBuffer();
      const dp = new Float64Array(T);
      for (let b = 0; b < B; b++)
        for (let h = 0; h < H; h++) {
          const kh = Math.floor(h / rep);
          for (let t = 0; t < T; t++) {
            const qi = (b * T + t) * Wq + h * D;
            const p = probs.subarray(((b * H + h) * T + t) * T, ((b * H + h) * T + t + 1) * T);
            let pdp = 0;
            for (let u = 0; u <= t; u++) {
              const vi = (b * T + u) * Wk + kh * D;
              let s = 0;
              for (let d = 0; d < D; d++) {
                s += g[qi + d] * v.data[vi + d];
                gv[vi + d] += p[u] * g[qi + d];
              }
              dp[u] = s;
              pdp += p[u] * s;
            }
            for (let u = 0; u <= t; u++) {
              const ds = p[u] * (dp[u] - pdp) * scale;
              if (ds === 0) continue;
              const ki = (b * T + u) * Wk + kh * D;
              for (let d = 0; d < D; d++) {
                gq[qi + d] += ds * k.data[ki + d];
                gk[ki + d] += ds * q.data[qi + d];
              }
            }
          }
        }
    }),
  );
  return y;
}

/**
 * Weighted mean softmax cross-entropy: Σ_n w_n·(logsumexp(z_n) − z_n[target_n]) / Σ_n w_n -> scalar.
 * logits [N,V], targets [N], weights [N] (0 drops a row). Zero total weight gives loss 0.
 */
export function crossEntropy(
  tape: Tape,
  logits: Var,
  targets: ArrayLike<number>,
  weights: ArrayLike<number>,
): Var {
  const [N, V] = logits.shape;
  const probs = new Float64Array(N * V);
  let total = 0;
  let wsum = 0;
  for (let n = 0; n < N; n++) {
    if (!weights[n]) continue;
    const t = targets[n];
    if (!(t >= 0 && t < V)) throw new Error(`crossEntropy: target ${t} outside [0, ${V})`);
    const row = logits.data.subarray(n * V, (n + 1) * V);
    let max = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < V; i++) max = Math.max(max, row[i]);
    let sum = 0;
    for (let i = 0; i < V; i++) sum += Math.exp(row[i] - max);
    for (let i = 0; i < V; i++) probs[n * V + i] = Math.exp(row[i] - max) / sum;
    total += weights[n] * (Math.log(sum) + max - row[t]);
    wsum += weights[n];
  }
  const y = new Var(new Float64Array([wsum > 0 ? total / wsum : 0]), [1], 'crossEntropy');
  tape.record(
    backwardOf(y, (g) => {
      if (wsum === 0) return;
      const gl = logits.gradBuffer();
      for (let n = 0; n < N; n++) {
        if (!weights[n]) continue;
        const f = (g[0] * weights[n]) / wsum;
        for (let i = 0; i < V; i++) gl[n * V + i] += f * (probs[n * V + i] - (i === targets[n] ? 1 : 0));
      }
    }),
  );
  return y;
}
