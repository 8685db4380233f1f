/**
 * Packed tensors: many small tensors (a model's parameters, their gradients, AdamW's moments) laid out
 * side by side in a few large buffers, each tensor a view at an aligned offset. Elementwise work over
 * all of them (AdamW, zeroing, the global gradient norm's first pass) then runs as one dispatch per
 * buffer instead of one per tensor. A buffer holds at most `maxBytes` (one storage binding), so
 * a large model gets several; tensors of equal layout (params and grads made from the same members)
 * pair buffer with buffer and element with element, padding included. Padding words are zeroed when
 * the arena is made.
 */
import type { Runtime } from './runtime.js';
import { type DType, dtypeBytes, shapeSize, Tensor } from './tensor.js';

export interface ArenaMember {
  shape: readonly number[];
  dtype: DType;
  label: string;
}

/** One buffer of packed tensors: `storage` is its whole f32 [words] extent (it owns the buffer). */
export interface Arena {
  storage: Tensor;
  /** Indices into the member list of the tensors this buffer holds, in order. */
  members: number[];
}

export interface PackedTensors {
  arenas: Arena[];
  /** One view per member, in member order; disposing a view frees nothing. */
  views: Tensor[];
}

/** Byte offset alignment of a view: storage bindings must start at `minStorageBufferOffsetAlignment`. */
export function arenaAlignment(rt: Runtime): number {
  return Math.max(256, rt.limits.minStorageBufferOffsetAlignment ?? 256);
}

/** Where each member goes: arena index and byte offset, and each arena's byte size. */
export function planArenas(
  members: readonly ArenaMember[],
  align: number,
  maxBytes: number,
): { place: { arena: number; offset: number }[]; sizes: number[] } {
  const place: { arena: number; offset: number }[] = [];
  const sizes: number[] = [];
  for (const m of members) {
    const bytes = Math.max(4, Math.ceil((shapeSize(m.shape) * dtypeBytes(m.dtype)) / 4) * 4);
    if (bytes > maxBytes) throw new Error(`packTensors: ${m.label} (${bytes} bytes) exceeds ${maxBytes}`);
    let at = sizes.length > 0 ? Math.ceil(sizes[sizes.length - 1] / align) * align : 0;
    if (sizes.length === 0 || at + bytes > maxBytes) {
      sizes.push(0);
      at = 0;
    }
    place.push({ arena: sizes.length - 1, offset: at });
    sizes[sizes.length - 1] = at + bytes;
  }
  return { place, sizes };
}

/** Allocates zeroed arenas holding every member and returns a view per member. */
export function packTensors(
  rt: Runtime,
  members: readonly ArenaMember[],
  label: string,
  // one storage binding (not `rt.splitBytes`, which tests lower to split small tables into row chunks)
  maxBytes = Math.min(rt.limits.maxStorageBufferBindingSize, rt.limits.maxBufferSize),
): PackedTensors {
  const { place, sizes } = planArenas(members, arenaAlignment(rt), maxBytes);
  const arenas: Arena[] = sizes.map((bytes, i) => ({
    storage: rt.zeros([bytes / 4], sizes.length > 1 ? `${label}#${i}` : label),
    members: [],
  }));
  const views = members.map((m, i) => {
    const { arena, offset } = place[i];
    arenas[arena].members.push(i);
    const storage = arenas[arena].storage;
    return new Tensor(rt, storage.buffer, m.shape, m.dtype, m.label, storage.offset + offset, true);
  });
  return { arenas, views };
}

/** Whether two packings have the same layout: equal buffer sizes and every view at the same place. */
export function sameLayout(a: PackedTensors, b: PackedTensors): boolean {
  if (a.arenas.length !== b.arenas.length || a.views.length !== b.views.length) return false;
  if (a.arenas.some((x, i) => x.storage.size !== b.arenas[i].storage.size)) return false;
  return a.arenas.every(
    (x, i) =>
      x.members.length === b.arenas[i].members.length &&
      x.members.every((m, j) => {
        const [v, w] = [a.views[m], b.views[b.arenas[i].members[j]]];
        return m === b.arenas[i].members[j] && v.offset === w.offset && v.byteLength === w.byteLength;
      }),
  );
}
