/**
 * Float64 oracle for embedding.ts: a gather and a plain scatter-add loop. ids outside [0,V) read as
 * zero rows and receive no gradient, as on the GPU.
 */

export interface EmbeddingPositionsRef {
  table: Float64Array; // [Tpos,C]
  tpos: number;
  pos: ArrayLike<number>; // [N]
}

export function embeddingForwardRef(
  table: Float64Array,
  v: number,
  c: number,
  ids: ArrayLike<number>,
  positions?: EmbeddingPositionsRef,
): Float64Array {
  const n = ids.length;
  const x = new Float64Array(n * c);
  for (let r = 0; r < n; r++) {
    const id = ids[r];
    const p = positions ? positions.pos[r] : -1;
    for (let k = 0; k < c; k++) {
      let value = id >= 0 && id < v ? table[id * c + k] : 0;
      if (positions && p >= 0 && p < positions.tpos) value += positions.table[p * c + k];
      x[r * c + k] = value;
    }
  }
  return x;
}

/** dtable[V,C] += scatter of dx[N,C] by ids (returns the same array). */
export function embeddingBackwardRef(
  dx: Float64Array,
  ids: ArrayLike<number>,
  dtable: Float64Array,
  v: number,
  c: number,
): Float64Array {
  for (let r = 0; r < ids.length; r++) {
    const id = ids[r];
    if (id < 0 || id >= v) continue;
    for (let k = 0; k < c; k++) dtable[id * c + k] += dx[r * c + k];
  }
  return dtable;
}
