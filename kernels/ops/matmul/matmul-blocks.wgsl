// 4x4 blocks of A and B, transposed, as register-tiled matmuls consume them, read through the
// checked loads of matmul-io-*.wgsl (zeros past the matrix edge).

// Columns i = A[m0+i, k .. k+3] (i.e. the 4x4 block of A, transposed).
fn blockAT(bt: u32, m0: u32, k: u32) -> mat4x4f {
  if (TRANS_A) {
    return transpose(mat4x4f(loadA4(bt, k, m0), loadA4(bt, k + 1u, m0), loadA4(bt, k + 2u, m0), loadA4(bt, k + 3u, m0)));
  }
  return mat4x4f(loadA4(bt, m0, k), loadA4(bt, m0 + 1u, k), loadA4(bt, m0 + 2u, k), loadA4(bt, m0 + 3u, k));
}

// Columns j = B[k+j, n0 .. n0+3] (i.e. the 4x4 block of B, transposed).
fn blockBT(bt: u32, k: u32, n0: u32) -> mat4x4f {
  if (TRANS_B) {
    return transpose(mat4x4f(loadB4(bt, n0, k), loadB4(bt, n0 + 1u, k), loadB4(bt, n0 + 2u, k), loadB4(bt, n0 + 3u, k)));
  }
  return mat4x4f(loadB4(bt, k, n0), loadB4(bt, k + 1u, n0), loadB4(bt, k + 2u, n0), loadB4(bt, k + 3u, n0));
}
