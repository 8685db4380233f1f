// Bindings and 4-wide loads/stores for matmul when every contiguous dimension is a multiple of 4
// (the wrapper checks): each load is one vec4. Rows outside the matrix read as zeros.
// A is stored [Bt?][rowsA][colsA] = [M,K], or [K,M] with TRANS_A; B likewise [K,N], or [N,K] with TRANS_B.
@group(0) @binding(0) var<storage, read> a: array<vec4f>;
// binding 1 (`b`) and its reader `readB` come from matmul-b-f32.wgsl or matmul-b-f16.wgsl
@group(0) @binding(2) var<storage, read> bias: array<vec4f>;  // [N]; bound to `a` and unread without hasBias
@group(0) @binding(3) var<storage, read_write> c: array<vec4f>;

struct Params {
  M: u32, N: u32, K: u32,
  strideA: u32, strideB: u32, strideC: u32,  // elements between batches; 0 broadcasts
  hasBias: u32,     // 1: add bias[n]
  accumulate: u32,  // 1: c += a@b (+ bias) instead of c = ...
}
@group(0) @binding(4) var<uniform> params: Params;

override TRANS_A: bool = false;
override TRANS_B: bool = false;

// a[bt][row][col .. col+3]
fn loadA4(bt: u32, row: u32, col: u32) -> vec4f {
  let rows = select(params.M, params.K, TRANS_A);
  let cols = select(params.K, params.M, TRANS_A);
  if (row >= rows || col >= cols) { return vec4f(0.0); }
  return a[(bt * params.strideA + row * cols + col) >> 2u];
}

// b[bt][row][col .. col+3]
fn loadB4(bt: u32, row: u32, col: u32) -> vec4f {
  let rows = select(params.K, params.N, TRANS_B);
  let cols = select(params.N, params.K, TRANS_B);
  if (row >= rows || col >= cols) { return vec4f(0.0); }
  return readB((bt * params.strideB + row * cols + col) >> 2u);
}

// c[bt][row][col .. col+3] = v (+ bias[col ..]) (+ old c)
fn storeC4(bt: u32, row: u32, col: u32, v: vec4f) {
  if (row >= params.M || col >= params.N) { return; }
  let i = (bt * params.strideC + row * params.N + col) >> 2u;
  var out = v;
  if (params.hasBias != 0u) { out += bias[col >> 2u]; }
  if (params.accumulate != 0u) { out += c[i]; }
  c[i] = out;
}
