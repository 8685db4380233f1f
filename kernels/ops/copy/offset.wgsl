// out[i] = base[i] + delta (i32): per-row positions of a decode step from each row's first position.
@group(0) @binding(0) var<storage, read> base: array<i32>;
@group(0) @binding(1) var<storage, read_write> out: array<i32>;
struct Params { n: u32, delta: i32 }
@group(0) @binding(2) var<uniform> params: Params;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let wg = flatWorkgroup(wid, nwg);
  if (wg >= grid.end) { return; }
  let i = wg * 64u + lid;
  if (i < params.n) { out[i] = base[i] + params.delta; }
}
