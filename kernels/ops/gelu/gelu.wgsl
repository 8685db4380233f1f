// GELU, tanh approximation (GPT-2's `gelu_new`, HF "gelu_pytorch_tanh"):
//   gelu(x) = 0.5 x (1 + tanh(k (x + 0.044715 x^3))), k = sqrt(2/pi).
// One element of type T per invocation on linear grids: T = ${T}, vec4f when the size (and the bias
// length) is a multiple of 4, so a load is one 16-byte read and the bias column costs one integer
// modulo per 4 elements (SwiftShader runs u32 % lane by lane); sizes and columns are in T units.
// The tanh argument uses x clamped to +-10, where tanh is already +-1 in f32, so x^3 never overflows
// and huge inputs give x (or 0), never NaN.

alias T = ${T};

const SQRT_2_OVER_PI: f32 = 0.7978845608028654;
const GELU_CUBIC: f32 = 0.044715;

struct Params {
  n: u32,     // elements
  cols: u32,  // C, the bias length (bias_* entries)
}

// tanh via exp(-2|u|), which cannot overflow.
fn tanhStable(u: T) -> T {
  let e = exp(-2.0 * abs(u));
  return sign(u) * (1.0 - e) / (1.0 + e);
}

fn geluTanh(xc: T) -> T {
  return tanhStable(SQRT_2_OVER_PI * (xc + GELU_CUBIC * xc * xc * xc));
}

fn gelu(x: T) -> T {
  let t = geluTanh(clamp(x, T(-10.0), T(10.0)));
  return 0.5 * x * (1.0 + t);
}

fn geluDerivative(x: T) -> T {
  let xc = clamp(x, T(-10.0), T(10.0));
  let t = geluTanh(xc);
  return 0.5 * (1.0 + t) + 0.5 * xc * (1.0 - t * t) * SQRT_2_OVER_PI * (1.0 + 3.0 * GELU_CUBIC * xc * xc);
}

fn elementIndex(wid: vec3u, nwg: vec3u, lid: u32) -> u32 {
  let wg = flatWorkgroup(wid, nwg);
  if (wg >= grid.end) { return 0xffffffffu; }
  return wg * 64u + lid;
}

// ---------------------------------------------------------------- forward: y = gelu(x)
@group(0) @binding(0) var<storage, read> fX: array<T>;
@group(0) @binding(1) var<storage, read_write> fY: array<T>;
@group(0) @binding(2) var<uniform> params2: Params;

@compute @workgroup_size(64)
fn forward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
           @builtin(local_invocation_index) lid: u32) {
  let i = elementIndex(wid, nwg, lid);
  if (i >= params2.n) { return; }
  fY[i] = gelu(fX[i]);
}

// ---------------------------------------------------------------- backward: dx = dy * gelu'(x)
@group(0) @binding(0) var<storage, read> bDy: array<T>;
@group(0) @binding(1) var<storage, read> bX: array<T>;
@group(0) @binding(2) var<storage, read_write> bDx: array<T>;
@group(0) @binding(3) var<uniform> params3: Params;

@compute @workgroup_size(64)
fn backward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
            @builtin(local_invocation_index) lid: u32) {
  let i = elementIndex(wid, nwg, lid);
  if (i >= params3.n) { return; }
  bDx[i] = bDy[i] * geluDerivative(bX[i]);
}

// ---------------------------------------------------------------- bias_forward: y = gelu(x + bias[c])
@group(0) @binding(0) var<storage, read> bfX: array<T>;             // [N,C]
@group(0) @binding(1) var<storage, read> bfBias: array<T>;          // [C]
@group(0) @binding(2) var<storage, read_write> bfY: array<T>;       // [N,C]

@compute @workgroup_size(64)
fn bias_forward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                @builtin(local_invocation_index) lid: u32) {
  let i = elementIndex(wid, nwg, lid);
  if (i >= params3.n) { return; }
  bfY[i] = gelu(bfX[i] + bfBias[i % params3.cols]);
}

// ---------------------------------------------------------------- bias_backward: dx = dy * gelu'(x + bias[c])
// dbias is the column sum of dx (reduce.columnSums, accumulating).
@group(0) @binding(0) var<storage, read> bbDy: array<T>;            // [N,C]
@group(0) @binding(1) var<storage, read> bbX: array<T>;             // [N,C]
@group(0) @binding(2) var<storage, read> bbBias: array<T>;          // [C]
@group(0) @binding(3) var<storage, read_write> bbDx: array<T>;      // [N,C]
@group(0) @binding(4) var<uniform> params4: Params;

@compute @workgroup_size(64)
fn bias_backward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                 @builtin(local_invocation_index) lid: u32) {
  let i = elementIndex(wid, nwg, lid);
  if (i >= params4.n) { return; }
  bbDx[i] = bbDy[i] * geluDerivative(bbX[i] + bbBias[i % params4.cols]);
}
