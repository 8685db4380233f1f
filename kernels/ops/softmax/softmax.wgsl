// Softmax and log-softmax over the last dim of x [N,V], and their backward.
// Row statistics run one invocation per row (no workgroup barriers, which SwiftShader makes
// expensive); the per-element outputs run one invocation per element reading that statistic.
// Bindings per entry: read-only tensors, then written tensors, then Params (see kernels/README.md).

struct Params {
  n: u32,     // rows N
  v: u32,     // row length V
  mode: u32,  // 0 = softmax, 1 = log-softmax
}

// ---- rowMaxSum: stats[r] = (m, l), m = max_j x[r,j], l = sum_j exp(x[r,j] - m). Kept apart rather
// than folded into one f32 lse, because x - lse loses ~1e-3 absolute when |x| ~ 1e4 while x - m is exact.
@group(0) @binding(0) var<storage, read> statsX: array<f32>;          // [N,V]
@group(0) @binding(1) var<storage, read_write> statsOut: array<f32>;  // [N,2]
@group(0) @binding(2) var<uniform> statsParams: Params;

@compute @workgroup_size(64)
fn rowMaxSum(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                @builtin(local_invocation_index) lid: u32) {
  let wg = flatWorkgroup(wid, nwg);
  if (wg >= grid.end) { return; }
  let r = wg * 64u + lid;
  if (r >= statsParams.n) { return; }
  let base = r * statsParams.v;
  var m = NEG_INF;
  for (var j = 0u; j < statsParams.v; j++) { m = max(m, statsX[base + j]); }
  var l = 0.0;
  for (var j = 0u; j < statsParams.v; j++) { l += exp(statsX[base + j] - m); }
  statsOut[2u * r] = m;
  statsOut[2u * r + 1u] = l;
}

// ---- normalise: y = exp(x - m) / l (softmax) or (x - m) - log l (log-softmax), one per element
@group(0) @binding(0) var<storage, read> normX: array<f32>;          // [N,V]
@group(0) @binding(1) var<storage, read> normStats: array<f32>;      // [N,2]
@group(0) @binding(2) var<storage, read_write> normY: array<f32>;    // [N,V]
@group(0) @binding(3) var<uniform> normParams: Params;

@compute @workgroup_size(64)
fn normalise(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
             @builtin(local_invocation_index) lid: u32) {
  let wg = flatWorkgroup(wid, nwg);
  if (wg >= grid.end) { return; }
  let i = wg * 64u + lid;
  if (i >= normParams.n * normParams.v) { return; }
  let r = i / normParams.v;
  let shifted = normX[i] - normStats[2u * r];
  let l = normStats[2u * r + 1u];
  if (normParams.mode == 0u) { normY[i] = exp(shifted) / l; } else { normY[i] = shifted - log(l); }
}

// ---- rowDot: softmax mode s[r] = sum_j dy*y; log-softmax mode s[r] = sum_j dy
@group(0) @binding(0) var<storage, read> dotY: array<f32>;           // [N,V]
@group(0) @binding(1) var<storage, read> dotDy: array<f32>;          // [N,V]
@group(0) @binding(2) var<storage, read_write> dotOut: array<f32>;   // [N]
@group(0) @binding(3) var<uniform> dotParams: Params;

@compute @workgroup_size(64)
fn rowDot(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
          @builtin(local_invocation_index) lid: u32) {
  let wg = flatWorkgroup(wid, nwg);
  if (wg >= grid.end) { return; }
  let r = wg * 64u + lid;
  if (r >= dotParams.n) { return; }
  let base = r * dotParams.v;
  var s = 0.0;
  if (dotParams.mode == 0u) {
    for (var j = 0u; j < dotParams.v; j++) { s += dotDy[base + j] * dotY[base + j]; }
  } else {
    for (var j = 0u; j < dotParams.v; j++) { s += dotDy[base + j]; }
  }
  dotOut[r] = s;
}

// ---- backward: softmax dx = y*(dy - s); log-softmax dx = dy - exp(y)*s (y = log-softmax output)
@group(0) @binding(0) var<storage, read> bwdY: array<f32>;           // [N,V]
@group(0) @binding(1) var<storage, read> bwdDy: array<f32>;          // [N,V]
@group(0) @binding(2) var<storage, read> bwdS: array<f32>;           // [N]
@group(0) @binding(3) var<storage, read_write> bwdDx: array<f32>;    // [N,V]
@group(0) @binding(4) var<uniform> bwdParams: Params;

@compute @workgroup_size(64)
fn backward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
            @builtin(local_invocation_index) lid: u32) {
  let wg = flatWorkgroup(wid, nwg);
  if (wg >= grid.end) { return; }
  let i = wg * 64u + lid;
  if (i >= bwdParams.n * bwdParams.v) { return; }
  let s = bwdS[i / bwdParams.v];
  if (bwdParams.mode == 0u) {
    bwdDx[i] = bwdY[i] * (bwdDy[i] - s);
  } else {
    bwdDx[i] = bwdDy[i] - exp(bwdY[i]) * s;
  }
}
