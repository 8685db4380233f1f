// Strided block copies (bit-exact for any 4-byte dtype) and i32 position offsets: the glue of a
// transformer that splits fused projections, writes KV caches and slices the last time step.
// A word is U = ${U} (vec4u when every offset, stride and row length is a multiple of 4, with all of
// them counted in vec4s: a quarter of the invocations and of the lane-by-lane u32 divisions that
// SwiftShader spends on the index), F its float twin for accumulation.

alias U = ${U};
alias F = ${F};

@group(0) @binding(0) var<storage, read> src: array<U>;
@group(0) @binding(1) var<storage, read_write> dst: array<U>;

// dst[dOff + i0*dS0 + i1*dS1 + i2] (+)= src[sOff + i0*sS0 + i1*sS1 + i2], i < (n0, n1, n2)
struct Params {
  n0: u32, n1: u32, n2: u32, accumulate: u32,
  sOff: u32, sS0: u32, sS1: u32, _a: u32,
  dOff: u32, dS0: u32, dS1: u32, _b: u32,
}
@group(0) @binding(2) var<uniform> params: Params;

@compute @workgroup_size(64)
fn strided_copy(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                @builtin(local_invocation_index) lid: u32) {
  let wg = flatWorkgroup(wid, nwg);
  if (wg >= grid.end) { return; }
  let idx = wg * 64u + lid;
  let total = params.n0 * params.n1 * params.n2;
  if (idx >= total) { return; }
  let i2 = idx % params.n2;
  let r = idx / params.n2;
  let i1 = r % params.n1;
  let i0 = r / params.n1;
  let s = params.sOff + i0 * params.sS0 + i1 * params.sS1 + i2;
  let d = params.dOff + i0 * params.dS0 + i1 * params.dS1 + i2;
  if (params.accumulate != 0u) {
    dst[d] = bitcast<U>(bitcast<F>(dst[d]) + bitcast<F>(src[s]));
  } else {
    dst[d] = src[s];
  }
}
