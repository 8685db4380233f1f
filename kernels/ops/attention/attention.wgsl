// Causal multi-head attention with grouped KV heads, memory-light (flash-attention style): no
// [B,H,Tq,Tk] matrix is ever stored. The forward runs an online softmax over keys per query row and
// saves lse; the backward recomputes p = exp(s - lse). Deterministic: dq is summed per query row,
// dk/dv per key row (over the H/Hkv query heads of its group), never with atomics.
// One invocation per row and no workgroup barriers (SwiftShader's preference). A head's D floats are
// NV = ${NV} lanes of type V (${V}: vec4f when D is a multiple of 4, so each load is one 16-byte read,
// else f32); vdot sums a lane's products.
// Layouts: q, out, dout, dq [B,Tq,H,D]; k, v, dk, dv [B,Tk,Hkv,D]; lse, delta [B,H,Tq]; keyMask [B,Tk].
// Key j is visible to query row i iff j <= i + qOffset and keyMask[b,j] != 0.

alias V = ${V};
const HD: u32 = ${NV}u;  // lanes per head
fn vdot(a: V, b: V) -> f32 { return ${VDOT}; }

struct Params {
  b: u32,
  tq: u32,
  tk: u32,
  h: u32,
  hkv: u32,
  qOffset: u32,
  hasMask: u32,  // 0: keyMask is not bound (q stands in) and every key counts
  scale: f32,
}

// ---- forward: out[b,i,h,:] = sum_j softmax_j(scale q.k_j) v_j, lse[b,h,i]; no visible key -> 0 and NEG_INF
@group(0) @binding(0) var<storage, read> fwdQ: array<V>;
@group(0) @binding(1) var<storage, read> fwdK: array<V>;
@group(0) @binding(2) var<storage, read> fwdV: array<V>;
@group(0) @binding(3) var<storage, read> fwdMask: array<f32>;
@group(0) @binding(4) var<storage, read_write> fwdOut: array<V>;
@group(0) @binding(5) var<storage, read_write> fwdLse: array<f32>;
@group(0) @binding(6) var<uniform> fwdP: Params;

@compute @workgroup_size(64)
fn forward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
           @builtin(local_invocation_index) lid: u32) {
  let wg = flatWorkgroup(wid, nwg);
  if (wg >= grid.end) { return; }
  let p = fwdP;
  let r = wg * 64u + lid;  // ((b * H) + h) * Tq + i
  if (r >= p.b * p.h * p.tq) { return; }
  let i = r % p.tq;
  let h = (r / p.tq) % p.h;
  let b = r / (p.tq * p.h);
  let hk = h / (p.h / p.hkv);
  let qBase = ((b * p.tq + i) * p.h + h) * HD;
  var q: array<V, HD>;
  var acc: array<V, HD>;
  for (var d = 0u; d < HD; d++) { q[d] = fwdQ[qBase + d] * p.scale; acc[d] = V(0.0); }
  var m = NEG_INF;
  var l = 0.0;
  let jEnd = min(p.tk, i + p.qOffset + 1u);
  for (var j = 0u; j < jEnd; j++) {
    if (p.hasMask != 0u && fwdMask[b * p.tk + j] == 0.0) { continue; }  // causal via jEnd
    let kBase = ((b * p.tk + j) * p.hkv + hk) * HD;
    var s = 0.0;
    for (var d = 0u; d < HD; d++) { s += vdot(q[d], fwdK[kBase + d]); }
    let mNew = max(m, s);
    let correction = exp(m - mNew);
    let e = exp(s - mNew);
    l = l * correction + e;
    for (var d = 0u; d < HD; d++) { acc[d] = acc[d] * correction + e * fwdV[kBase + d]; }
    m = mNew;
  }
  if (l == 0.0) {
    for (var d = 0u; d < HD; d++) { fwdOut[qBase + d] = V(0.0); }
    fwdLse[r] = NEG_INF;
    return;
  }
  let inv = 1.0 / l;
  for (var d = 0u; d < HD; d++) { fwdOut[qBase + d] = acc[d] * inv; }
  fwdLse[r] = m + log(l);
}

// ---- backward, query side: delta = dout.out, dq = scale sum_j p_ij (dout.v_j - delta) k_j
@group(0) @binding(0) var<storage, read> dqDout: array<V>;
@group(0) @binding(1) var<storage, read> dqQ: array<V>;
@group(0) @binding(2) var<storage, read> dqK: array<V>;
@group(0) @binding(3) var<storage, read> dqV: array<V>;
@group(0) @binding(4) var<storage, read> dqOut: array<V>;
@group(0) @binding(5) var<storage, read> dqLse: array<f32>;
@group(0) @binding(6) var<storage, read> dqMask: array<f32>;
@group(0) @binding(7) var<storage, read_write> dqDq: array<V>;
@group(0) @binding(8) var<storage, read_write> dqDelta: array<f32>;
@group(0) @binding(9) var<uniform> dqP: Params;

@compute @workgroup_size(64)
fn backwardQuery(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                 @builtin(local_invocation_index) lid: u32) {
  let wg = flatWorkgroup(wid, nwg);
  if (wg >= grid.end) { return; }
  let p = dqP;
  let r = wg * 64u + lid;
  if (r >= p.b * p.h * p.tq) { return; }
  let i = r % p.tq;
  let h = (r / p.tq) % p.h;
  let b = r / (p.tq * p.h);
  let hk = h / (p.h / p.hkv);
  let qBase = ((b * p.tq + i) * p.h + h) * HD;
  var q: array<V, HD>;
  var dout: array<V, HD>;
  var dq: array<V, HD>;
  var delta = 0.0;
  for (var d = 0u; d < HD; d++) {
    q[d] = dqQ[qBase + d] * p.scale;
    dout[d] = dqDout[qBase + d];
    dq[d] = V(0.0);
    delta += vdot(dout[d], dqOut[qBase + d]);
  }
  dqDelta[r] = delta;
  let lse = dqLse[r];
  let jEnd = min(p.tk, i + p.qOffset + 1u);
  for (var j = 0u; j < jEnd; j++) {
    if (p.hasMask != 0u && dqMask[b * p.tk + j] == 0.0) { continue; }
    let kBase = ((b * p.tk + j) * p.hkv + hk) * HD;
    var s = 0.0;
    var dp = 0.0;
    for (var d = 0u; d < HD; d++) {
      s += vdot(q[d], dqK[kBase + d]);
      dp += vdot(dout[d], dqV[kBase + d]);
    }
    let ds = exp(s - lse) * (dp - delta);
    for (var d = 0u; d < HD; d++) { dq[d] += ds * dqK[kBase + d]; }
  }
  for (var d = 0u; d < HD; d++) { dqDq[qBase + d] = dq[d] * p.scale; }
}

// ---- backward, key side: for key row j of KV head hk, over the query heads h of its group and the
// rows i that see j: dv_j = sum p_ij dout_i, dk_j = scale sum p_ij (dout_i.v_j - delta_i) q_i
@group(0) @binding(0) var<storage, read> dkDout: array<V>;
@group(0) @binding(1) var<storage, read> dkQ: array<V>;
@group(0) @binding(2) var<storage, read> dkK: array<V>;
@group(0) @binding(3) var<storage, read> dkV: array<V>;
@group(0) @binding(4) var<storage, read> dkLse: array<f32>;
@group(0) @binding(5) var<storage, read> dkDelta: array<f32>;
@group(0) @binding(6) var<storage, read> dkMask: array<f32>;
@group(0) @binding(7) var<storage, read_write> dkDk: array<V>;
@group(0) @binding(8) var<storage, read_write> dkDv: array<V>;
@group(0) @binding(9) var<uniform> dkP: Params;

@compute @workgroup_size(64)
fn backwardKey(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
               @builtin(local_invocation_index) lid: u32) {
  let wg = flatWorkgroup(wid, nwg);
  if (wg >= grid.end) { return; }
  let p = dkP;
  let r = wg * 64u + lid;  // ((b * Tk) + j) * Hkv + hk, the row of dk itself
  if (r >= p.b * p.tk * p.hkv) { return; }
  let hk = r % p.hkv;
  let j = (r / p.hkv) % p.tk;
  let b = r / (p.hkv * p.tk);
  let kBase = r * HD;
  var kj: array<V, HD>;
  var vj: array<V, HD>;
  var dk: array<V, HD>;
  var dv: array<V, HD>;
  for (var d = 0u; d < HD; d++) {
    kj[d] = dkK[kBase + d] * p.scale;
    vj[d] = dkV[kBase + d];
    dk[d] = V(0.0);
    dv[d] = V(0.0);
  }
  let masked = p.hasMask != 0u && dkMask[b * p.tk + j] == 0.0;
  let group = p.h / p.hkv;
  // rows i with j <= i + qOffset
  var iStart = 0u;
  if (j > p.qOffset) { iStart = j - p.qOffset; }
  if (masked) { iStart = p.tq; }
  for (var g = 0u; g < group; g++) {
    let h = hk * group + g;
    for (var i = iStart; i < p.tq; i++) {
      let qBase = ((b * p.tq + i) * p.h + h) * HD;
      let row = (b * p.h + h) * p.tq + i;
      var s = 0.0;
      var dp = 0.0;
      for (var d = 0u; d < HD; d++) {
        s += vdot(dkQ[qBase + d], kj[d]);
        dp += vdot(dkDout[qBase + d], vj[d]);
      }
      let prob = exp(s - dkLse[row]);
      let ds = prob * (dp - dkDelta[row]);
      for (var d = 0u; d < HD; d++) {
        dv[d] += prob * dkDout[qBase + d];
        dk[d] += ds * dkQ[qBase + d];
      }
    }
  }
  for (var d = 0u; d < HD; d++) {
    dkDk[kBase + d] = dk[d] * p.scale;
    dkDv[kBase + d] = dv[d];
  }
}
