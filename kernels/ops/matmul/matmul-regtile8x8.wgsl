// matmul-regtile.wgsl with an 8x8 block of C per invocation: four 4x4 accumulators from two
// blocks of A and two of B, so a K step costs 16 vec4 loads for 256 multiply-adds. On SwiftShader,
// where every load is a per-lane gather, this beats the smaller blocks at the default model's
// 3072-row shapes despite the register spills. Same index scheme, clamping and checked K tail as
// matmul-regtile.wgsl; blocks past M or N read clamped rows and are never stored.

override WG_X: u32 = 8;  // invocations along N
override WG_Y: u32 = 8;  // invocations along M

@compute @workgroup_size(WG_X, WG_Y)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let n0 = gid.x * 8u;
  let m0 = gid.y * 8u;
  let bt = gid.z;
  if (n0 >= params.N || m0 >= params.M) { return; }
  let lane = vec4u(0u, 1u, 2u, 3u);
  var ia0: vec4u;  // rows m0..m0+3 (or K rows at columns m0..m0+3)
  var ia1: vec4u;  // rows m0+4..m0+7 (or columns m0+4..m0+7)
  var ib: vec4u;   // columns n0..n0+3 (or rows n0..n0+3 with TRANS_B)
  var ib1: vec4u;  // columns n0+4..n0+7, clamped into the matrix; never stored past N
  var stepA: u32;
  var stepB: u32;
  let baseA = (bt * params.strideA) >> 2u;
  let baseB = (bt * params.strideB) >> 2u;
  let lastM = vec4u(params.M - 1u);
  if (TRANS_A) {
    ia0 = baseA + (m0 >> 2u) + lane * (params.M >> 2u);
    ia1 = baseA + (min(m0 + 4u, params.M - 4u) >> 2u) + lane * (params.M >> 2u);  // clamped; never stored
    stepA = params.M;
  } else {
    ia0 = baseA + min(m0 + lane, lastM) * (params.K >> 2u);
    ia1 = baseA + min(m0 + 4u + lane, lastM) * (params.K >> 2u);
    stepA = 1u;
  }
  if (TRANS_B) {
    ib = baseB + (n0 + lane) * (params.K >> 2u);
    ib1 = baseB + min(n0 + 4u + lane, vec4u(params.N - 1u)) * (params.K >> 2u);
    stepB = 1u;
  } else {
    ib = baseB + (n0 >> 2u) + lane * (params.N >> 2u);
    ib1 = baseB + (min(n0 + 4u, params.N - 4u) >> 2u) + lane * (params.N >> 2u);
    stepB = params.N;
  }
  var acc0 = mat4x4f();  // column i = C[m0+i, n0 .. n0+3]
  var acc1 = mat4x4f();  // column i = C[m0+4+i, n0 .. n0+3]
  var acc2 = mat4x4f();  // column i = C[m0+i, n0+4 .. n0+7]
  var acc3 = mat4x4f();  // column i = C[m0+4+i, n0+4 .. n0+7]
  let K4 = params.K & ~3u;
  for (var k = 0u; k < K4; k += 4u) {
    var at0 = mat4x4f(a[ia0.x], a[ia0.y], a[ia0.z], a[ia0.w]);
    var at1 = mat4x4f(a[ia1.x], a[ia1.y], a[ia1.z], a[ia1.w]);
    var b4 = mat4x4f(readB(ib.x), readB(ib.y), readB(ib.z), readB(ib.w));
    var b5 = mat4x4f(readB(ib1.x), readB(ib1.y), readB(ib1.z), readB(ib1.w));
    if (TRANS_A) {
      at0 = transpose(at0);
      at1 = transpose(at1);
    }
    if (TRANS_B) {
      b4 = transpose(b4);
      b5 = transpose(b5);
    }
    acc0 += b4 * at0;
    acc1 += b4 * at1;
    acc2 += b5 * at0;
    acc3 += b5 * at1;
    ia0 += stepA;
    ia1 += stepA;
    ib += stepB;
    ib1 += stepB;
  }
  if (K4 < params.K) {
    let bk = blockBT(bt, K4, n0);
    let bk1 = blockBT(bt, K4, n0 + 4u);
    let a0 = blockAT(bt, m0, K4);
    let a1 = blockAT(bt, m0 + 4u, K4);
    acc0 += bk * a0;
    acc1 += bk * a1;
    acc2 += bk1 * a0;
    acc3 += bk1 * a1;
  }
  for (var i = 0u; i < 4u; i++) {
    storeC4(bt, m0 + i, n0, acc0[i]);
    storeC4(bt, m0 + 4u + i, n0, acc1[i]);
    storeC4(bt, m0 + i, n0 + 4u, acc2[i]);
    storeC4(bt, m0 + 4u + i, n0 + 4u, acc3[i]);
  }
}
