// Register-tiled matmul for vec4-aligned shapes: each invocation owns a 4x4 block of C and walks K
// four at a time with no workgroup memory and no barriers, which is what SwiftShader (4-wide SIMD
// across invocations, costly barriers) runs fastest. The inner loop reads through precomputed vec4
// indices without edge checks: rows past M are clamped (their results are never stored) and a
// K that is no multiple of 4 ends with one checked step (blockAT/blockBT of matmul-checked.wgsl).

override WG_X: u32 = 16;  // invocations along N
override WG_Y: u32 = 4;   // invocations along M

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let n0 = gid.x * 4u;
  let m0 = gid.y * 4u;
  let bt = gid.z;
  if (n0 >= params.N || m0 >= params.M) { return; }
  let lane = vec4u(0u, 1u, 2u, 3u);
  // Indices (in vec4s) of the four vec4s of A and of B one K step reads, and their step.
  var ia: vec4u;
  var ib: vec4u;
  var stepA: u32;
  var stepB: u32;
  let baseA = (bt * params.strideA) >> 2u;
  let baseB = (bt * params.strideB) >> 2u;
  if (TRANS_A) {  // rows k..k+3 of a[K,M], columns m0..m0+3
    ia = baseA + (m0 >> 2u) + lane * (params.M >> 2u);
    stepA = params.M;
  } else {  // rows m0..m0+3 of a[M,K], columns k..k+3
    ia = baseA + min(m0 + lane, vec4u(params.M - 1u)) * (params.K >> 2u);
    stepA = 1u;
  }
  if (TRANS_B) {  // rows n0..n0+3 of b[N,K], columns k..k+3
    ib = baseB + (n0 + lane) * (params.K >> 2u);
    stepB = 1u;
  } else {  // rows k..k+3 of b[K,N], columns n0..n0+3
    ib = baseB + (n0 >> 2u) + lane * (params.N >> 2u);
    stepB = params.N;
  }
  // Column i of acc is C[m0+i, n0 .. n0+3]: C^T block += B^T block * A^T block.
  var acc = mat4x4f();
  let K4 = params.K & ~3u;
  for (var k = 0u; k < K4; k += 4u) {
    var at = mat4x4f(a[ia.x], a[ia.y], a[ia.z], a[ia.w]);
    var bt4 = mat4x4f(readB(ib.x), readB(ib.y), readB(ib.z), readB(ib.w));
    if (TRANS_A) { at = transpose(at); }
    if (TRANS_B) { bt4 = transpose(bt4); }
    acc += bt4 * at;
    ia += stepA;
    ib += stepB;
  }
  if (K4 < params.K) { acc += blockBT(bt, K4, n0) * blockAT(bt, m0, K4); }
  for (var i = 0u; i < 4u; i++) { storeC4(bt, m0 + i, n0, acc[i]); }
}
