// Element-wise kernels on flat arrays, one element per invocation, on linear grids so the runtime
// can split huge tensors across dispatches. Every entry shares Params {n, alpha}; bindings differ
// per entry (WGSL allows the same binding number in different entry points).

struct Params {
  n: u32,
  alpha: f32,
}

fn elementIndex(wid: vec3u, nwg: vec3u, lid: u32) -> u32 {
  let wg = flatWorkgroup(wid, nwg);
  if (wg >= grid.end) { return 0xffffffffu; }
  return wg * 64u + lid;
}

// ---------------------------------------------------------------- add, mul: out = a (+|*) b
@group(0) @binding(0) var<storage, read> binA: array<f32>;
@group(0) @binding(1) var<storage, read> binB: array<f32>;
@group(0) @binding(2) var<storage, read_write> binOut: array<f32>;
@group(0) @binding(3) var<uniform> binParams: Params;

@compute @workgroup_size(64)
fn add(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
       @builtin(local_invocation_index) lid: u32) {
  let i = elementIndex(wid, nwg, lid);
  if (i >= binParams.n) { return; }
  binOut[i] = binA[i] + binB[i];
}

@compute @workgroup_size(64)
fn mul(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
       @builtin(local_invocation_index) lid: u32) {
  let i = elementIndex(wid, nwg, lid);
  if (i >= binParams.n) { return; }
  binOut[i] = binA[i] * binB[i];
}

// ---------------------------------------------------------------- mix: out = (1 - alpha)*a + alpha*b
// Guidance's logit mixing and weight interpolation, in float32: alpha = 0 gives a exactly, 1 gives b.
@compute @workgroup_size(64)
fn mix(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
       @builtin(local_invocation_index) lid: u32) {
  let i = elementIndex(wid, nwg, lid);
  if (i >= binParams.n) { return; }
  let w = binParams.alpha;
  binOut[i] = (1.0 - w) * binA[i] + w * binB[i];
}

// ---------------------------------------------------------------- scale: out = alpha * x
@group(0) @binding(0) var<storage, read> scaleX: array<f32>;
@group(0) @binding(1) var<storage, read_write> scaleOut: array<f32>;
@group(0) @binding(2) var<uniform> unaryParams: Params;

@compute @workgroup_size(64)
fn scale(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
         @builtin(local_invocation_index) lid: u32) {
  let i = elementIndex(wid, nwg, lid);
  if (i >= unaryParams.n) { return; }
  scaleOut[i] = unaryParams.alpha * scaleX[i];
}

// ---------------------------------------------------------------- add_scaled: y += alpha * x (in place)
// Reuses scaleX as x and scaleOut as y: same bindings, different arithmetic.
@compute @workgroup_size(64)
fn add_scaled(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
              @builtin(local_invocation_index) lid: u32) {
  let i = elementIndex(wid, nwg, lid);
  if (i >= unaryParams.n) { return; }
  scaleOut[i] = scaleOut[i] + unaryParams.alpha * scaleX[i];
}

// ---------------------------------------------------------------- scale_by_scalar: x *= s[0] (in place)
// The factor lives on the GPU (e.g. the clip scale), so no CPU round trip is needed.
@compute @workgroup_size(64)
fn scale_by_scalar(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                   @builtin(local_invocation_index) lid: u32) {
  let i = elementIndex(wid, nwg, lid);
  if (i >= unaryParams.n) { return; }
  scaleOut[i] = scaleOut[i] * scaleX[0];
}

// ---------------------------------------------------------------- mul backward: da = dy*b, db = dy*a
@group(0) @binding(0) var<storage, read> mbDy: array<f32>;
@group(0) @binding(1) var<storage, read> mbA: array<f32>;
@group(0) @binding(2) var<storage, read> mbB: array<f32>;
@group(0) @binding(3) var<storage, read_write> mbDa: array<f32>;
@group(0) @binding(4) var<storage, read_write> mbDb: array<f32>;
@group(0) @binding(5) var<uniform> mbParams: Params;

@compute @workgroup_size(64)
fn mul_backward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                @builtin(local_invocation_index) lid: u32) {
  let i = elementIndex(wid, nwg, lid);
  if (i >= mbParams.n) { return; }
  let dy = mbDy[i];
  mbDa[i] = dy * mbB[i];
  mbDb[i] = dy * mbA[i];
}
