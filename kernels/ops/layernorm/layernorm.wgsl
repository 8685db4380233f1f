// LayerNorm over rows of length C (GPT-2): y = (x - mean) * rstd * gamma + beta, rstd = 1/sqrt(var + eps)
// with the biased variance, two passes over the row for a stable variance. Two variants of the row
// kernels: one invocation per row (no barriers; SwiftShader prefers that) and `*_wg`, one 64-wide
// workgroup per row with shared-memory sums (real GPUs prefer that). Parameter gradients: one
// invocation per column.

struct Params {
  rows: u32,        // N = B*T
  cols: u32,        // C
  eps: f32,
  accumulate: u32,    // backward_*: 1 adds into the outputs instead of overwriting them
  rowsPerChunk: u32,  // backward_params: rows one invocation walks (chunk k: rows k*rowsPerChunk..)
  colBlocks: u32,     // backward_params: ceil(C / 64); flat workgroup w handles chunk w / colBlocks
}

var<workgroup> wgScratch: array<vec2f, 64>;

// Sum of v over the 64 invocations of a workgroup (call from uniform control flow).
fn workgroupSum2(v: vec2f, lid: u32) -> vec2f {
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
@group(0) @binding(2) var<storage, read> fBeta: array<f32>;          // [C]
@group(0) @binding(3) var<storage, read_write> fY: array<f32>;       // [N,C]
@group(0) @binding(4) var<storage, read_write> fMean: array<f32>;    // [N]
@group(0) @binding(5) var<storage, read_write> fRstd: array<f32>;    // [N]
@group(0) @binding(6) var<uniform> params6: Params;

@compute @workgroup_size(64)
fn forward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
           @builtin(local_invocation_index) lid: u32) {
  let r = rowIndex(wid, nwg, lid);
  let p = params6;
  if (r >= p.rows) { return; }
  let base = r * p.cols;
  var s = 0.0;
  for (var c = 0u; c < p.cols; c++) { s += fX[base + c]; }
  let mean = s / f32(p.cols);
  var ss = 0.0;
  for (var c = 0u; c < p.cols; c++) { let d = fX[base + c] - mean; ss += d * d; }
  let rstd = inverseSqrt(ss / f32(p.cols) + p.eps);
  for (var c = 0u; c < p.cols; c++) {
    fY[base + c] = (fX[base + c] - mean) * rstd * fGamma[c] + fBeta[c];
  }
  fMean[r] = mean;
  fRstd[r] = rstd;
}

// ---------------------------------------------------------------- fused residual add + forward
@group(0) @binding(0) var<storage, read> aA: array<f32>;             // [N,C]
@group(0) @binding(1) var<storage, read> aB: array<f32>;             // [N,C]
@group(0) @binding(2) var<storage, read> aGamma: array<f32>;         // [C]
@group(0) @binding(3) var<storage, read> aBeta: array<f32>;          // [C]
@group(0) @binding(4) var<storage, read_write> aSum: array<f32>;     // [N,C] a + b, the new residual
@group(0) @binding(5) var<storage, read_write> aY: array<f32>;       // [N,C]
@group(0) @binding(6) var<storage, read_write> aMean: array<f32>;    // [N]
@group(0) @binding(7) var<storage, read_write> aRstd: array<f32>;    // [N]
@group(0) @binding(8) var<uniform> params8: Params;

@compute @workgroup_size(64)
fn add_forward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
               @builtin(local_invocation_index) lid: u32) {
  let r = rowIndex(wid, nwg, lid);
  let p = params8;
  if (r >= p.rows) { return; }
  let base = r * p.cols;
  var s = 0.0;
  for (var c = 0u; c < p.cols; c++) {
    let v = aA[base + c] + aB[base + c];
    aSum[base + c] = v;
    s += v;
  }
  let mean = s / f32(p.cols);
  var ss = 0.0;
  for (var c = 0u; c < p.cols; c++) { let d = aSum[base + c] - mean; ss += d * d; }
  let rstd = inverseSqrt(ss / f32(p.cols) + p.eps);
  for (var c = 0u; c < p.cols; c++) {
    aY[base + c] = (aSum[base + c] - mean) * rstd * aGamma[c] + aBeta[c];
  }
  aMean[r] = mean;
  aRstd[r] = rstd;
}

// ---------------------------------------------------------------- backward, input gradient
// dx = rstd * (g - mean(g) - xhat * mean(g * xhat)), g = dy * gamma, xhat = (x - mean) * rstd.
@group(0) @binding(0) var<storage, read> bDy: array<f32>;            // [N,C]
@group(0) @binding(1) var<storage, read> bX: array<f32>;             // [N,C]
@group(0) @binding(2) var<storage, read> bGamma: array<f32>;         // [C]
@group(0) @binding(3) var<storage, read> bMean: array<f32>;          // [N]
@group(0) @binding(4) var<storage, read> bRstd: array<f32>;          // [N]
@group(0) @binding(5) var<storage, read_write> bDx: array<f32>;      // [N,C]

@compute @workgroup_size(64)
fn backward_input(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                  @builtin(local_invocation_index) lid: u32) {
  let r = rowIndex(wid, nwg, lid);
  let p = params6;
  if (r >= p.rows) { return; }
  let base = r * p.cols;
  let mean = bMean[r];
  let rstd = bRstd[r];
  var sumG = 0.0;
  var sumGX = 0.0;
  for (var c = 0u; c < p.cols; c++) {
    let g = bDy[base + c] * bGamma[c];
    sumG += g;
    sumGX += g * (bX[base + c] - mean) * rstd;
  }
  let meanG = sumG / f32(p.cols);
  let meanGX = sumGX / f32(p.cols);
  for (var c = 0u; c < p.cols; c++) {
    let xhat = (bX[base + c] - mean) * rstd;
    var dx = rstd * (bDy[base + c] * bGamma[c] - meanG - xhat * meanGX);
    if (p.accumulate != 0u) { dx += bDx[base + c]; }
    bDx[base + c] = dx;
  }
}

// ---------------------------------------------------------------- backward, parameter gradients
// Per row chunk k: dgamma[k,c] (+)= sum_r dy * xhat, dbeta[k,c] (+)= sum_r dy, one invocation per
// (chunk, column); the wrapper sums several chunks' partials with reduce.columnSums.
@group(0) @binding(0) var<storage, read> pDy: array<f32>;            // [N,C]
@group(0) @binding(1) var<storage, read> pX: array<f32>;             // [N,C]
@group(0) @binding(2) var<storage, read> pMean: array<f32>;          // [N]
@group(0) @binding(3) var<storage, read> pRstd: array<f32>;          // [N]
@group(0) @binding(4) var<storage, read_write> pDgamma: array<f32>;  // [chunks,C]
@group(0) @binding(5) var<storage, read_write> pDbeta: array<f32>;   // [chunks,C]

@compute @workgroup_size(64)
fn backward_params(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                   @builtin(local_invocation_index) lid: u32) {
  let wg = flatWorkgroup(wid, nwg);
  if (wg >= grid.end) { return; }
  let p = params6;
  let chunk = wg / p.colBlocks;
  let c = (wg % p.colBlocks) * 64u + lid;
  if (c >= p.cols) { return; }
  let r0 = chunk * p.rowsPerChunk;
  let r1 = min(p.rows, r0 + p.rowsPerChunk);
  var dg = 0.0;
  var db = 0.0;
  for (var r = r0; r < r1; r++) {
    let dy = pDy[r * p.cols + c];
    dg += dy * (pX[r * p.cols + c] - pMean[r]) * pRstd[r];
    db += dy;
  }
  let o = chunk * p.cols + c;
  if (p.accumulate != 0u) {
    dg += pDgamma[o];
    db += pDbeta[o];
  }
  pDgamma[o] = dg;
  pDbeta[o] = db;
}

// ---------------------------------------------------------------- workgroup-per-row variants
// Same bindings and math as the entries above; invocation lid handles columns lid, lid+64, ...

@compute @workgroup_size(64)
fn forward_wg(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
              @builtin(local_invocation_index) lid: u32) {
  let r = flatWorkgroup(wid, nwg);
  let p = params6;
  if (r >= grid.end || r >= p.rows) { return; }
  let base = r * p.cols;
  var s = 0.0;
  for (var c = lid; c < p.cols; c += 64u) { s += fX[base + c]; }
  let mean = workgroupSum2(vec2f(s, 0.0), lid).x / f32(p.cols);
  var ss = 0.0;
  for (var c = lid; c < p.cols; c += 64u) { let d = fX[base + c] - mean; ss += d * d; }
  let rstd = inverseSqrt(workgroupSum2(vec2f(ss, 0.0), lid).x / f32(p.cols) + p.eps);
  for (var c = lid; c < p.cols; c += 64u) {
    fY[base + c] = (fX[base + c] - mean) * rstd * fGamma[c] + fBeta[c];
  }
  if (lid == 0u) {
    fMean[r] = mean;
    fRstd[r] = rstd;
  }
}

@compute @workgroup_size(64)
fn add_forward_wg(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                  @builtin(local_invocation_index) lid: u32) {
  let r = flatWorkgroup(wid, nwg);
  let p = params8;
  if (r >= grid.end || r >= p.rows) { return; }
  let base = r * p.cols;
  var s = 0.0;
  for (var c = lid; c < p.cols; c += 64u) {
    let v = aA[base + c] + aB[base + c];
    aSum[base + c] = v;
    s += v;
  }
  let mean = workgroupSum2(vec2f(s, 0.0), lid).x / f32(p.cols);
  var ss = 0.0;
  // Each invocation re-reads only the aSum elements it wrote itself, so no barrier is needed for them.
  for (var c = lid; c < p.cols; c += 64u) { let d = aSum[base + c] - mean; ss += d * d; }
  let rstd = inverseSqrt(workgroupSum2(vec2f(ss, 0.0), lid).x / f32(p.cols) + p.eps);
  for (var c = lid; c < p.cols; c += 64u) {
    aY[base + c] = (aSum[base + c] - mean) * rstd * aGamma[c] + aBeta[c];
  }
  if (lid == 0u) {
    aMean[r] = mean;
    aRstd[r] = rstd;
  }
}

@compute @workgroup_size(64)
fn backward_input_wg(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                     @builtin(local_invocation_index) lid: u32) {
  let r = flatWorkgroup(wid, nwg);
  let p = params6;
  if (r >= grid.end || r >= p.rows) { return; }
  let base = r * p.cols;
  let mean = bMean[r];
  let rstd = bRstd[r];
  var partial = vec2f(0.0);
  for (var c = lid; c < p.cols; c += 64u) {
    let g = bDy[base + c] * bGamma[c];
    partial += vec2f(g, g * (bX[base + c] - mean) * rstd);
  }
  let sums = workgroupSum2(partial, lid) / f32(p.cols);
  for (var c = lid; c < p.cols; c += 64u) {
    let xhat = (bX[base + c] - mean) * rstd;
    var dx = rstd * (bDy[base + c] * bGamma[c] - sums.x - xhat * sums.y);
    if (p.accumulate != 0u) { dx += bDx[base + c]; }
    bDx[base + c] = dx;
  }
}
