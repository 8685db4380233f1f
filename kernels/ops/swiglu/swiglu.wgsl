// SwiGLU (Llama/Qwen2 MLP): out = silu(gate) * up, silu(g) = g * sigmoid(g); and silu alone.
// One element per invocation on linear grids. sigmoid uses exp(-|g|), which cannot overflow.

struct Params {
  n: u32,
}

fn sigmoidStable(g: f32) -> f32 {
  let e = exp(-abs(g));
  return select(e / (1.0 + e), 1.0 / (1.0 + e), g >= 0.0);
}

// d silu / dg = s * (1 + g * (1 - s))
fn siluDerivative(g: f32, s: f32) -> f32 {
  return s * (1.0 + g * (1.0 - s));
}

fn elementIndex(wid: vec3u, nwg: vec3u, lid: u32) -> u32 {
  let wg = flatWorkgroup(wid, nwg);
  if (wg >= grid.end) { return 0xffffffffu; }
  return wg * 64u + lid;
}

// ---------------------------------------------------------------- forward: out = silu(gate) * up
@group(0) @binding(0) var<storage, read> fGate: array<f32>;          // [N,F]
@group(0) @binding(1) var<storage, read> fUp: array<f32>;            // [N,F]
@group(0) @binding(2) var<storage, read_write> fOut: array<f32>;     // [N,F]
@group(0) @binding(3) var<uniform> params3: Params;

@compute @workgroup_size(64)
fn forward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
           @builtin(local_invocation_index) lid: u32) {
  let i = elementIndex(wid, nwg, lid);
  if (i >= params3.n) { return; }
  let g = fGate[i];
  fOut[i] = g * sigmoidStable(g) * fUp[i];
}

// ---------------------------------------------------------------- backward: dgate, dup
@group(0) @binding(0) var<storage, read> bDy: array<f32>;            // [N,F]
@group(0) @binding(1) var<storage, read> bGate: array<f32>;          // [N,F]
@group(0) @binding(2) var<storage, read> bUp: array<f32>;            // [N,F]
@group(0) @binding(3) var<storage, read_write> bDgate: array<f32>;   // [N,F]
@group(0) @binding(4) var<storage, read_write> bDup: array<f32>;     // [N,F]
@group(0) @binding(5) var<uniform> params5: Params;

@compute @workgroup_size(64)
fn backward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
            @builtin(local_invocation_index) lid: u32) {
  let i = elementIndex(wid, nwg, lid);
  if (i >= params5.n) { return; }
  let dy = bDy[i];
  let g = bGate[i];
  let s = sigmoidStable(g);
  bDgate[i] = dy * bUp[i] * siluDerivative(g, s);
  bDup[i] = dy * g * s;
}

// ---------------------------------------------------------------- silu forward: y = silu(x)
@group(0) @binding(0) var<storage, read> sX: array<f32>;
@group(0) @binding(1) var<storage, read_write> sY: array<f32>;
@group(0) @binding(2) var<uniform> params2: Params;

@compute @workgroup_size(64)
fn silu_forward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                @builtin(local_invocation_index) lid: u32) {
  let i = elementIndex(wid, nwg, lid);
  if (i >= params2.n) { return; }
  let x = sX[i];
  sY[i] = x * sigmoidStable(x);
}

// ---------------------------------------------------------------- silu backward: dx = dy * silu'(x)
@group(0) @binding(0) var<storage, read> sbDy: array<f32>;
@group(0) @binding(1) var<storage, read> sbX: array<f32>;
@group(0) @binding(2) var<storage, read_write> sbDx: array<f32>;

@compute @workgroup_size(64)
fn silu_backward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
                 @builtin(local_invocation_index) lid: u32) {
  let i = elementIndex(wid, nwg, lid);
  if (i >= params3.n) { return; }
  let x = sbX[i];
  sbDx[i] = sbDy[i] * siluDerivative(x, sigmoidStable(x));
}
