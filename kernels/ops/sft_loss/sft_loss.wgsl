// SFT losses beyond plain cross-entropy (docs/ALGORITHMS.md "SFT losses"), on top of the fused
// cross-entropy kernel: its forward gives ce[r] = -lp_r and lse[r], its backward (p - onehot)·dloss.
// dft_weights: per row, the dft term and its stop-gradient weight exp(lp) as the backward's dloss.
// anchor_forward / anchor_backward: the full-vocabulary KL(p_θ || p_ref) at each counted row and its
// gradient with respect to the policy logits, added in place to dlogits.

struct Params {
  n: u32,      // rows N
  v: u32,      // vocabulary V
  scale: f32,  // 1/count (dft_weights) or anchor_beta/count (anchor_backward); unused by anchor_forward
  pad: u32,
}

fn counted(t: i32, v: u32) -> bool {
  return t >= 0 && u32(t) < v;
}

// ---- dft_weights: tokenLoss[r] = exp(-ce)·ce = -sg(exp(lp))·lp, dloss[r] = exp(-ce)·scale (0 if ignored)
@group(0) @binding(0) var<storage, read> dftCe: array<f32>;               // [N]
@group(0) @binding(1) var<storage, read> dftTargets: array<i32>;          // [N]
@group(0) @binding(2) var<storage, read_write> dftTokenLoss: array<f32>;  // [N]
@group(0) @binding(3) var<storage, read_write> dftDloss: array<f32>;      // [N]
@group(0) @binding(4) var<uniform> dftParams: Params;

@compute @workgroup_size(64)
fn dft_weights(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
               @builtin(local_invocation_index) lid: u32) {
  let wg = flatWorkgroup(wid, nwg);
  if (wg >= grid.end) { return; }
  let r = wg * 64u + lid;
  if (r >= dftParams.n) { return; }
  if (!counted(dftTargets[r], dftParams.v)) {
    dftTokenLoss[r] = 0.0;
    dftDloss[r] = 0.0;
    return;
  }
  let ce = dftCe[r];
  let w = exp(-ce);  // p_θ(y), held constant in the gradient
  dftTokenLoss[r] = w * ce;
  dftDloss[r] = w * dftParams.scale;
}

// ---- anchor_forward: one invocation per row; refLse[r] = log sum exp zr[r,:],
// kl[r] = sum_j p_j·((z_j - lse) - (zr_j - refLse)), 0 where the row is ignored
@group(0) @binding(0) var<storage, read> fwdLogits: array<f32>;         // [N,V]
@group(0) @binding(1) var<storage, read> fwdRefLogits: array<f32>;      // [N,V]
@group(0) @binding(2) var<storage, read> fwdTargets: array<i32>;        // [N]
@group(0) @binding(3) var<storage, read> fwdLse: array<f32>;            // [N]
@group(0) @binding(4) var<storage, read_write> fwdKl: array<f32>;       // [N]
@group(0) @binding(5) var<storage, read_write> fwdRefLse: array<f32>;   // [N]
@group(0) @binding(6) var<uniform> fwdParams: Params;

@compute @workgroup_size(64)
fn anchor_forward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                  @builtin(local_invocation_index) lid: u32) {
  let wg = flatWorkgroup(wid, nwg);
  if (wg >= grid.end) { return; }
  let r = wg * 64u + lid;
  if (r >= fwdParams.n) { return; }
  let base = r * fwdParams.v;
  var m = NEG_INF;
  for (var j = 0u; j < fwdParams.v; j++) { m = max(m, fwdRefLogits[base + j]); }
  var l = 0.0;
  for (var j = 0u; j < fwdParams.v; j++) { l += exp(fwdRefLogits[base + j] - m); }
  let refLse = m + log(l);
  fwdRefLse[r] = refLse;
  if (!counted(fwdTargets[r], fwdParams.v)) {
    fwdKl[r] = 0.0;
    return;
  }
  let lse = fwdLse[r];
  var kl = 0.0;
  for (var j = 0u; j < fwdParams.v; j++) {
    let logp = fwdLogits[base + j] - lse;
    kl += exp(logp) * (logp - (fwdRefLogits[base + j] - refLse));
  }
  fwdKl[r] = kl;  // >= 0 up to f32 rounding (near 0 it can come out a few ulp below)
}

// ---- anchor_backward: dlogits[r,j] += scale·p_j·((z_j - lse) - (zr_j - refLse) - kl[r]), counted rows
@group(0) @binding(0) var<storage, read> bwdLogits: array<f32>;         // [N,V]
@group(0) @binding(1) var<storage, read> bwdRefLogits: array<f32>;      // [N,V]
@group(0) @binding(2) var<storage, read> bwdTargets: array<i32>;        // [N]
@group(0) @binding(3) var<storage, read> bwdLse: array<f32>;            // [N]
@group(0) @binding(4) var<storage, read> bwdRefLse: array<f32>;         // [N]
@group(0) @binding(5) var<storage, read> bwdKl: array<f32>;             // [N]
@group(0) @binding(6) var<storage, read_write> bwdDlogits: array<f32>;  // [N,V]
@group(0) @binding(7) var<uniform> bwdParams: Params;

@compute @workgroup_size(64)
fn anchor_backward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                   @builtin(local_invocation_index) lid: u32) {
  let wg = flatWorkgroup(wid, nwg);
  if (wg >= grid.end) { return; }
  let i = wg * 64u + lid;
  if (i >= bwdParams.n * bwdParams.v) { return; }
  let r = i / bwdParams.v;
  if (!counted(bwdTargets[r], bwdParams.v)) { return; }
  let logp = bwdLogits[i] - bwdLse[r];
  let logq = bwdRefLogits[i] - bwdRefLse[r];
  bwdDlogits[i] += bwdParams.scale * exp(logp) * (logp - logq - bwdKl[r]);
}
