// Rotary position embedding, rotate-half form (HF Llama / Qwen2): for i < D/2 with angle a = pos * f_i,
//   y[i]       = x[i] cos a - x[i + D/2] sin a
//   y[i + D/2] = x[i + D/2] cos a + x[i] sin a
// The backward is the inverse rotation (sin a -> -sin a). One invocation per (row, head, pair).
// f_i = theta^(-2i/D) arrives precomputed in float32 the way transformers computes it, and the angle
// is the float32 product pos * f_i as there. WGSL's sin/cos promise nothing outside [-pi, pi] (SwiftShader
// is ~1e-4 off at 50 rad), so sinCos reduces by pi/2 (Cody-Waite) and uses its own polynomials.

struct Params {
  rows: u32,   // B*T (one position per row)
  heads: u32,  // H (or Hkv for keys)
  d: u32,      // head dim D, even, <= 256
  sign: f32,   // +1 forward, -1 backward (inverse rotation)
  invFreq: array<vec4f, 32>,  // f_i for i < D/2, packed 4 per vec4
}

// (sin a, cos a) to ~1e-7 absolute for |a| < 5e4 (k * PIO2_HI stays exact while k < 2^15).
fn sinCos(a: f32) -> vec2f {
  const PIO2_HI: f32 = 1.5703125;
  const PIO2_MID: f32 = 4.837512969970703125e-4;
  const PIO2_LO: f32 = 7.549789954891886e-8;
  let k = round(a * 0.6366197723675814);
  let r = ((a - k * PIO2_HI) - k * PIO2_MID) - k * PIO2_LO;  // |r| <= pi/4
  let r2 = r * r;
  let s = r + r * r2 * (-1.6666667e-1 + r2 * (8.333333e-3 + r2 * (-1.984127e-4 + r2 * 2.7557319e-6)));
  let c = 1.0 + r2 * (-0.5 + r2 * (4.1666668e-2 + r2 * (-1.3888889e-3 + r2 * 2.4801587e-5)));
  let q = i32(k) & 3;
  switch (q) {
    case 0: { return vec2f(s, c); }
    case 1: { return vec2f(c, -s); }
    case 2: { return vec2f(-s, -c); }
    default: { return vec2f(-c, s); }
  }
}

@group(0) @binding(0) var<storage, read> ropeX: array<f32>;        // [B,T,H,D]
@group(0) @binding(1) var<storage, read> ropePos: array<i32>;      // [B*T]
@group(0) @binding(2) var<storage, read_write> ropeY: array<f32>;  // [B,T,H,D]
@group(0) @binding(3) var<uniform> params: Params;

@compute @workgroup_size(64)
fn rotate(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
          @builtin(local_invocation_index) lid: u32) {
  let wg = flatWorkgroup(wid, nwg);
  if (wg >= grid.end) { return; }
  let half = params.d / 2u;
  let i = wg * 64u + lid;  // over rows * heads * half
  if (i >= params.rows * params.heads * half) { return; }
  let pair = i % half;
  let rowHead = i / half;  // row * heads + head
  let row = rowHead / params.heads;
  let f = params.invFreq[pair / 4u][pair % 4u];
  let angle = f32(ropePos[row]) * f;
  let sc = sinCos(angle);
  let c = sc.y;
  let s = params.sign * sc.x;
  let base = rowHead * params.d;
  let lo = ropeX[base + pair];
  let hi = ropeX[base + pair + half];
  ropeY[base + pair] = lo * c - hi * s;
  ropeY[base + pair + half] = hi * c + lo * s;
}
