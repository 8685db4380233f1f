/**
 * The safetensors format (8-byte little-endian header length, a JSON header, then raw little-endian data)
 * read and written without trusting the file: every length, offset, dtype and shape is checked before a
 * byte is touched, and every refusal is a SafetensorsError that names the tensor. Reads F32/F16/BF16/F64
 * into Float32Array, keeps raw bytes reachable for GPU-side f16 unpacking, writes F32 (or raw bytes),
 * and loads sharded checkpoints through a caller-supplied file fetcher.
 */

import { previewJson } from '../json-depth.js';
import type { ModelConfig } from './config.js';
import {
  type NameLayout,
  type ParamSpec,
  paramSpecs,
  resolveParamName,
  storedParamName,
} from './param-names.js';

export class SafetensorsError extends Error {
  constructor(
    message: string,
    readonly tensor?: string,
  ) {
    super(message);
    this.name = 'SafetensorsError';
  }
}

/** Bytes per element of every dtype the safetensors spec defines; anything else is refused. */
const DTYPE_BYTES = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U64: 8,
  U32: 4,
  U16: 2,
  U8: 1,
  BOOL: 1,
  F8_E4M3: 1,
  F8_E5M2: 1,
} as const;
export type SafetensorsDType = keyof typeof DTYPE_BYTES;

// Every browser and Node platform is little-endian; the DataView paths keep big-endian hosts correct.
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Headers larger than this are refused before parsing (real ones are kilobytes; the Rust crate caps at 100 MB). */
export const MAX_HEADER_BYTES = 100_000_000;

export interface TensorEntry {
  name: string;
  dtype: SafetensorsDType;
  shape: number[];
  begin: number; // absolute byte offset in the file
  end: number;
}

export interface SafetensorsFile {
  tensors: Map<string, TensorEntry>;
  metadata: Record<string, string> | null;
  /** The tensor's stored bytes (a view into the file, no copy), e.g. F16 words for GPU unpacking. */
  raw(name: string): Uint8Array;
  /** The tensor as float32 (copied; converted from F16/BF16/F64). */
  float32(name: string): Float32Array;
}

function fail(message: string, tensor?: string): never {
  throw new SafetensorsError(
    tensor ? `safetensors: tensor "${tensor}": ${message}` : `safetensors: ${message}`,
    tensor,
  );
}

/** Parses and validates a whole .safetensors file held in memory. */
export function parseSafetensors(bytes: Uint8Array): SafetensorsFile {
  if (bytes.length < 8) fail(`file is ${bytes.length} bytes, too short for the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lo = view.getUint32(0, true);
  const hi = view.getUint32(4, true);
  const headerLength = hi * 2 ** 32 + lo;
  if (headerLength > MAX_HEADER_BYTES)
    fail(`header length ${headerLength} exceeds the ${MAX_HEADER_BYTES}-byte cap`);
  if (8 + headerLength > bytes.length)
    fail(`header length ${headerLength} runs past the end of the ${bytes.length}-byte file (truncated?)`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength));
  } catch {
    fail('header is not valid UTF-8');
  }
  if (!text.startsWith('{')) fail('header does not start with "{"');
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    fail(`header is not valid JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header))
    fail('header is not a JSON object');

  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  const tensors = new Map<string, TensorEntry>();
  let metadata: Record<string, string> | null = null;
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      metadata = parseMetadata(value);
      continue;
    }
    // JSON.parse keeps the last of duplicate keys silently; the duplicate check is in findDuplicateKey below.
    tensors.set(name, parseEntry(name, value, dataStart, dataLength));
  }
  const duplicate = findDuplicateKey(text);
  if (duplicate !== null) fail('appears twice in the header', duplicate);
  checkNoOverlap([...tensors.values()]);

  const get = (name: string): TensorEntry => {
    const e = tensors.get(name);
    if (!e) fail('not in this file', name);
    return e;
  };
  return {
    tensors,
    metadata,
    raw: (name) => {
      const e = get(name);
      return bytes.subarray(e.begin, e.end);
    },
    float32: (name) => toFloat32(get(name), bytes.subarray(get(name).begin, get(name).end)),
  };
}

function parseMetadata(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    fail('__metadata__ must be an object of strings');
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') fail(`__metadata__ value for "${k}" is not a string`);
  }
  return { ...(value as Record<string, string>) };
}

function parseEntry(name: string, value: unknown, dataStart: number, dataLength: number): TensorEntry {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    fail('header entry is not an object', name);
  const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
  if (typeof dtype !== 'string' || !Object.hasOwn(DTYPE_BYTES, dtype))
    fail(`unknown dtype ${previewJson(dtype)} (known: ${Object.keys(DTYPE_BYTES).join(', ')})`, name);
  if (
    !Array.isArray(shape) ||
    !shape.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0)
  )
    fail(`shape ${previewJson(shape)} is not a list of non-negative integers`, name);
  if (
    !Array.isArray(offsets) ||
    offsets.length !== 2 ||
    !offsets.every((o) => typeof o === 'number' && Number.isSafeInteger(o) && o >= 0)
  )
    fail(`data_offsets ${previewJson(offsets)} is not a pair of non-negative integers`, name);
  const [begin, end] = offsets as [number, number];
  if (end < begin) fail(`data_offsets [${begin}, ${end}] end before they begin`, name);
  if (end > dataLength)
    fail(`data_offsets [${begin}, ${end}] run past the ${dataLength} data bytes (truncated?)`, name);
  let elements = 1;
  for (const d of shape as number[]) {
    elements *= d;
    if (!Number.isSafeInteger(elements)) fail(`shape ${previewJson(shape)} has too many elements`, name);
  }
  const dt = dtype as SafetensorsDType;
  const want = elements * DTYPE_BYTES[dt];
  if (want !== end - begin)
    fail(
      `${dt} shape [${(shape as number[]).join(',')}] needs ${want} bytes but data_offsets span ${end - begin}`,
      name,
    );
  return { name, dtype: dt, shape: [...(shape as number[])], begin: dataStart + begin, end: dataStart + end };
}

function checkNoOverlap(entries: TensorEntry[]): void {
  const sorted = entries.filter((e) => e.end > e.begin).sort((a, b) => a.begin - b.begin);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].begin < sorted[i - 1].end)
      fail(`data overlaps tensor "${sorted[i - 1].name}"`, sorted[i].name);
  }
}

/** Finds a repeated top-level key in a JSON object text (JSON.parse would silently keep the last). */
function findDuplicateKey(text: string): string | null {
  const seen = new Set<string>();
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (depth === 1) {
        let k = j + 1;
        while (k < text.length && /\s/.test(text[k])) k++;
        if (text[k] === ':') {
          const key = JSON.parse(text.slice(i, j + 1)) as string;
          if (seen.has(key)) return key;
          seen.add(key);
        }
      }
      i = j;
    } else if (ch === '{' || ch === '[') depth++;
    else if (ch === '}' || ch === ']') depth--;
  }
  return null;
}

/** Converts stored bytes to float32 (little-endian). Integer dtypes are refused: they are not weights. */
export function toFloat32(e: TensorEntry, raw: Uint8Array): Float32Array {
  const n = raw.length / DTYPE_BYTES[e.dtype];
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out = new Float32Array(n);
  switch (e.dtype) {
    case 'F32':
      if (LITTLE_ENDIAN)
        new Uint8Array(out.buffer).set(raw); // a byte copy keeps NaN payloads bit-exact
      else for (let i = 0; i < n; i++) out[i] = view.getFloat32(4 * i, true);
      return out;
    case 'F64':
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(8 * i, true);
      return out;
    case 'F16':
      for (let i = 0; i < n; i++) out[i] = f16ToF32(view.getUint16(2 * i, true));
      return out;
    case 'BF16': {
      const u32 = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) u32[i] = view.getUint16(2 * i, true) << 16;
      return out;
    }
    case 'I64':
    case 'I32':
    case 'I16':
    case 'I8':
    case 'U64':
    case 'U32':
    case 'U16':
    case 'U8':
    case 'BOOL':
    case 'F8_E4M3':
    case 'F8_E5M2':
      return fail(`dtype ${e.dtype} cannot be read as float32 weights`, e.name);
    default:
      return e.dtype satisfies never;
  }
}

/** IEEE half -> float (subnormals, infinities and NaN included). */
export function f16ToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** A tensor to write: float32 data (stored F32) or raw bytes with an explicit dtype. */
export type TensorToWrite =
  | { name: string; shape: number[]; data: Float32Array }
  | { name: string; shape: number[]; dtype: SafetensorsDType; bytes: Uint8Array };

/** Serialises tensors in the given order, data contiguous, header padded with spaces to 8 bytes as the Rust crate does. */
export function writeSafetensors(tensors: TensorToWrite[], metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata) header.__metadata__ = metadata;
  let offset = 0;
  const payloads: Uint8Array[] = [];
  for (const t of tensors) {
    if (t.name === '__metadata__' || t.name in header) fail('duplicate or reserved tensor name', t.name);
    const dtype: SafetensorsDType = 'data' in t ? 'F32' : t.dtype;
    const bytes = 'data' in t ? f32Bytes(t.data) : t.bytes;
    const elements = t.shape.reduce((a, b) => a * b, 1);
    if (elements * DTYPE_BYTES[dtype] !== bytes.length)
      fail(
        `shape [${t.shape.join(',')}] needs ${elements * DTYPE_BYTES[dtype]} bytes, given ${bytes.length}`,
        t.name,
      );
    header[t.name] = { dtype, shape: t.shape, data_offsets: [offset, offset + bytes.length] };
    payloads.push(bytes);
    offset += bytes.length;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, json.length, true);
  view.setUint32(4, 0, true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const p of payloads) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function f32Bytes(data: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
  const out = new Uint8Array(data.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(4 * i, data[i], true);
  return out;
}

/** A set of tensors possibly spread over shards: where each lives. */
export interface TensorSource {
  entries: Map<string, TensorEntry>;
  file(name: string): SafetensorsFile;
}

export function singleFileSource(file: SafetensorsFile): TensorSource {
  return { entries: file.tensors, file: () => file };
}

/**
 * Loads a sharded checkpoint from its `model.safetensors.index.json` (`{weight_map: {tensor: shard}}`).
 * `fetchFile` returns a shard's bytes (from disk, a URL, a File: the caller decides). Each shard must hold
 * exactly the tensors the map assigns it.
 */
export async function loadShardedSafetensors(
  index: unknown,
  fetchFile: (shard: string) => Promise<Uint8Array>,
): Promise<TensorSource> {
  const map = (index as { weight_map?: unknown } | null)?.weight_map;
  if (typeof map !== 'object' || map === null || Array.isArray(map))
    fail('model.safetensors.index.json has no "weight_map" object');
  const byShard = new Map<string, string[]>();
  for (const [tensor, shard] of Object.entries(map)) {
    if (typeof shard !== 'string' || shard.includes('/') || shard.includes('\\') || shard.startsWith('.'))
      fail(`weight_map points at ${previewJson(shard)}, not a file name in the checkpoint folder`, tensor);
    byShard.set(shard, [...(byShard.get(shard) ?? []), tensor]);
  }
  const entries = new Map<string, TensorEntry>();
  const owner = new Map<string, SafetensorsFile>();
  for (const [shard, names] of byShard) {
    const file = parseSafetensors(await fetchFile(shard));
    for (const name of names) {
      const e = file.tensors.get(name);
      if (!e) fail(`weight_map says it is in ${shard}, which does not contain it`, name);
      entries.set(name, e);
      owner.set(name, file);
    }
    for (const name of file.tensors.keys()) {
      if (!entries.has(name)) fail(`found in ${shard} but weight_map does not list it there`, name);
    }
  }
  return {
    entries,
    file: (name) => owner.get(name) ?? fail('not in this checkpoint', name),
  };
}

/** What a checkpoint's tensors hold for a config: canonical name -> spec and stored name, and the layout. */
export interface MatchedParams {
  specs: Map<string, ParamSpec & { stored: string }>;
  layout: NameLayout;
}

/**
 * Checks stored tensors against what the config demands (names resolved in either layout) and returns
 * where each parameter is stored. Missing, unexpected and wrong-shaped tensors are refused by name, and
 * so is a file that mixes both layouts (transformers picks one layout per file; the rest would not load).
 */
export function matchParams(config: ModelConfig, entries: Map<string, TensorEntry>): MatchedParams {
  const specs = paramSpecs(config);
  const known = new Set(specs.map((s) => s.name));
  const byName = new Map(specs.map((s) => [s.name, s]));
  const found = new Map<string, ParamSpec & { stored: string }>();
  const seen: Partial<Record<NameLayout, string>> = {}; // layout -> a stored name that shows it
  for (const [stored, e] of entries) {
    const r = resolveParamName(config, stored, known);
    switch (r.kind) {
      case 'ignored':
        continue;
      case 'unexpected':
        fail(`unexpected for a ${config.family} model of this config`, stored);
        break;
      case 'param': {
        const spec = byName.get(r.name)!;
        if (found.has(r.name))
          fail(`stored twice (as "${found.get(r.name)!.stored}" and "${stored}")`, r.name);
        if (spec.shape.length !== e.shape.length || spec.shape.some((d, i) => d !== e.shape[i]))
          fail(`shape [${e.shape.join(',')}] but the config needs [${spec.shape.join(',')}]`, stored);
        if (r.layout) seen[r.layout] ??= stored;
        found.set(r.name, { ...spec, stored });
        break;
      }
      default:
        throw r satisfies never;
    }
  }
  if (seen.prefixed && seen.bare)
    fail(
      `mixes prefixed names ("${seen.prefixed}") with names lacking the base-model prefix ("${seen.bare}"); a checkpoint uses one layout`,
      seen.bare,
    );
  const missing = specs.filter((s) => !found.has(s.name)).map((s) => s.name);
  if (missing.length > 0)
    fail(
      `missing ${missing.length} parameter(s): ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', ...' : ''}`,
      missing[0],
    );
  return { specs: found, layout: seen.bare ? 'bare' : 'prefixed' };
}

/** Parameters as float32 by canonical name, and the layout their file stored them in. */
export interface StoredParams {
  params: Map<string, Float32Array>;
  layout: NameLayout;
}

/** Reads every parameter as float32, keyed by canonical name, after matchParams' checks. */
export function readParams(config: ModelConfig, source: TensorSource): StoredParams {
  const { specs, layout } = matchParams(config, source.entries);
  const params = new Map<string, Float32Array>();
  for (const [name, spec] of specs) params.set(name, source.file(spec.stored).float32(spec.stored));
  return { params, layout };
}

/**
 * model.safetensors bytes for a parameter map (canonical names), in paramSpecs order, stored under the
 * names of `layout` (default: canonical, what save_pretrained writes).
 */
export function writeParams(
  config: ModelConfig,
  params: Map<string, Float32Array>,
  layout: NameLayout = 'prefixed',
  metadata = { format: 'pt' },
): Uint8Array {
  const tensors = paramSpecs(config).map((s) => {
    const data = params.get(s.name);
    if (!data) fail('missing from the parameters to write', s.name);
    const n = s.shape.reduce((a, b) => a * b, 1);
    if (data.length !== n)
      fail(`has ${data.length} values but shape [${s.shape.join(',')}] needs ${n}`, s.name);
    return { name: storedParamName(config, s.name, layout), shape: s.shape, data };
  });
  return writeSafetensors(tensors, metadata);
}
