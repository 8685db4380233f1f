// Log-prob of the chosen token and entropy of softmax(z / T) over the full vocabulary, logits [N,V].
// Row kernels are one invocation per row (no barriers); the backward's output is one per element.
// With p = softmax(z/T):  dlogp/dz = (onehot - p)/T,  dH/dz = -p (log p + H)/T.

struct Params {
  n: u32,            // rows N
  v: u32,            // vocabulary V
  temperature: f32,  // T > 0
  useLogprob: u32,   // backward: 1 when dlogprob is bound
  useEntropy: u32,   // backward: 1 when dentropy (and the recomputed entropy) are bound
}

// ---- forward: logprob[r] (0 for tokens outside [0,V)), entropy[r], lse[r] of z/T
@group(0) @binding(0) var<storage, read> fwdLogits: array<f32>;         // [N,V]
@group(0) @binding(1) var<storage, read> fwdTokens: array<i32>;         // [N]
@group(0) @binding(2) var<storage, read_write> fwdLogprob: array<f32>;  // [N]
@group(0) @binding(3) var<storage, read_write> fwdEntropy: array<f32>;  // [N]
@group(0) @binding(4) var<storage, read_write> fwdLse: array<f32>;      // [N]
@group(0) @binding(5) var<uniform> fwdParams: Params;

@compute @workgroup_size(64)
fn forward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
           @builtin(local_invocation_index) lid: u32) {
  let wg = flatWorkgroup(wid, nwg);
  if (wg >= grid.end) { return; }
  let r = wg * 64u + lid;
  if (r >= fwdParams.n) { return; }
  let base = r * fwdParams.v;
  let t = fwdParams.temperature;
  var m = NEG_INF;
  for (var j = 0u; j < fwdParams.v; j++) { m = max(m, fwdLogits[base + j] / t); }
  // l = sum e_j and w = sum e_j (z_j/T - m) with e_j = exp(z_j/T - m): H = log l - w/l, both terms >= 0
  var l = 0.0;
  var w = 0.0;
  for (var j = 0u; j < fwdParams.v; j++) {
    let shifted = fwdLogits[base + j] / t - m;
    let e = exp(shifted);
    l += e;
    w += e * shifted;
  }
  let logL = log(l);
  fwdLse[r] = m + logL;
  fwdEntropy[r] = logL - w / l;
  let tok = fwdTokens[r];
  if (tok >= 0 && u32(tok) < fwdParams.v) {
    fwdLogprob[r] = (fwdLogits[base + u32(tok)] / t - m) - logL;
  } else {
    fwdLogprob[r] = 0.0;
  }
}

// ---- rowEntropy: H[r] = sum_j p_j (lse - z_j/T), recomputed from lse for the backward
@group(0) @binding(0) var<storage, read> entLogits: array<f32>;         // [N,V]
@group(0) @binding(1) var<storage, read> entLse: array<f32>;            // [N]
@group(0) @binding(2) var<storage, read_write> entOut: array<f32>;      // [N]
@group(0) @binding(3) var<uniform> entParams: Params;

@compute @workgroup_size(64)
fn rowEntropy(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
              @builtin(local_invocation_index) lid: u32) {
  let wg = flatWorkgroup(wid, nwg);
  if (wg >= grid.end) { return; }
  let r = wg * 64u + lid;
  if (r >= entParams.n) { return; }
  let base = r * entParams.v;
  let lse = entLse[r];
  var h = 0.0;
  for (var j = 0u; j < entParams.v; j++) {
    let negLogp = lse - entLogits[base + j] / entParams.temperature;
    h += exp(-negLogp) * negLogp;
  }
  entOut[r] = h;
}

// ---- backward: dz[r,j] = (a (onehot - p_j) - b p_j (log p_j + H)) / T, a = dlogprob[r], b = dentropy[r]
@group(0) @binding(0) var<storage, read> bwdLogits: array<f32>;         // [N,V]
@group(0) @binding(1) var<storage, read> bwdTokens: array<i32>;         // [N]
@group(0) @binding(2) var<storage, read> bwdLse: array<f32>;            // [N]
@group(0) @binding(3) var<storage, read> bwdDlogprob: array<f32>;       // [N] (lse when unused)
@group(0) @binding(4) var<storage, read> bwdDentropy: array<f32>;       // [N] (lse when unused)
@group(0) @binding(5) var<storage, read> bwdEntropy: array<f32>;        // [N] (lse when unused)
@group(0) @binding(6) var<storage, read_write> bwdDlogits: array<f32>;  // [N,V]
@group(0) @binding(7) var<uniform> bwdParams: Params;

@compute @workgroup_size(64)
fn backward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
            @builtin(local_invocation_index) lid: u32) {
  let wg = flatWorkgroup(wid, nwg);
  if (wg >= grid.end) { return; }
  let i = wg * 64u + lid;
  if (i >= bwdParams.n * bwdParams.v) { return; }
  let r = i / bwdParams.v;
  let j = i - r * bwdParams.v;
  let logp = bwdLogits[i] / bwdParams.temperature - bwdLse[r];
  let p = exp(logp);
  var g = 0.0;
  let tok = bwdTokens[r];
  if (bwdParams.useLogprob == 1u && tok >= 0 && u32(tok) < bwdParams.v) {
    var onehot = 0.0;
    if (u32(tok) == j) { onehot = 1.0; }
    g += bwdDlogprob[r] * (onehot - p);
  }
  if (bwdParams.useEntropy == 1u) {
    g -= bwdDentropy[r] * p * (logp + bwdEntropy[r]);
  }
  bwdDlogits[i] = g / bwdParams.temperature;
}
