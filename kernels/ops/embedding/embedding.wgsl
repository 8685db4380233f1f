// Embedding gather (token table plus optional learned positions, GPT-2's wte + wpe) and its
// deterministic scatter-add backward. No float atomics exist in WGSL, so the backward first links
// equal ids into chains (head = first occurrence, next = following occurrence), then one invocation
// per (head row, channel) walks its chain in row order and adds the sum: same bits on every run.
// A table stored as row chunks (runtime/row-chunks.ts) is gathered and scattered one chunk per
// dispatch: each element is written by exactly one dispatch, so the result is the unsplit one's bits.

struct Params {
  n: u32,         // rows N (tokens)
  c: u32,         // channels C
  v: u32,         // rows of the table (chunk) bound here (V, or Tpos for positions)
  tpos: u32,      // forward: rows of the position table
  hasPos: u32,    // forward: 1 when positions are added
  rowStart: u32,  // table row of this chunk's row 0 (0 when unsplit)
  vTotal: u32,    // rows of the whole table (v when unsplit)
}

// Row of `id` within the chunk bound now, or -1 when another chunk (or none) holds it.
fn chunkRow(id: i32, p: Params) -> i32 {
  let local = id - i32(p.rowStart);
  if (id < 0 || local < 0 || u32(local) >= p.v) { return -1; }
  return local;
}

// ---- forward: x[n,c] = table[ids[n],c] (+ posTable[pos[n],c]); an out-of-range id reads as zeros
@group(0) @binding(0) var<storage, read> fwdTable: array<f32>;      // [V,C]
@group(0) @binding(1) var<storage, read> fwdIds: array<i32>;        // [N] (u32 ids read the same bits)
@group(0) @binding(2) var<storage, read> fwdPosTable: array<f32>;   // [Tpos,C] (table when hasPos = 0)
@group(0) @binding(3) var<storage, read> fwdPos: array<i32>;        // [N] (ids when hasPos = 0)
@group(0) @binding(4) var<storage, read_write> fwdX: array<f32>;    // [N,C]
@group(0) @binding(5) var<uniform> fwdParams: Params;

// Where element i of x reads: its row within the bound chunk (-1: a zero row), or -2 when another
// chunk's dispatch writes it (ids of other chunks; ids outside the table go to the first chunk's).
fn forwardSource(i: u32) -> i32 {
  let row = i / fwdParams.c;
  let id = fwdIds[row];
  let local = chunkRow(id, fwdParams);
  let inTable = id >= 0 && u32(id) < fwdParams.vTotal;
  if (local < 0 && (inTable || fwdParams.rowStart != 0u)) { return -2; }
  return local;
}

// x[i] = value (+ the position row's element).
fn forwardStore(i: u32, value: f32) {
  var x = value;
  if (fwdParams.hasPos == 1u) {
    let row = i / fwdParams.c;
    let p = fwdPos[row];
    if (p >= 0 && u32(p) < fwdParams.tpos) { x += fwdPosTable[u32(p) * fwdParams.c + i - row * fwdParams.c]; }
  }
  fwdX[i] = x;
}

@compute @workgroup_size(64)
fn forward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
           @builtin(local_invocation_index) lid: u32) {
  let wg = flatWorkgroup(wid, nwg);
  if (wg >= grid.end) { return; }
  let i = wg * 64u + lid;
  if (i >= fwdParams.n * fwdParams.c) { return; }
  let local = forwardSource(i);
  if (local == -2) { return; }
  var x = 0.0;
  if (local >= 0) { x = fwdTable[u32(local) * fwdParams.c + i % fwdParams.c]; }
  forwardStore(i, x);
}

// ---- forwardF16: the same gather from a table of packed f16 pairs (a frozen LoRA base), widened to f32
@group(0) @binding(0) var<storage, read> fwdTableF16: array<u32>;  // [V,C] halves, element e in word e/2

@compute @workgroup_size(64)
fn forwardF16(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
              @builtin(local_invocation_index) lid: u32) {
  let wg = flatWorkgroup(wid, nwg);
  if (wg >= grid.end) { return; }
  let i = wg * 64u + lid;
  if (i >= fwdParams.n * fwdParams.c) { return; }
  let local = forwardSource(i);
  if (local == -2) { return; }
  var x = 0.0;
  if (local >= 0) {
    let e = u32(local) * fwdParams.c + i % fwdParams.c;
    x = unpack2x16float(fwdTableF16[e >> 1u])[e & 1u];
  }
  forwardStore(i, x);
}

// ---- linkEqualIds: links[n] = (1 if n is the first row with its id else 0, next row with the same id or -1)
// O(N) per row, O(N^2) in all: independent of V and C, small next to the scatter for C >= N / 8.
@group(0) @binding(0) var<storage, read> linkIds: array<i32>;          // [N]
@group(0) @binding(1) var<storage, read_write> links: array<i32>;      // [N,2]
@group(0) @binding(2) var<uniform> linkParams: Params;

@compute @workgroup_size(64)
fn linkEqualIds(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                @builtin(local_invocation_index) lid: u32) {
  let wg = flatWorkgroup(wid, nwg);
  if (wg >= grid.end) { return; }
  let row = wg * 64u + lid;
  if (row >= linkParams.n) { return; }
  let id = linkIds[row];
  var head = 1;
  for (var k = 0u; k < row; k++) {
    if (linkIds[k] == id) { head = 0; break; }
  }
  var next = -1;
  for (var k = row + 1u; k < linkParams.n; k++) {
    if (linkIds[k] == id) { next = i32(k); break; }
  }
  links[2u * row] = head;
  links[2u * row + 1u] = next;
}

// ---- scatterChains: dtable[id,c] += sum over the chain of rows with that id of dx[row,c]
@group(0) @binding(0) var<storage, read> scatterIds: array<i32>;        // [N]
@group(0) @binding(1) var<storage, read> scatterLinks: array<i32>;      // [N,2]
@group(0) @binding(2) var<storage, read> scatterDx: array<f32>;         // [N,C]
@group(0) @binding(3) var<storage, read_write> scatterDtable: array<f32>; // [V,C]
@group(0) @binding(4) var<uniform> scatterParams: Params;

@compute @workgroup_size(64)
fn scatterChains(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                 @builtin(local_invocation_index) lid: u32) {
  let wg = flatWorkgroup(wid, nwg);
  if (wg >= grid.end) { return; }
  let i = wg * 64u + lid;
  let c = scatterParams.c;
  if (i >= scatterParams.n * c) { return; }
  let row = i / c;
  let ch = i - row * c;
  let local = chunkRow(scatterIds[row], scatterParams);
  if (scatterLinks[2u * row] == 0 || local < 0) { return; }
  var acc = 0.0;
  var k = i32(row);
  loop {
    acc += scatterDx[u32(k) * c + ch];
    k = scatterLinks[2u * u32(k) + 1u];
    if (k < 0) { break; }
  }
  let dst = u32(local) * c + ch;
  scatterDtable[dst] = scatterDtable[dst] + acc;
}
