/**
 * Structured mutations for the fuzz suite: pure random input rarely passes a parser's first check, so
 * most cases start from a valid input and break it a little - bytes flipped, truncated, spliced; a JSON
 * field given a value of the wrong type, removed, or nested thousands of levels deep. Every arbitrary
 * here is size-bounded (at most a few hundred kilobytes per input).
 */
import fc from 'fast-check';
import { nestedDeeperThan } from '../../../engine/json-depth.js';

/** A marker replaced in JSON text by deeply nested brackets (JSON.stringify itself overflows on them). */
const DEEP = '\u0000deep\u0000';

/** Nested arrays `depth` levels deep, built without recursion. */
export function deepArray(depth: number): unknown {
  let v: unknown[] = [];
  for (let i = 1; i < depth; i++) v = [v];
  return v;
}

/** Values a field should not have: other types, edge numbers, huge strings, deep nesting. */
export const wrongValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  {
    weight: 4,
    arbitrary: fc.constantFrom<unknown>(
      null,
      true,
      false,
      0,
      -1,
      1,
      1.5,
      -0.5,
      2 ** 31,
      2 ** 32,
      2 ** 53,
      2 ** 53 + 2,
      1e308,
      -1e308,
      5e-324,
      '',
      'x',
      '-1',
      'NaN',
      [],
      {},
      [[]],
      [0, 1, 2],
      { '': null },
      { __proto__: null, constructor: 'x' },
      '\uFEFF',
      '\uD800',
    ),
  },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 100_000 }).map((n) => 'x'.repeat(n)) },
  { weight: 1, arbitrary: fc.constant(DEEP) },
);

type Path = (string | number)[];

/** Paths to every value in `root` (the root itself included), at most `limit` of them, breadth first. */
export function jsonPaths(root: unknown, limit = 4000): Path[] {
  const out: Path[] = [[]];
  for (let i = 0; i < out.length && out.length < limit; i++) {
    const v = valueAt(root, out[i]);
    if (Array.isArray(v)) for (let k = 0; k < v.length; k++) out.push([...out[i], k]);
    else if (v && typeof v === 'object') for (const k of Object.keys(v)) out.push([...out[i], k]);
  }
  return out.slice(0, limit);
}

function valueAt(root: unknown, path: Path): unknown {
  let v = root;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined; // an earlier edit replaced a parent
    v = (v as Record<string | number, unknown>)[k];
  }
  return v;
}

export type JsonEdit =
  | { kind: 'replace'; at: number; value: unknown }
  | { kind: 'delete'; at: number }
  | { kind: 'add'; at: number; key: string; value: unknown };

const jsonEdit: fc.Arbitrary<JsonEdit> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), value: wrongValue }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('add' as const),
      at: fc.nat(),
      key: fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('__proto__', 'constructor', 'toString')),
      value: wrongValue,
    }),
  },
);

/** `valid` with the edits applied (paths chosen among `paths` by index); the input is not modified. */
export function applyJsonEdits(valid: unknown, paths: Path[], edits: readonly JsonEdit[]): unknown {
  let root = structuredClone(valid);
  for (const original of edits) {
    // a copy: constant values are shared between cases and edits (one could become its own child)
    const edit =
      'value' in original && !nestedDeeperThan(original.value) // deep values are made fresh per case
        ? { ...original, value: structuredClone(original.value) }
        : original;
    const path = paths[edit.at % paths.length];
    if (path.length === 0) {
      if (edit.kind === 'replace') root = edit.value;
      continue;
    }
    const parent = valueAt(root, path.slice(0, -1));
    if (parent === null || typeof parent !== 'object') continue; // an earlier edit replaced it
    const key = path[path.length - 1];
    const target = parent as Record<string | number, unknown>;
    if (edit.kind === 'replace') target[key] = edit.value;
    else if (edit.kind === 'delete') {
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete target[key];
    } else {
      const at = valueAt(root, path);
      if (at && typeof at === 'object' && !Array.isArray(at))
        Object.defineProperty(at, edit.key, { value: edit.value, enumerable: true, writable: true });
    }
  }
  return root;
}

/** JSON text of a value that may contain the DEEP marker: each becomes `depth`-deep nested brackets. */
export function toJsonText(value: unknown, depth: number): string {
  const text = JSON.stringify(value) ?? 'null';
  return text.split(JSON.stringify(DEEP)).join('['.repeat(depth) + ']'.repeat(depth));
}

/** Valid JSON with one to three fields of the wrong type, removed or added, as a value. */
export function mutatedJsonValue(valid: unknown): fc.Arbitrary<unknown> {
  const paths = jsonPaths(valid);
  return fc
    .tuple(fc.array(jsonEdit, { minLength: 1, maxLength: 3 }), fc.integer({ min: 3000, max: 10_000 }))
    .map(([edits, depth]) => {
      const deep = edits.map((e) =>
        'value' in e && e.value === DEEP ? { ...e, value: deepArray(depth) } : e,
      );
      return applyJsonEdits(valid, paths, deep);
    });
}

/** The same as JSON text. */
export function mutatedJsonText(valid: unknown): fc.Arbitrary<string> {
  const paths = jsonPaths(valid);
  return fc
    .tuple(fc.array(jsonEdit, { minLength: 1, maxLength: 3 }), fc.integer({ min: 3000, max: 10_000 }))
    .map(([edits, depth]) => toJsonText(applyJsonEdits(valid, paths, edits), depth));
}

type SeqEdit =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'set'; at: number; value: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'duplicate'; at: number; length: number };

const seqEdit: fc.Arbitrary<SeqEdit> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.nat(255) }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('delete' as const),
      at: fc.nat(),
      length: fc.integer({ min: 1, max: 32 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('insert' as const),
      at: fc.nat(),
      bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('duplicate' as const),
      at: fc.nat(),
      length: fc.integer({ min: 1, max: 64 }),
    }),
  },
);

function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function applySeqEdits(valid: Uint8Array, edits: readonly SeqEdit[]): Uint8Array {
  let b: Uint8Array<ArrayBuffer> = Uint8Array.from(valid);
  for (const e of edits) {
    const at = b.length === 0 ? 0 : e.at % (b.length + (e.kind === 'insert' ? 1 : 0));
    switch (e.kind) {
      case 'flip':
        if (b.length > 0) b[at] ^= 1 << e.bit;
        break;
      case 'set':
        if (b.length > 0) b[at] = e.value;
        break;
      case 'truncate':
        b = b.slice(0, at);
        break;
      case 'delete':
        b = concat(b.subarray(0, at), b.subarray(at + e.length));
        break;
      case 'insert':
        b = concat(b.subarray(0, at), e.bytes, b.subarray(at));
        break;
      case 'duplicate':
        b = concat(b.subarray(0, at + e.length), b.subarray(at));
        break;
      default:
        e satisfies never;
    }
  }
  return b;
}

/** Valid bytes with one to four flips, overwrites, truncations, deletions, insertions or repeats. */
export function mutatedBytes(valid: Uint8Array): fc.Arbitrary<Uint8Array> {
  return fc.array(seqEdit, { minLength: 1, maxLength: 4 }).map((edits) => applySeqEdits(valid, edits));
}

/** Valid text with the same edits applied to its UTF-16 code units (so lone surrogates appear too). */
export function mutatedText(valid: string): fc.Arbitrary<string> {
  const units = new Uint16Array(valid.length);
  for (let i = 0; i < valid.length; i++) units[i] = valid.charCodeAt(i);
  const asBytes = new Uint8Array(units.buffer);
  return fc.array(seqEdit, { minLength: 1, maxLength: 4 }).map((edits) => {
    const b = applySeqEdits(asBytes, edits);
    const out = new Uint16Array(b.buffer, 0, Math.floor(b.length / 2));
    let s = '';
    for (let i = 0; i < out.length; i += 4096) s += String.fromCharCode(...out.subarray(i, i + 4096));
    return s;
  });
}

/** Text mutations that keep to characters of the text's own kind: splices of tokens a grammar uses. */
export function splicedText(valid: string, tokens: readonly string[]): fc.Arbitrary<string> {
  const edit = fc.record({
    at: fc.nat(),
    cut: fc.integer({ min: 0, max: 12 }),
    insert: fc.oneof(fc.constantFrom(...tokens), fc.string({ maxLength: 8 })),
  });
  return fc.array(edit, { minLength: 1, maxLength: 4 }).map((edits) => {
    let s = valid;
    for (const e of edits) {
      const at = e.at % (s.length + 1);
      s = s.slice(0, at) + e.insert + s.slice(at + e.cut);
    }
    return s;
  });
}

/** Random text of several kinds (ASCII, any code unit, JSON-ish), at most `maxLength` units. */
export function randomText(maxLength = 2000): fc.Arbitrary<string> {
  return fc.oneof(
    fc.string({ maxLength }),
    fc.string({ unit: 'binary', maxLength }),
    fc.string({ unit: fc.constantFrom(...'{}[]":,0123456789.-eE truefalsn\\'), maxLength }),
    fc.json({ maxDepth: 4 }),
  );
}
