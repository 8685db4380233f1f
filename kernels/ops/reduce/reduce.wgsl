// Reductions without workgroup barriers (SwiftShader pays dearly for them): a `fold` pass lets each
// invocation sum `chunk` values strided by `outputs` (adjacent invocations read adjacent addresses),
// and the wrapper repeats passes until one value is left. Column sums give bias gradients.

const INPUT_IDENTITY: u32 = 0u;
const INPUT_SQUARE: u32 = 1u;
const INPUT_NONFINITE: u32 = 2u;  // 1 where the value is NaN or +-Inf (exponent bits all set), else 0
const OUTPUT_IDENTITY: u32 = 0u;
const OUTPUT_SQRT: u32 = 1u;
const OUTPUT_IS_ZERO: u32 = 2u;   // 1 when the sum is 0, else 0 (the all-finite flag)

// Bit test, not `v != v`: WGSL compilers may assume floats are finite and fold such comparisons away.
fn isNonFinite(v: f32) -> bool {
  return (bitcast<u32>(v) & 0x7f800000u) == 0x7f800000u;
}

// ---------------------------------------------------------------- fold: [n] -> [outputs]
@group(0) @binding(0) var<storage, read> foldSrc: array<f32>;          // [n]
@group(0) @binding(1) var<storage, read_write> foldDst: array<f32>;   // [dstOffset + outputs ...]
struct FoldParams {
  n: u32,
  outputs: u32,    // invocation i sums src[i + j*outputs] for j < chunk
  chunk: u32,
  dstOffset: u32,  // lets several tensors fold into one scratch buffer (global norm)
  inputOp: u32,
  outputOp: u32,
  scale: f32,      // applied to the sum before outputOp (1/n for a mean)
}
@group(0) @binding(2) var<uniform> foldParams: FoldParams;

@compute @workgroup_size(64)
fn fold(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let wg = flatWorkgroup(wid, nwg);
  if (wg >= grid.end) { return; }
  let i = wg * 64u + lid;
  let p = foldParams;
  if (i >= p.outputs) { return; }
  var s = 0.0;
  for (var j = 0u; j < p.chunk; j++) {
    let idx = i + j * p.outputs;
    if (idx >= p.n) { break; }
    let v = foldSrc[idx];
    switch p.inputOp {
      case INPUT_SQUARE: { s += v * v; }
      case INPUT_NONFINITE: { s += select(0.0, 1.0, isNonFinite(v)); }
      default: { s += v; }
    }
  }
  s *= p.scale;
  var r = s;
  switch p.outputOp {
    case OUTPUT_SQRT: { r = sqrt(s); }
    case OUTPUT_IS_ZERO: { r = select(0.0, 1.0, s == 0.0); }
    default: {}
  }
  foldDst[p.dstOffset + i] = r;
}

// ---------------------------------------------------------------- column sums: [N,C] -> [chunks,C]
@group(0) @binding(0) var<storage, read> colSrc: array<f32>;          // [N,C]
@group(0) @binding(1) var<storage, read_write> colDst: array<f32>;    // [chunks,C]
struct ColumnParams {
  rows: u32,
  cols: u32,
  accumulate: u32,    // 1: dst += sums, 0: dst = sums
  rowsPerChunk: u32,  // rows one invocation walks; chunk k covers rows [k*rowsPerChunk, (k+1)*rowsPerChunk)
  colBlocks: u32,     // ceil(C / 64): flat workgroup w handles chunk w / colBlocks
}
@group(0) @binding(2) var<uniform> colParams: ColumnParams;

// One invocation per (row chunk, column); adjacent invocations read adjacent columns. With one chunk
// this is the whole column sum, otherwise the wrapper sums the [chunks,C] partials again.
@compute @workgroup_size(64)
fn column_sums(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
               @builtin(local_invocation_index) lid: u32) {
  let wg = flatWorkgroup(wid, nwg);
  if (wg >= grid.end) { return; }
  let p = colParams;
  let chunk = wg / p.colBlocks;
  let c = (wg % p.colBlocks) * 64u + lid;
  if (c >= p.cols) { return; }
  let r0 = chunk * p.rowsPerChunk;
  let r1 = min(p.rows, r0 + p.rowsPerChunk);
  var s = 0.0;
  for (var r = r0; r < r1; r++) { s += colSrc[r * p.cols + c]; }
  let o = chunk * p.cols + c;
  if (p.accumulate != 0u) { s += colDst[o]; }
  colDst[o] = s;
}

// ---------------------------------------------------------------- fold_segments: first fold pass of many tensors in one buffer
// The `fold` pass of several tensors that live in one buffer (packed parameters' gradients), in one
// dispatch: segment s covers src[srcOffset .. srcOffset + n) and writes partials dst[dstOffset ..
// dstOffset + outputs); each partial sums the same values in the same order as `fold` would.
@group(0) @binding(0) var<storage, read> segSrc: array<f32>;          // the shared buffer
@group(0) @binding(1) var<storage, read_write> segDst: array<f32>;   // [partials]
struct Segment {
  srcOffset: u32,
  n: u32,
  outputs: u32,
  dstOffset: u32,
}
struct SegmentParams {
  count: u32,      // segments in use
  total: u32,      // partials written: segment count-1's dstOffset + outputs, minus segment 0's dstOffset
  chunk: u32,
  inputOp: u32,
  segs: array<Segment, ${MAX_SEGMENTS}>,
}
@group(0) @binding(2) var<uniform> segParams: SegmentParams;

@compute @workgroup_size(64)
fn fold_segments(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                 @builtin(local_invocation_index) lid: u32) {
  let wg = flatWorkgroup(wid, nwg);
  if (wg >= grid.end) { return; }
  let k = wg * 64u + lid;
  if (k >= segParams.total) { return; }
  let d = segParams.segs[0].dstOffset + k;
  // the last segment whose partials start at or before d
  var lo = 0u;
  var hi = segParams.count - 1u;
  while (lo < hi) {
    let mid = (lo + hi + 1u) / 2u;
    if (segParams.segs[mid].dstOffset <= d) { lo = mid; } else { hi = mid - 1u; }
  }
  let seg = segParams.segs[lo];
  let i = d - seg.dstOffset;
  var s = 0.0;
  for (var j = 0u; j < segParams.chunk; j++) {
    let idx = i + j * seg.outputs;
    if (idx >= seg.n) { break; }
    let v = segSrc[seg.srcOffset + idx];
    switch segParams.inputOp {
      case INPUT_SQUARE: { s += v * v; }
      case INPUT_NONFINITE: { s += select(0.0, 1.0, isNonFinite(v)); }
      default: { s += v; }
    }
  }
  segDst[d] = s;
}
