// B as packed f16 (frozen LoRA base weights): 4 halves in a vec2u, widened to f32 on load, so the
// kernels' math stays float32. unpack2x16float is core WGSL: no shader-f16 feature needed.
@group(0) @binding(1) var<storage, read> b: array<vec2u>;

fn readB(i: u32) -> vec4f {
  let w = b[i];
  return vec4f(unpack2x16float(w.x), unpack2x16float(w.y));
}
