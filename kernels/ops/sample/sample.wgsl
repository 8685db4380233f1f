// Sampling one token per row from logits [R,V] at temperature T, with top-k / top-p / min-p filters,
// plus the log-prob and entropy of softmax(z/T) over the FULL vocabulary (docs/ALGORITHMS.md: filters pick
// the token, they do not change lp). One workgroup of WG invocations per row; Philox4x32-10 keyed by
// (seed, step, row, position) supplies the uniform. The forced variant (FORCED_DECL / FORCED_PICK) also
// reads forced [R,L] i32: where forced[row, position] >= 0 that token is written instead of the drawn one
// (teacher forcing, prefix sampling), with its log-prob and entropy under the same distribution.

@group(0) @binding(0) var<storage, read> logits: array<f32>;          // [R,V]
${FORCED_DECL}
@group(0) @binding(${B_TOKENS}) var<storage, read_write> tokens: array<i32>;     // [R,L]: writes column `position`
@group(0) @binding(${B_LOGPROBS}) var<storage, read_write> logprobs: array<f32>;   // [R,L]
@group(0) @binding(${B_ENTROPIES}) var<storage, read_write> entropies: array<f32>;  // [R,L]
@group(0) @binding(${B_FINISHED}) var<storage, read_write> finished: array<u32>;   // [R]: 1 once EOS was drawn

struct Params {
  R: u32, V: u32, L: u32, position: u32,
  seed: u32, step: u32, top_k: u32, greedy: u32,
  inv_temp: f32, top_p: f32, min_p: f32, eos: i32,
  pad: i32, row_base: u32, _a: u32, _b: u32,
}
@group(0) @binding(${B_PARAMS}) var<uniform> params: Params;

const WG: u32 = ${WG}u;
var<workgroup> red: array<f32, WG>;
var<workgroup> redu: array<u32, WG>;
var<workgroup> pickChunk: u32;   // the invocation whose chunk holds the sampled token
var<workgroup> pickTarget: f32;  // remaining mass to walk inside that chunk

fn mulhilo(a: u32, b: u32) -> vec2u {
  let a_lo = a & 0xffffu; let a_hi = a >> 16u;
  let b_lo = b & 0xffffu; let b_hi = b >> 16u;
  let lo_lo = a_lo * b_lo; let hi_lo = a_hi * b_lo; let lo_hi = a_lo * b_hi; let hi_hi = a_hi * b_hi;
  let t = hi_lo + (lo_lo >> 16u);
  let u = lo_hi + (t & 0xffffu);
  let hi = hi_hi + (t >> 16u) + (u >> 16u);
  let lo = (u << 16u) | (lo_lo & 0xffffu);
  return vec2u(hi, lo);
}

fn philox(counter: vec4u, key: vec2u) -> vec4u {
  var c = counter; var k = key;
  for (var r = 0u; r < 10u; r++) {
    let p0 = mulhilo(0xd2511f53u, c.x);
    let p1 = mulhilo(0xcd9e8d57u, c.z);
    c = vec4u(p1.x ^ c.y ^ k.x, p1.y, p0.x ^ c.w ^ k.y, p0.y);
    k = k + vec2u(0x9e3779b9u, 0xbb67ae85u);
  }
  return c;
}

fn reduceMax(v: f32, lid: u32) -> f32 {
  red[lid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (lid < s) { red[lid] = max(red[lid], red[lid + s]); }
    workgroupBarrier();
  }
  let r = workgroupUniformLoad(&red[0]);
  workgroupBarrier();
  return r;
}

fn reduceSum(v: f32, lid: u32) -> f32 {
  red[lid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (lid < s) { red[lid] = red[lid] + red[lid + s]; }
    workgroupBarrier();
  }
  let r = workgroupUniformLoad(&red[0]);
  workgroupBarrier();
  return r;
}

fn reduceCount(v: u32, lid: u32) -> u32 {
  redu[lid] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (lid < s) { redu[lid] = redu[lid] + redu[lid + s]; }
    workgroupBarrier();
  }
  let r = workgroupUniformLoad(&redu[0]);
  workgroupBarrier();
  return r;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let row = flatWorkgroup(wid, nwg);
  if (row >= grid.end) { return; }
  let V = params.V;
  let base = row * V;
  let out = row * params.L + params.position;
  let done = finished[row] != 0u;

  // x = z / T; max, sum of exp, and sum of exp * x give lse and entropy.
  var m = NEG_INF;
  var xmin = 3.0e38;
  for (var i = lid; i < V; i += WG) {
    let x = logits[base + i] * params.inv_temp;
    m = max(m, x);
    xmin = min(xmin, x);
  }
  m = reduceMax(m, lid);
  xmin = -reduceMax(-xmin, lid);
  var s = 0.0;
  var sx = 0.0;
  for (var i = lid; i < V; i += WG) {
    let x = logits[base + i] * params.inv_temp;
    let e = exp(x - m);
    s += e;
    sx += e * (x - m);
  }
  s = reduceSum(s, lid);
  sx = reduceSum(sx, lid);
  let lse = m + log(s);
  let entropy = log(s) - sx / s;

  // Keep x >= tau. min-p: p_i >= min_p * p_max  <=>  x_i >= m + log(min_p).
  var tau = NEG_INF;
  if (params.min_p > 0.0) { tau = m + log(params.min_p); }
  if (params.top_k > 0u && params.top_k < V) {
    // bisection for the largest threshold that keeps at least k tokens
    var lo = xmin; var hi = m;
    for (var it = 0u; it < 30u; it++) {
      let mid = 0.5 * (lo + hi);
      var c = 0u;
      for (var i = lid; i < V; i += WG) { if (logits[base + i] * params.inv_temp >= mid) { c += 1u; } }
      c = reduceCount(c, lid);
      if (c >= params.top_k) { lo = mid; } else { hi = mid; }
      if (c == params.top_k) { break; }
    }
    tau = max(tau, lo);
  }
  if (params.top_p < 1.0) {
    // mass of the kept set, renormalised over what top-k/min-p kept (as HF's warpers chain)
    var kept = 0.0;
    for (var i = lid; i < V; i += WG) {
      let x = logits[base + i] * params.inv_temp;
      if (x >= tau) { kept += exp(x - m); }
    }
    kept = reduceSum(kept, lid);
    var lo = max(tau, xmin); var hi = m;
    for (var it = 0u; it < 30u; it++) {
      let mid = 0.5 * (lo + hi);
      var w = 0.0;
      for (var i = lid; i < V; i += WG) {
        let x = logits[base + i] * params.inv_temp;
        if (x >= mid) { w += exp(x - m); }
      }
      w = reduceSum(w, lid);
      if (w >= params.top_p * kept) { lo = mid; } else { hi = mid; }
    }
    tau = max(tau, lo);
  }

  var token = 0;
  if (params.greedy != 0u) {
    // first index of the maximum
    var best = V;
    for (var i = lid; i < V; i += WG) { if (logits[base + i] * params.inv_temp == m) { best = min(best, i); } }
    redu[lid] = best;
    workgroupBarrier();
    for (var st = WG / 2u; st > 0u; st = st / 2u) {
      if (lid < st) { redu[lid] = min(redu[lid], redu[lid + st]); }
      workgroupBarrier();
    }
    token = i32(workgroupUniformLoad(&redu[0]));
  } else {
    // inverse CDF over kept tokens in index order: each invocation owns a contiguous chunk
    let chunk = (V + WG - 1u) / WG;
    let start = min(lid * chunk, V);
    let stop = min(start + chunk, V);
    var w = 0.0;
    for (var i = start; i < stop; i++) {
      let x = logits[base + i] * params.inv_temp;
      if (x >= tau) { w += exp(x - m); }
    }
    red[lid] = w;
    workgroupBarrier();
    if (lid == 0u) {
      var total = 0.0;
      for (var j = 0u; j < WG; j++) { total += red[j]; }
      let r = philox(vec4u(params.row_base + row, params.position, params.step, 0u), vec2u(params.seed, 0x7ab1e5edu));
      let u = f32(r.x >> 8u) / 16777216.0;
      var rest = u * total;
      var chosen = WG - 1u;
      for (var j = 0u; j < WG; j++) {
        if (red[j] > 0.0 && rest < red[j]) { chosen = j; break; }
        rest -= red[j];
      }
      // if rounding ran past the end, fall back to the last chunk that holds mass
      if (chosen == WG - 1u && red[chosen] == 0.0) {
        for (var j = WG; j > 0u; j--) { if (red[j - 1u] > 0.0) { chosen = j - 1u; rest = red[chosen] * 0.999999; break; } }
      }
      pickChunk = chosen;
      pickTarget = rest;
    }
    let chosen = workgroupUniformLoad(&pickChunk);
    if (lid == chosen) {
      var rest = pickTarget;
      var last = -1;
      var found = -1;
      for (var i = start; i < stop; i++) {
        let x = logits[base + i] * params.inv_temp;
        if (x >= tau) {
          let e = exp(x - m);
          last = i32(i);
          if (rest < e) { found = i32(i); break; }
          rest -= e;
        }
      }
      if (found < 0) { found = last; }
      redu[0] = u32(found);
    }
    token = i32(workgroupUniformLoad(&redu[0]));
  }
  ${FORCED_PICK}

  if (lid == 0u) {
    if (done) {
      tokens[out] = params.pad;
      logprobs[out] = 0.0;
      entropies[out] = 0.0;
    } else {
      tokens[out] = token;
      logprobs[out] = logits[base + u32(token)] * params.inv_temp - lse;
      entropies[out] = entropy;
      if (token == params.eos) { finished[row] = 1u; }
    }
  }
}
