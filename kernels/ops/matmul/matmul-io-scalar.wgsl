// Bindings and loads/stores for matmul on any shape: the same 4-wide helpers as
// matmul-io-vec4.wgsl, assembled from scalars, each element checked against the matrix edge.
@group(0) @binding(0) var<storage, read> a: array<f32>;
// binding 1 (`b`) and its reader `readB1` come from matmul-b-scalar-f32.wgsl or matmul-b-scalar-f16.wgsl
@group(0) @binding(2) var<storage, read> bias: array<f32>;  // [N]; bound to `a` and unread without hasBias
@group(0) @binding(3) var<storage, read_write> c: array<f32>;

struct Params {
  M: u32, N: u32, K: u32,
  strideA: u32, strideB: u32, strideC: u32,  // elements between batches; 0 broadcasts
  hasBias: u32,     // 1: add bias[n]
  accumulate: u32,  // 1: c += a@b (+ bias) instead of c = ...
}
@group(0) @binding(4) var<uniform> params: Params;

override TRANS_A: bool = false;
override TRANS_B: bool = false;

fn loadA4(bt: u32, row: u32, col: u32) -> vec4f {
  let rows = select(params.M, params.K, TRANS_A);
  let cols = select(params.K, params.M, TRANS_A);
  var v = vec4f(0.0);
  if (row >= rows) { return v; }
  let base = bt * params.strideA + row * cols;
  for (var j = 0u; j < 4u; j++) {
    if (col + j < cols) { v[j] = a[base + col + j]; }
  }
  return v;
}

fn loadB4(bt: u32, row: u32, col: u32) -> vec4f {
  let rows = select(params.K, params.N, TRANS_B);
  let cols = select(params.N, params.K, TRANS_B);
  var v = vec4f(0.0);
  if (row >= rows) { return v; }
  let base = bt * params.strideB + row * cols;
  for (var j = 0u; j < 4u; j++) {
    if (col + j < cols) { v[j] = readB1(base + col + j); }
  }
  return v;
}

fn storeC4(bt: u32, row: u32, col: u32, v: vec4f) {
  if (row >= params.M) { return; }
  let base = bt * params.strideC + row * params.N;
  for (var j = 0u; j < 4u; j++) {
    let n = col + j;
    if (n < params.N) {
      var out = v[j];
      if (params.hasBias != 0u) { out += bias[n]; }
      if (params.accumulate != 0u) { out += c[base + n]; }
      c[base + n] = out;
    }
  }
}
