/**
 * Token embedding lookup, with GPT-2's learned positions fused into the same gather, and the
 * scatter-add backward. The backward is deterministic without float atomics: rows sharing an id are
 * linked into a chain (O(N^2) integer work, independent of V), then each chain head sums its chain in
 * row order, O(N*C) float work; a per-(vocab row, channel) scan would cost O(V*N*C) instead.
 * A table above one storage binding comes as row chunks (runtime/row-chunks.ts): one gather or scatter
 * dispatch per chunk, each writing only the rows its chunk holds, so results equal the unsplit ones.
 */
import {
  chunkRowStarts,
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

/** A [V,C] table: one tensor, or row chunks [V0,C], [V1,C], ... stacked in order. */
export type EmbeddingTable = Tensor | readonly Tensor[];

/** The chunks of a table, checked to share C; their first rows; V. */
function tableChunks(op: string, name: string, table: EmbeddingTable, c?: number) {
  const chunks = Array.isArray(table) ? (table as readonly Tensor[]) : [table as Tensor];
  if (chunks.length === 0) throw new Error(`${op}: ${name} has no chunks`);
  const width = c ?? chunks[0].shape[1];
  chunks.forEach((t, i) => {
    expectShape(op, chunks.length > 1 ? `${name}[${i}]` : name, t, [undefined, width]);
  });
  const starts = chunkRowStarts(chunks.map((t) => t.shape[0]));
  return { chunks, starts, v: starts[starts.length - 1], c: width };
}

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
  const ok: Record<DType, boolean> = { i32: true, u32: true, f32: false, f16: false };
  if (!ok[ids.dtype]) throw new Error(`${op}: ${name} must be i32 or u32, got ${ids.dtype}`);
}

/**
 * x[N,C] = table[ids[n]] (+ positions.table[pos[n]]); ids outside [0,V) read as zero rows. The table
 * (not the positions) may be f16, widened to f32 on load.
 */
export function embeddingForward(
  rt: Runtime,
  table: EmbeddingTable,
  ids: Tensor,
  opts: EmbeddingForwardOptions = {},
): Tensor {
  const op = 'embeddingForward';
  const { chunks, starts, v, c } = tableChunks(op, 'table', table);
  checkIds(op, 'ids', ids);
  const n = ids.shape[0];
  const pos = opts.positions;
  if (pos) {
    expectShape(op, 'positions.table', pos.table, [undefined, c]);
    checkIds(op, 'positions.pos', pos.pos, n);
  }
  const half = chunks[0].dtype === 'f16';
  if (chunks.some((t) => t.dtype !== (half ? 'f16' : 'f32')))
    throw new Error(`${op}: table chunks must all be f32 or all f16`);
  const x = rt.empty([n, c], 'embedding.x');
  chunks.forEach((chunk, i) => {
    rt.dispatch({
      kernel: half ? 'embedding.forwardF16' : 'embedding.forward',
      code: CODE,
      entry: half ? 'forwardF16' : 'forward',
      // without positions the table and ids stand in for the position bindings (hasPos = 0: never read)
      read: [chunk, ids, pos?.table ?? chunk, pos?.pos ?? ids],
      write: [x],
      uniforms: uniforms().u32(n, c, chunk.shape[0], pos ? pos.table.shape[0] : 0, pos ? 1 : 0, starts[i], v),
      workgroups: { linear: Math.ceil((n * c) / WG) },
    });
  });
  return x;
}

/** dtable[id] += sum of dx rows with that id, in row order (deterministic), chunk by chunk. */
function scatterAddRows(rt: Runtime, dx: Tensor, ids: Tensor, dtable: EmbeddingTable): void {
  const [n, c] = dx.shape;
  const { chunks, starts, v } = tableChunks('embeddingBackward', 'dtable', dtable, c);
  if (chunks.some((t) => t.dtype !== 'f32')) throw new Error('embeddingBackward: dtable must be f32');
  const links = rt.empty([n, 2], 'embedding.links', 'i32');
  rt.dispatch({
    kernel: 'embedding.linkEqualIds',
    code: CODE,
    entry: 'linkEqualIds',
    read: [ids],
    write: [links],
    uniforms: uniforms().u32(n, c, v, 0, 0, 0, v),
    workgroups: { linear: Math.ceil(n / WG) },
  });
  chunks.forEach((chunk, i) => {
    rt.dispatch({
      kernel: 'embedding.scatterChains',
      code: CODE,
      entry: 'scatterChains',
      read: [ids, links, dx],
      write: [chunk],
      uniforms: uniforms().u32(n, c, chunk.shape[0], 0, 0, starts[i], v),
      workgroups: { linear: Math.ceil((n * c) / WG) },
    });
  });
  links.dispose();
}

/**
 * Accumulates into `dtable` [V,C] (one tensor or row chunks, and `positions.dtable`): rows never looked
 * up are left as they are, so zero the destination first for a plain gradient. ids outside [0,V)
 * contribute nothing.
 */
export function embeddingBackward(
  rt: Runtime,
  dx: Tensor,
  ids: Tensor,
  dtable: EmbeddingTable,
  opts: EmbeddingBackwardOptions = {},
): void {
  const op = 'embeddingBackward';
  expectShape(op, 'dx', dx, [undefined, undefined]);
  const [n] = dx.shape;
  checkIds(op, 'ids', ids, n);
  scatterAddRows(rt, dx, ids, dtable);
  const pos = opts.positions;
  if (pos) {
    expectShape(op, 'positions.dtable', pos.dtable, [undefined, dx.shape[1]]);
    checkIds(op, 'positions.pos', pos.pos, n);
    scatterAddRows(rt, dx, pos.pos, pos.dtable);
  }
}
