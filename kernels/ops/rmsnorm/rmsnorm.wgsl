// RMSNorm over rows of length C (Llama, Qwen2): y = x * rstd * gamma, rstd = 1/sqrt(mean(x^2) + eps),
// no mean subtraction and no beta. Row kernels come as one invocation per row (no barriers) and
// `*_wg`, one 64-wide workgroup per row with a shared-memory sum; parameter gradient: one invocation
// per column.

struct Params {
  rows: u32,        // N = B*T
  cols: u32,        // C
  eps: f32,
  accumulate: u32,    // backward_*: 1 adds into the outputs instead of overwriting them
  rowsPerChunk: u32,  // backward_params: rows one invocation walks (chunk k: rows k*rowsPerChunk..)
  colBlocks: u32,     // backward_params: ceil(C / 64); flat workgroup w handles chunk w / colBlocks
}

var<workgroup> wgScratch: array<f32, 64>;

// Sum of v over the 64 invocations of a workgroup (call from uniform control flow).
fn workgroupSum(v: f32, lid: u32) -> f32 {
  wgScratch[lid] = v;
  workgroupBarrier();
  for (var s = 32u; s > 0u; s >>= 1u) {
    if (lid < s) { wgScratch[lid] += wgScratch[lid + s]; }
    workgroupBarrier();
  }
  let total = wgScratch[0];
  workgroupBarrier();  // everyone has read the total before the scratch is reused
  return total;
}

fn rowIndex(wid: vec3u, nwg: vec3u, lid: u32) -> u32 {
  let wg = flatWorkgroup(wid, nwg);
  if (wg >= grid.end) { return 0xffffffffu; }
  return wg * 64u + lid;
}

// ---------------------------------------------------------------- forward
@group(0) @binding(0) var<storage, read> fX: array<f32>;             // [N,C]
@group(0) @binding(1) var<storage, read> fGamma: array<f32>;         // [C]
@group(0) @binding(2) var<storage, read_write> fY: array<f32>;       // [N,C]
@group(0) @binding(3) var<storage, read_write> fRstd: array<f32>;    // [N]
@group(0) @binding(4) var<uniform> params4: Params;

@compute @workgroup_size(64)
fn forward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
           @builtin(local_invocation_index) lid: u32) {
  let r = rowIndex(wid, nwg, lid);
  let p = params4;
  if (r >= p.rows) { return; }
  let base = r * p.cols;
  var ss = 0.0;
  for (var c = 0u; c < p.cols; c++) { let v = fX[base + c]; ss += v * v; }
  let rstd = inverseSqrt(ss / f32(p.cols) + p.eps);
  for (var c = 0u; c < p.cols; c++) { fY[base + c] = fX[base + c] * rstd * fGamma[c]; }
  fRstd[r] = rstd;
}

// ---------------------------------------------------------------- fused residual add + forward
@group(0) @binding(0) var<storage, read> aA: array<f32>;             // [N,C]
@group(0) @binding(1) var<storage, read> aB: array<f32>;             // [N,C]
@group(0) @binding(2) var<storage, read> aGamma: array<f32>;         // [C]
@group(0) @binding(3) var<storage, read_write> aSum: array<f32>;     // [N,C] a + b, the new residual
@group(0) @binding(4) var<storage, read_write> aY: array<f32>;       // [N,C]
@group(0) @binding(5) var<storage, read_write> aRstd: array<f32>;    // [N]
@group(0) @binding(6) var<uniform> params6: Params;

@compute @workgroup_size(64)
fn add_forward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
               @builtin(local_invocation_index) lid: u32) {
  let r = rowIndex(wid, nwg, lid);
  let p = params6;
  if (r >= p.rows) { return; }
  let base = r * p.cols;
  var ss = 0.0;
  for (var c = 0u; c < p.cols; c++) {
    let v = aA[base + c] + aB[base + c];
    aSum[base + c] = v;
    ss += v * v;
  }
  let rstd = inverseSqrt(ss / f32(p.cols) + p.eps);
  for (var c = 0u; c < p.cols; c++) { aY[base + c] = aSum[base + c] * rstd * aGamma[c]; }
  aRstd[r] = rstd;
}

// ---------------------------------------------------------------- backward, input gradient
// dx = rstd * g - x * rstd^3 * mean(g * x), g = dy * gamma.
@group(0) @binding(0) var<storage, read> bDy: array<f32>;            // [N,C]
@group(0) @binding(1) var<storage, read> bX: array<f32>;             // [N,C]
@group(0) @binding(2) var<storage, read> bGamma: array<f32>;         // [C]
@group(0) @binding(3) var<storage, read> bRstd: array<f32>;          // [N]
@group(0) @binding(4) var<storage, read_write> bDx: array<f32>;      // [N,C]
@group(0) @binding(5) var<uniform> params5: Params;

@compute @workgroup_size(64)
fn backward_input(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                  @builtin(local_invocation_index) lid: u32) {
  let r = rowIndex(wid, nwg, lid);
  let p = params5;
  if (r >= p.rows) { return; }
  let base = r * p.cols;
  let rstd = bRstd[r];
  var sumGX = 0.0;
  for (var c = 0u; c < p.cols; c++) { sumGX += bDy[base + c] * bGamma[c] * bX[base + c]; }
  let k = rstd * rstd * rstd * sumGX / f32(p.cols);
  for (var c = 0u; c < p.cols; c++) {
    var dx = rstd * bDy[base + c] * bGamma[c] - bX[base + c] * k;
    if (p.accumulate != 0u) { dx += bDx[base + c]; }
    bDx[base + c] = dx;
  }
}

// ---------------------------------------------------------------- backward, parameter gradient
// Per row chunk k: dgamma[k,c] (+)= sum_r dy * x * rstd, one invocation per (chunk, column); the
// wrapper sums several chunks' partials with reduce.columnSums.
@group(0) @binding(0) var<storage, read> pDy: array<f32>;            // [N,C]
@group(0) @binding(1) var<storage, read> pX: array<f32>;             // [N,C]
@group(0) @binding(2) var<storage, read> pRstd: array<f32>;          // [N]
@group(0) @binding(3) var<storage, read_write> pDgamma: array<f32>;  // [chunks,C]

@compute @workgroup_size(64)
fn backward_params(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                   @builtin(local_invocation_index) lid: u32) {
  let wg = flatWorkgroup(wid, nwg);
  if (wg >= grid.end) { return; }
  let p = params4;
  let chunk = wg / p.colBlocks;
  let c = (wg % p.colBlocks) * 64u + lid;
  if (c >= p.cols) { return; }
  let r0 = chunk * p.rowsPerChunk;
  let r1 = min(p.rows, r0 + p.rowsPerChunk);
  var dg = 0.0;
  for (var r = r0; r < r1; r++) {
    let i = r * p.cols + c;
    dg += pDy[i] * pX[i] * pRstd[r];
  }
  let o = chunk * p.cols + c;
  if (p.accumulate != 0u) { dg += pDgamma[o]; }
  pDgamma[o] = dg;
}

// ---------------------------------------------------------------- workgroup-per-row variants
// Same bindings and math as the entries above; invocation lid handles columns lid, lid+64, ...

@compute @workgroup_size(64)
fn forward_wg(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
              @builtin(local_invocation_index) lid: u32) {
  let r = flatWorkgroup(wid, nwg);
  let p = params4;
  if (r >= grid.end || r >= p.rows) { return; }
  let base = r * p.cols;
  var ss = 0.0;
  for (var c = lid; c < p.cols; c += 64u) { let v = fX[base + c]; ss += v * v; }
  let rstd = inverseSqrt(workgroupSum(ss, lid) / f32(p.cols) + p.eps);
  for (var c = lid; c < p.cols; c += 64u) { fY[base + c] = fX[base + c] * rstd * fGamma[c]; }
  if (lid == 0u) { fRstd[r] = rstd; }
}

@compute @workgroup_size(64)
fn add_forward_wg(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                  @builtin(local_invocation_index) lid: u32) {
  let r = flatWorkgroup(wid, nwg);
  let p = params6;
  if (r >= grid.end || r >= p.rows) { return; }
  let base = r * p.cols;
  var ss = 0.0;
  for (var c = lid; c < p.cols; c += 64u) {
    let v = aA[base + c] + aB[base + c];
    aSum[base + c] = v;
    ss += v * v;
  }
  let rstd = inverseSqrt(workgroupSum(ss, lid) / f32(p.cols) + p.eps);
  // Each invocation re-reads only the aSum elements it wrote itself.
  for (var c = lid; c < p.cols; c += 64u) { aY[base + c] = aSum[base + c] * rstd * aGamma[c]; }
  if (lid == 0u) { aRstd[r] = rstd; }
}

@compute @workgroup_size(64)
fn backward_input_wg(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                     @builtin(local_invocation_index) lid: u32) {
  let r = flatWorkgroup(wid, nwg);
  let p = params5;
  if (r >= grid.end || r >= p.rows) { return; }
  let base = r * p.cols;
  let rstd = bRstd[r];
  var partial = 0.0;
  for (var c = lid; c < p.cols; c += 64u) { partial += bDy[base + c] * bGamma[c] * bX[base + c]; }
  let k = rstd * rstd * rstd * workgroupSum(partial, lid) / f32(p.cols);
  for (var c = lid; c < p.cols; c += 64u) {
    var dx = rstd * bDy[base + c] * bGamma[c] - bX[base + c] * k;
    if (p.accumulate != 0u) { dx += bDx[base + c]; }
    bDx[base + c] = dx;
  }
}
