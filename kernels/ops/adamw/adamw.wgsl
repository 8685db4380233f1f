// AdamW (Loshchilov & Hutter 1711.05101, PyTorch's torch.optim.AdamW order of operations), one
// element per invocation on linear grids, in place on param, m and v:
//   g = grad * gradScale;  param *= 1 - lr*wd;  m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;
//   param -= (lr / bc1) * m / (sqrt(v) / sqrt(bc2) + eps),  bc1 = 1 - b1^t,  bc2 = 1 - b2^t.
// The scalars that depend only on the step (lr/bc1, sqrt(bc2), 1 - lr*wd) are computed on the CPU.

// ---------------------------------------------------------------- step
@group(0) @binding(0) var<storage, read> sGrad: array<f32>;           // [n]
@group(0) @binding(1) var<storage, read> sGradScale: array<f32>;      // [1]: the scale (useScale 1) or the norm (2)
@group(0) @binding(2) var<storage, read> sFinite: array<f32>;         // [1] all-finite flag (useGuard)
@group(0) @binding(3) var<storage, read_write> sParam: array<f32>;    // [n]
@group(0) @binding(4) var<storage, read_write> sM: array<f32>;        // [n]
@group(0) @binding(5) var<storage, read_write> sV: array<f32>;        // [n]
struct StepParams {
  n: u32,
  useScale: u32,      // 0: none; 1: g *= sGradScale[0]; 2: g *= min(1, maxNorm / (norm + 1e-6)), norm = sGradScale[0]
  stepSize: f32,      // lr / (1 - beta1^t)
  sqrtBc2: f32,       // sqrt(1 - beta2^t)
  decayFactor: f32,   // 1 - lr * weightDecay
  beta1: f32,
  beta2: f32,
  eps: f32,
  maxNorm: f32,       // useScale 2: clip_scale's maxNorm, so the clip factor needs no dispatch of its own
  useGuard: u32,      // 1: leave everything untouched unless sFinite[0] == 1 and the norm (sGradScale[0]) is finite
}
@group(0) @binding(6) var<uniform> stepParams: StepParams;

// Bit test, not `v != v`: WGSL compilers may assume floats are finite and fold such comparisons away.
fn isNonFinite(v: f32) -> bool {
  return (bitcast<u32>(v) & 0x7f800000u) == 0x7f800000u;
}

@compute @workgroup_size(64)
fn step(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let wg = flatWorkgroup(wid, nwg);
  if (wg >= grid.end) { return; }
  let i = wg * 64u + lid;
  let p = stepParams;
  if (i >= p.n) { return; }
  if (p.useGuard != 0u && (sFinite[0] != 1.0 || isNonFinite(sGradScale[0]))) { return; }
  var g = sGrad[i];
  if (p.useScale == 1u) { g *= sGradScale[0]; }
  if (p.useScale == 2u) { g *= min(1.0, p.maxNorm / (sGradScale[0] + 1e-6)); }
  let m = p.beta1 * sM[i] + (1.0 - p.beta1) * g;
  let v = p.beta2 * sV[i] + (1.0 - p.beta2) * g * g;
  sM[i] = m;
  sV[i] = v;
  let param = sParam[i] * p.decayFactor;
  sParam[i] = param - p.stepSize * m / (sqrt(v) / p.sqrtBc2 + p.eps);
}

// ---------------------------------------------------------------- clip_scale: min(1, maxNorm / (norm + 1e-6))
@group(0) @binding(0) var<storage, read> cNorm: array<f32>;           // [1]
@group(0) @binding(1) var<storage, read_write> cScale: array<f32>;    // [1]
struct ClipParams {
  maxNorm: f32,
}
@group(0) @binding(2) var<uniform> clipParams: ClipParams;

@compute @workgroup_size(1)
fn clip_scale() {
  cScale[0] = min(1.0, clipParams.maxNorm / (cNorm[0] + 1e-6));
}
