// B as float32 scalars (the checked path).
@group(0) @binding(1) var<storage, read> b: array<f32>;

fn readB1(e: u32) -> f32 { return b[e]; }
