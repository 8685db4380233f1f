// Fused softmax + cross-entropy over logits [N,V] with targets [N] (negative or >= V = ignored).
// Forward: one invocation per row (no barriers), two passes (max, then sum of exp).
// Backward: one invocation per element, dlogits = (exp(x - lse) - onehot) * dloss.

struct Params {
  n: u32,  // rows N
  v: u32,  // vocabulary V
}

// ---- forward: loss[r] = lse - x[target] (0 when ignored), lse[r] = log sum exp x[r,:]
@group(0) @binding(0) var<storage, read> fwdLogits: array<f32>;       // [N,V]
@group(0) @binding(1) var<storage, read> fwdTargets: array<i32>;      // [N]
@group(0) @binding(2) var<storage, read_write> fwdLoss: array<f32>;   // [N]
@group(0) @binding(3) var<storage, read_write> fwdLse: array<f32>;    // [N]
@group(0) @binding(4) var<uniform> fwdParams: Params;

@compute @workgroup_size(64)
fn forward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
           @builtin(local_invocation_index) lid: u32) {
  let wg = flatWorkgroup(wid, nwg);
  if (wg >= grid.end) { return; }
  let r = wg * 64u + lid;
  if (r >= fwdParams.n) { return; }
  let base = r * fwdParams.v;
  var m = NEG_INF;
  for (var j = 0u; j < fwdParams.v; j++) { m = max(m, fwdLogits[base + j]); }
  var l = 0.0;
  for (var j = 0u; j < fwdParams.v; j++) { l += exp(fwdLogits[base + j] - m); }
  fwdLse[r] = m + log(l);
  let t = fwdTargets[r];
  if (t >= 0 && u32(t) < fwdParams.v) {
    // (m - x_t) is exact in f32; lse - x_t would lose ~ulp(|x|) for large logits
    fwdLoss[r] = (m - fwdLogits[base + u32(t)]) + log(l);
  } else {
    fwdLoss[r] = 0.0;
  }
}

// ---- backward: dlogits[r,j] = (p_j - [j == target]) * dloss[r]; 0 for ignored rows
@group(0) @binding(0) var<storage, read> bwdLogits: array<f32>;       // [N,V]
@group(0) @binding(1) var<storage, read> bwdTargets: array<i32>;      // [N]
@group(0) @binding(2) var<storage, read> bwdLse: array<f32>;          // [N]
@group(0) @binding(3) var<storage, read> bwdDloss: array<f32>;        // [N]
@group(0) @binding(4) var<storage, read_write> bwdDlogits: array<f32>; // [N,V]
@group(0) @binding(5) var<uniform> bwdParams: Params;

@compute @workgroup_size(64)
fn backward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
            @builtin(local_invocation_index) lid: u32) {
  let wg = flatWorkgroup(wid, nwg);
  if (wg >= grid.end) { return; }
  let i = wg * 64u + lid;
  if (i >= bwdParams.n * bwdParams.v) { return; }
  let r = i / bwdParams.v;
  let j = i - r * bwdParams.v;
  let t = bwdTargets[r];
  if (t < 0 || u32(t) >= bwdParams.v) {
    bwdDlogits[i] = 0.0;
    return;
  }
  var g = exp(bwdLogits[i] - bwdLse[r]);
  if (u32(t) == j) { g -= 1.0; }
  bwdDlogits[i] = g * bwdDloss[r];
}
