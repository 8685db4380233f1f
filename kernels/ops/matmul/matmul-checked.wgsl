// Register-tiled matmul on any shape: each invocation owns a 4x4 block of C and walks K four at a
// time, every load checked against the matrix edge (loadA4, loadB4, storeC4 from matmul-io-*.wgsl).
// The `regtile` variant's kernel where matmul-regtile.wgsl's unchecked vec4 loads cannot be used;
// blockAT/blockBT are in matmul-blocks.wgsl.

override WG_X: u32 = 16;  // invocations along N
override WG_Y: u32 = 4;   // invocations along M

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let n0 = gid.x * 4u;
  let m0 = gid.y * 4u;
  let bt = gid.z;
  if (n0 >= params.N || m0 >= params.M) { return; }
  // Column i of acc is C[m0+i, n0 .. n0+3]: C^T block += B^T block * A^T block.
  var acc = mat4x4f();
  for (var k = 0u; k < params.K; k += 4u) {
    acc += blockBT(bt, k, n0) * blockAT(bt, m0, k);
  }
  for (var i = 0u; i < 4u; i++) { storeC4(bt, m0 + i, n0, acc[i]); }
}
