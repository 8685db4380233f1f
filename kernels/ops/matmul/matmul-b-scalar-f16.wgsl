// B as packed f16 scalars: element e is half (e & 1) of word e / 2 (low half first).
@group(0) @binding(1) var<storage, read> b: array<u32>;

fn readB1(e: u32) -> f32 { return unpack2x16float(b[e >> 1u])[e & 1u]; }
