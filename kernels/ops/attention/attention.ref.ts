/**
 * Float64 oracle for attention.ts, deliberately the materialised textbook form: scores, masked
 * softmax, weighted sum, and the backward through the stored probabilities. Same layouts and masking
 * rules as the GPU kernels; a row that sees no key gives zeros and lse = NEG_INF (-3e38).
 */

export const ATTENTION_NEG_INF = -3e38;

export interface AttentionDimsRef {
  b: number;
  tq: number;
  tk: number;
  h: number;
  hkv: number;
  d: number;
}

export interface AttentionOptionsRef {
  scale: number;
  qOffset: number;
  keyMask?: ArrayLike<number>; // [B,Tk]
}

/** probs[b][h][i] = Float64Array(Tk) (zeros for invisible keys), plus lse [B,H,Tq]. */
function probabilities(q: Float64Array, k: Float64Array, dims: AttentionDimsRef, opts: AttentionOptionsRef) {
  const { b: nb, tq, tk, h: nh, hkv, d } = dims;
  const group = nh / hkv;
  const probs: Float64Array[] = [];
  const lse = new Float64Array(nb * nh * tq);
  for (let b = 0; b < nb; b++) {
    for (let h = 0; h < nh; h++) {
      for (let i = 0; i < tq; i++) {
        const s = new Float64Array(tk).fill(Number.NEGATIVE_INFINITY);
        for (let j = 0; j < tk; j++) {
          if (j > i + opts.qOffset || (opts.keyMask && opts.keyMask[b * tk + j] === 0)) continue;
          let dotQK = 0;
          for (let c = 0; c < d; c++) {
            dotQK +=
              q[((b * tq + i) * nh + h) * d + c] * k[((b * tk + j) * hkv + Math.floor(h / group)) * d + c];
          }
          s[j] = opts.scale * dotQK;
        }
        const m = Math.max(...s);
        const p = new Float64Array(tk);
        const row = (b * nh + h) * tq + i;
        if (m === Number.NEGATIVE_INFINITY) {
          lse[row] = ATTENTION_NEG_INF;
        } else {
          let l = 0;
          for (let j = 0; j < tk; j++) l += Math.exp(s[j] - m);
          for (let j = 0; j < tk; j++) p[j] = Math.exp(s[j] - m) / l;
          lse[row] = m + Math.log(l);
        }
        probs.push(p);
      }
    }
  }
  return { probs, lse };
}

export function attentionForwardRef(
  q: Float64Array,
  k: Float64Array,
  v: Float64Array,
  dims: AttentionDimsRef,
  opts: AttentionOptionsRef,
): { out: Float64Array; lse: Float64Array } {
  const { b: nb, tq, tk, h: nh, hkv, d } = dims;
  const group = nh / hkv;
  const { probs, lse } = probabilities(q, k, dims, opts);
  const out = new Float64Array(nb * tq * nh * d);
  for (let b = 0; b < nb; b++) {
    for (let h = 0; h < nh; h++) {
      for (let i = 0; i < tq; i++) {
        const p = probs[(b * nh + h) * tq + i];
        for (let j = 0; j < tk; j++) {
          if (p[j] === 0) continue;
          for (let c = 0; c < d; c++) {
            out[((b * tq + i) * nh + h) * d + c] +=
              p[j] * v[((b * tk + j) * hkv + Math.floor(h / group)) * d + c];
          }
        }
      }
    }
  }
  return { out, lse };
}

export function attentionBackwardRef(
  dout: Float64Array,
  q: Float64Array,
  k: Float64Array,
  v: Float64Array,
  dims: AttentionDimsRef,
  opts: AttentionOptionsRef,
): { dq: Float64Array; dk: Float64Array; dv: Float64Array } {
  const { b: nb, tq, tk, h: nh, hkv, d } = dims;
  const group = nh / hkv;
  const { probs } = probabilities(q, k, dims, opts);
  const dq = new Float64Array(q.length);
  const dk = new Float64Array(k.length);
  const dv = new Float64Array(v.length);
  for (let b = 0; b < nb; b++) {
    for (let h = 0; h < nh; h++) {
      const hk = Math.floor(h / group);
      for (let i = 0; i < tq; i++) {
        const p = probs[(b * nh + h) * tq + i];
        const qi = ((b * tq + i) * nh + h) * d;
        // dp_j = dout_i . v_j ; ds_j = p_j (dp_j - sum_l p_l dp_l)
        const dp = new Float64Array(tk);
        let mean = 0;
        for (let j = 0; j < tk; j++) {
          const vj = ((b * tk + j) * hkv + hk) * d;
          for (let c = 0; c < d; c++) dp[j] += dout[qi + c] * v[vj + c];
          mean += p[j] * dp[j];
        }
        for (let j = 0; j < tk; j++) {
          if (p[j] === 0) continue;
          const kj = ((b * tk + j) * hkv + hk) * d;
          const ds = p[j] * (dp[j] - mean) * opts.scale;
          for (let c = 0; c < d; c++) {
            dq[qi + c] += ds * k[kj + c];
            dk[kj + c] += ds * q[qi + c];
            dv[kj + c] += p[j] * dout[qi + c];
          }
        }
      }
    }
  }
  return { dq, dk, dv };
}
