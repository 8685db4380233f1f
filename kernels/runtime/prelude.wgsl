// Shared declarations the runtime prepends to every kernel (tfjs makeShader style).
// Group 1 holds the grid of a "linear" dispatch: kernels that index flat workgroups call
// flatWorkgroup() so the runtime can split a huge grid into 2-D and into several dispatches.
struct Grid {
  base: u32,  // first flat workgroup of this chunk
  end: u32,   // one past the last flat workgroup of this chunk: return when flatWorkgroup() >= end
}
@group(1) @binding(0) var<uniform> grid: Grid;

fn flatWorkgroup(wid: vec3u, nwg: vec3u) -> u32 {
  return grid.base + wid.x + wid.y * nwg.x;
}

const NEG_INF: f32 = -3.0e38;
