// B as float32 vec4s (the vec4 load path).
@group(0) @binding(1) var<storage, read> b: array<vec4f>;

fn readB(i: u32) -> vec4f { return b[i]; }
