// Per-token policy loss of the GRPO family and PPO (docs/ALGORITHMS.md "Policy loss per token", "KL",
// "Aggregation") and PPO's clipped value loss, one token per invocation. The aggregation is a weight
// per token computed by the caller, so every output is local: dL/dlp, dL/dH, and per-token stats that
// a column sum turns into the loss and the metrics. Tokens with counted = 0 write zeros everywhere;
// counted = 2 marks a forced prefix token (prefix sampling): the surrogate alone, no KL, no entropy.

struct Params {
  n: u32,             // tokens N
  hasOld: u32,        // 0: old = lp detached (num_iterations = 1), rho = 1 exactly
  clip: u32,          // 0: no clipping (epsilon = null)
  klInLoss: u32,      // 1: beta * k added to each token's loss
  klEstimator: u32,   // estimator in the loss: 0 k1, 1 k2, 2 k3
  klMetric: u32,      // estimator of the kl metric (k1 when kl_in = reward)
  hasRef: u32,        // 1: refLp is valid (kl metric; required by klInLoss)
  pad: u32,
  epsLow: f32,        // rho < 1 - epsLow is clipped
  epsHigh: f32,       // rho > 1 + epsHigh is clipped
  beta: f32,
  entropyCoef: f32,
}

// expm1(d) without the cancellation of exp(d) - 1 near 0 (Taylor to d^10 below |d| < 0.5).
fn expm1Stable(d: f32) -> f32 {
  if (abs(d) >= 0.5) { return exp(d) - 1.0; }
  var s = 1.0 / 3628800.0;
  s = fma(s, d, 1.0 / 362880.0);
  s = fma(s, d, 1.0 / 40320.0);
  s = fma(s, d, 1.0 / 5040.0);
  s = fma(s, d, 1.0 / 720.0);
  s = fma(s, d, 1.0 / 120.0);
  s = fma(s, d, 1.0 / 24.0);
  s = fma(s, d, 1.0 / 6.0);
  s = fma(s, d, 0.5);
  s = fma(s, d, 1.0);
  return s * d;
}

// KL estimator at one token, d = refLp - lp: k1 = -d, k2 = d^2/2, k3 = expm1(d) - d.
fn klValue(estimator: u32, lp: f32, refLp: f32) -> f32 {
  let d = refLp - lp;
  if (estimator == 0u) { return lp - refLp; }
  if (estimator == 1u) { return 0.5 * d * d; }
  return expm1Stable(d) - d;
}

// d(estimator)/d(lp): k1 -> 1, k2 -> -d, k3 -> -expm1(d).
fn klGrad(estimator: u32, lp: f32, refLp: f32) -> f32 {
  let d = refLp - lp;
  if (estimator == 0u) { return 1.0; }
  if (estimator == 1u) { return -d; }
  return -expm1Stable(d);
}

// ---- policy_loss: info[k] = (old, refLp, advantage, weight, counted), stats[k] = (w*l, low, high, kl, H)
@group(0) @binding(0) var<storage, read> plLogprob: array<f32>;         // [N] lp under current weights
@group(0) @binding(1) var<storage, read> plEntropy: array<f32>;         // [N] H of softmax(z/T)
@group(0) @binding(2) var<storage, read> plInfo: array<f32>;            // [N,5]
@group(0) @binding(3) var<storage, read_write> plDLogprob: array<f32>;  // [N]
@group(0) @binding(4) var<storage, read_write> plDEntropy: array<f32>;  // [N]
@group(0) @binding(5) var<storage, read_write> plStats: array<f32>;     // [N,5]
@group(0) @binding(6) var<uniform> plParams: Params;

@compute @workgroup_size(64)
fn policy_loss(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
               @builtin(local_invocation_index) lid: u32) {
  let wg = flatWorkgroup(wid, nwg);
  if (wg >= grid.end) { return; }
  let k = wg * 64u + lid;
  if (k >= plParams.n) { return; }
  let o = k * 5u;
  let counted = plInfo[o + 4u];
  if (counted == 0.0) {
    plDLogprob[k] = 0.0;
    plDEntropy[k] = 0.0;
    for (var j = 0u; j < 5u; j++) { plStats[o + j] = 0.0; }
    return;
  }
  let lp = plLogprob[k];
  let refLp = plInfo[o + 1u];
  let a = plInfo[o + 2u];
  let w = plInfo[o + 3u];
  var rho = 1.0;
  if (plParams.hasOld != 0u) { rho = exp(lp - plInfo[o]); }
  // clipped surrogate L = -min(rho*A, clip(rho)*A) and dL/dlp with old fixed
  let unclipped = rho * a;
  var loss = -unclipped;
  var grad = -unclipped;
  var low = 0.0;
  var high = 0.0;
  if (plParams.clip != 0u) {
    let lo = 1.0 - plParams.epsLow;
    let hi = 1.0 + plParams.epsHigh;
    let clipped = clamp(rho, lo, hi) * a;
    low = select(0.0, 1.0, a < 0.0 && rho < lo);
    high = select(0.0, 1.0, a > 0.0 && rho > hi);
    if (unclipped > clipped) {
      loss = -clipped;
      grad = 0.0;
    }
  }
  if (counted == 2.0) {
    // a forced prefix token (prefix sampling): the surrogate alone, out of the clip/KL/entropy stats
    plDLogprob[k] = w * grad;
    plDEntropy[k] = 0.0;
    plStats[o] = w * loss;
    for (var j = 1u; j < 5u; j++) { plStats[o + j] = 0.0; }
    return;
  }
  if (plParams.klInLoss != 0u) {
    loss += plParams.beta * klValue(plParams.klEstimator, lp, refLp);
    grad += plParams.beta * klGrad(plParams.klEstimator, lp, refLp);
  }
  var kl = 0.0;
  if (plParams.hasRef != 0u) { kl = klValue(plParams.klMetric, lp, refLp); }
  let h = plEntropy[k];
  loss -= plParams.entropyCoef * h;
  plDLogprob[k] = w * grad;
  plDEntropy[k] = -plParams.entropyCoef * w;
  plStats[o] = w * loss;
  plStats[o + 1u] = low;
  plStats[o + 2u] = high;
  plStats[o + 3u] = kl;
  plStats[o + 4u] = h;
}

// ---- value_loss: vinfo[k] = (V_old, return R, scale = vf_coef/count on counted tokens else 0)
// term = scale * 0.5 * max((V-R)^2, (clip(V, V_old +- c) - R)^2), dV = scale * (V - R) unless the
// clipped branch wins with V outside the clip range (then 0).
struct ValueParams {
  n: u32,
  clipRange: f32,  // cliprange_value c
}

@group(0) @binding(0) var<storage, read> vlValues: array<f32>;        // [N] V
@group(0) @binding(1) var<storage, read> vlInfo: array<f32>;          // [N,3]
@group(0) @binding(2) var<storage, read_write> vlDValues: array<f32>; // [N]
@group(0) @binding(3) var<storage, read_write> vlStats: array<f32>;   // [N] the loss term
@group(0) @binding(4) var<uniform> vlParams: ValueParams;

@compute @workgroup_size(64)
fn value_loss(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
              @builtin(local_invocation_index) lid: u32) {
  let wg = flatWorkgroup(wid, nwg);
  if (wg >= grid.end) { return; }
  let k = wg * 64u + lid;
  if (k >= vlParams.n) { return; }
  let scale = vlInfo[k * 3u + 2u];
  if (scale == 0.0) {
    vlDValues[k] = 0.0;
    vlStats[k] = 0.0;
    return;
  }
  let v = vlValues[k];
  let vOld = vlInfo[k * 3u];
  let r = vlInfo[k * 3u + 1u];
  let c = vlParams.clipRange;
  let clippedV = min(max(v, vOld - c), vOld + c);
  let plain = (v - r) * (v - r);
  let clipped = (clippedV - r) * (clippedV - r);
  vlStats[k] = scale * 0.5 * max(plain, clipped);
  vlDValues[k] = select(0.0, scale * (v - r), plain >= clipped || v == clippedV);
}
