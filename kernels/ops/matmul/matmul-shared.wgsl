// Shared-memory tiled matmul, the classic GPU shape: a 16x16 workgroup computes a 64x64 tile of C
// (4x4 per invocation), staging 16-deep slices of A and B in workgroup memory between barriers.
// The loads/stores (loadA4, loadB4, storeC4) come from matmul-io-*.wgsl.

const TILE_K = 16u;
var<workgroup> tileA: array<vec4f, 256>;  // [TILE_K][16]: tileA[k*16 + i] = A[m0 + 4i .. 4i+3, k0 + k]
var<workgroup> tileB: array<vec4f, 256>;  // [TILE_K][16]: tileB[k*16 + j] = B[k0 + k, n0 + 4j .. 4j+3]

// One vec4 of each tile per invocation, read along whichever axis is contiguous in memory.
fn stageTiles(bt: u32, t: u32, m0: u32, n0: u32, k0: u32) {
  if (TRANS_A) {
    tileA[t] = loadA4(bt, k0 + t / 16u, m0 + (t % 16u) * 4u);
  } else {
    let m = t / 4u;
    let kq = (t % 4u) * 4u;
    let v = loadA4(bt, m0 + m, k0 + kq);
    for (var j = 0u; j < 4u; j++) { tileA[(kq + j) * 16u + m / 4u][m % 4u] = v[j]; }
  }
  if (TRANS_B) {
    let n = t / 4u;
    let kq = (t % 4u) * 4u;
    let v = loadB4(bt, n0 + n, k0 + kq);
    for (var j = 0u; j < 4u; j++) { tileB[(kq + j) * 16u + n / 4u][n % 4u] = v[j]; }
  } else {
    tileB[t] = loadB4(bt, k0 + t / 16u, n0 + (t % 16u) * 4u);
  }
}

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u,
        @builtin(local_invocation_index) t: u32) {
  let bt = wid.z;
  let m0 = wid.y * 64u;
  let n0 = wid.x * 64u;
  var acc = mat4x4f();  // column i = C[m0 + 4*lid.y + i, n0 + 4*lid.x .. +3]
  for (var k0 = 0u; k0 < params.K; k0 += TILE_K) {
    stageTiles(bt, t, m0, n0, k0);
    workgroupBarrier();
    for (var k = 0u; k < TILE_K; k++) {
      let av = tileA[k * 16u + lid.y];
      let bv = tileB[k * 16u + lid.x];
      acc += mat4x4f(bv * av.x, bv * av.y, bv * av.z, bv * av.w);
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i++) { storeC4(bt, m0 + lid.y * 4u + i, n0 + lid.x * 4u, acc[i]); }
}
