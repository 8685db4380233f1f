/**
 * Token embedding lookup, with GPT-2's learned positions fused into the same gather, and the
 * scatter-add backward. The backward is deterministic without float atomics: rows sharing an id are
 * linked into a chain (O(N^2) integer work, independent of V), then each chain head sums its chain in
 * row order, O(N*C) float work; a per-(vocab row, channel) scan would cost O(V*N*C) instead.
 */
import {
  type DType,
  expectShape,
  makeShader,
  type Runtime,
  type Tensor,
  uniforms,
} from '../../runtime/index.js';
import src from './embedding.wgsl?raw';

const CODE = makeShader(src);
const WG = 64;

export interface EmbeddingForwardOptions {
  /** GPT-2 style learned positions: x[n] += table[pos[n]]. */
  positions?: { table: Tensor /* [Tpos,C] */; pos: Tensor /* [N] i32 */ };
}

export interface EmbeddingBackwardOptions {
  /** Also scatter-add dx into the position table's gradient at pos[n]. */
  positions?: { dtable: Tensor /* [Tpos,C] */; pos: Tensor /* [N] i32 */ };
}

function checkIds(op: string, name: string, ids: Tensor, n?: number): void {
  expectShape(op, name, ids, [n]);
  const ok: Record<DType, boolean> = { i32: true, u32: true, f32: false };
  if (!ok[ids.dtype]) throw new Error(`${op}: ${name} must be i32 or u32, got ${ids.dtype}`);
}

/** x[N,C] = table[ids[n]] (+ positions.table[pos[n]]); ids outside [0,V) read as zero rows. */
export function embeddingForward(
  rt: Runtime,
  table: Tensor,
  ids: Tensor,
  opts: EmbeddingForwardOptions = {},
): Tensor {
  const op = 'embeddingForward';
  expectShape(op, 'table', table, [undefined, undefined]);
  const [v, c] = table.shape;
  checkIds(op, 'ids', ids);
  const n = ids.shape[0];
  const pos = opts.positions;
  if (pos) {
    expectShape(op, 'positions.table', pos.table, [undefined, c]);
    checkIds(op, 'positions.pos', pos.pos, n);
  }
  const x = rt.empty([n, c], 'embedding.x');
  rt.dispatch({
    kernel: 'embedding.forward',
    code: CODE,
    entry: 'forward',
    // without positions the table and ids stand in for the position bindings (hasPos = 0: never read)
    read: [table, ids, pos?.table ?? table, pos?.pos ?? ids],
    write: [x],
    uniforms: uniforms().u32(n, c, v, pos ? pos.table.shape[0] : 0, pos ? 1 : 0),
    workgroups: { linear: Math.ceil((n * c) / WG) },
  });
  return x;
}

/** dtable[id] += sum of dx rows with that id, in row order (deterministic). */
function scatterAddRows(rt: Runtime, dx: Tensor, ids: Tensor, dtable: Tensor): void {
  const [n, c] = dx.shape;
  const v = dtable.shape[0];
  const links = rt.empty([n, 2], 'embedding.links', 'i32');
  rt.dispatch({
    kernel: 'embedding.linkEqualIds',
    code: CODE,
    entry: 'linkEqualIds',
    read: [ids],
    write: [links],
    uniforms: uniforms().u32(n, c, v, 0, 0),
    workgroups: { linear: Math.ceil(n / WG) },
  });
  rt.dispatch({
    kernel: 'embedding.scatterChains',
    code: CODE,
    entry: 'scatterChains',
    read: [ids, links, dx],
    write: [dtable],
    uniforms: uniforms().u32(n, c, v, 0, 0),
    workgroups: { linear: Math.ceil((n * c) / WG) },
  });
  links.dispose();
}

/**
 * Accumulates into `dtable` [V,C] (and `positions.dtable`): rows never looked up are left as they
 * are, so zero the destination first for a plain gradient. ids outside [0,V) contribute nothing.
 */
export function embeddingBackward(
  rt: Runtime,
  dx: Tensor,
  ids: Tensor,
  dtable: Tensor,
  opts: EmbeddingBackwardOptions = {},
): void {
  const op = 'embeddingBackward';
  expectShape(op, 'dx', dx, [undefined, undefined]);
  const [n, c] = dx.shape;
  checkIds(op, 'ids', ids, n);
  expectShape(op, 'dtable', dtable, [undefined, c]);
  scatterAddRows(rt, dx, ids, dtable);
  const pos = opts.positions;
  if (pos) {
    expectShape(op, 'positions.dtable', pos.dtable, [undefined, c]);
    checkIds(op, 'positions.pos', pos.pos, n);
    scatterAddRows(rt, dx, pos.pos, pos.dtable);
  }
}
