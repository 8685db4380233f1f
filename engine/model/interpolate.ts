/**
 * Weight interpolation (docs/ALGORITHMS.md, "Weight interpolation"): θ_α = (1 − α)·θ_A + α·θ_B per
 * float tensor, computed in float64 and rounded once to the tensor's dtype (F64/F32/F16/BF16, round
 * to nearest even); α = 0 and α = 1 copy A's and B's bytes (bit for bit, signed zeros and NaN payloads
 * included). Non-float tensors must be equal and are copied. Two folders that differ in a config.json
 * architecture field, tokenizer.json, tensor names, dtypes or shapes are refused, the first difference named.
 */

import { f16Bits } from '../../kernels/runtime/f16.js';
import { type CheckpointFs, readCheckpointConfig, readOptional, readRequired } from './checkpoint.js';
import { toHfConfig } from './config.js';
import {
  f16ToF32,
  loadShardedSafetensors,
  matchParams,
  parseSafetensors,
  type SafetensorsDType,
  singleFileSource,
  type TensorSource,
  type TensorToWrite,
  writeSafetensors,
} from './safetensors.js';

export const MAX_ALPHA = 1.5;

export class InterpolateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InterpolateError';
  }
}

const FLOAT_BYTES: Partial<Record<SafetensorsDType, number>> = { F64: 8, F32: 4, F16: 2, BF16: 2 };
const NON_FLOAT = new Set<SafetensorsDType>(['I64', 'I32', 'I16', 'I8', 'U64', 'U32', 'U16', 'U8', 'BOOL']);

/** Rounds a float64 to the nearest value with `bits` significant bits and minimum exponent `emin` (ties to even). */
function roundToPrecision(x: number, bits: number, emin: number, max: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  let e = Math.floor(Math.log2(Math.abs(x)));
  if (2 ** e > Math.abs(x)) e--;
  if (2 ** (e + 1) <= Math.abs(x)) e++;
  const ulp = 2 ** (Math.max(e, emin) - (bits - 1));
  const q = x / ulp;
  let r = Math.floor(q);
  const rest = q - r;
  if (rest > 0.5 || (rest === 0.5 && r % 2 !== 0)) r++;
  const y = r * ulp;
  return Math.abs(y) > max ? Math.sign(y) * Number.POSITIVE_INFINITY : y;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** One element of dtype `dtype` at element `i` of `view`, as float64. */
function readFloat(view: DataView, dtype: SafetensorsDType, i: number): number {
  switch (dtype) {
    case 'F64':
      return view.getFloat64(8 * i, true);
    case 'F32':
      return view.getFloat32(4 * i, true);
    case 'F16':
      return f16ToF32(view.getUint16(2 * i, true));
    case 'BF16':
      u32[0] = view.getUint16(2 * i, true) << 16;
      return f32[0];
    default:
      throw new InterpolateError(`dtype ${dtype} is not a float TabRL reads`);
  }
}

/** Stores float64 `x`, rounded once to `dtype`, at element `i`. */
function writeFloat(view: DataView, dtype: SafetensorsDType, i: number, x: number): void {
  switch (dtype) {
    case 'F64':
      view.setFloat64(8 * i, x, true);
      return;
    case 'F32':
      view.setFloat32(4 * i, x, true); // Math.fround: round to nearest even from float64
      return;
    case 'F16':
      // exact in float32, so f16Bits (float32 -> f16) only encodes it
      view.setUint16(2 * i, f16Bits(Number.isNaN(x) ? x : roundToPrecision(x, 11, -14, 65504)), true);
      return;
    case 'BF16':
      f32[0] = Number.isNaN(x) ? x : roundToPrecision(x, 8, -126, (2 - 2 ** -7) * 2 ** 127);
      view.setUint16(2 * i, Number.isNaN(x) ? 0x7fc0 : u32[0] >>> 16, true);
      return;
    default:
      throw new InterpolateError(`dtype ${dtype} is not a float TabRL writes`);
  }
}

/** (1 − α)·a + α·b of one float tensor's stored bytes, in float64, rounded once to `dtype`. */
export function interpolateTensorBytes(
  dtype: SafetensorsDType,
  a: Uint8Array,
  b: Uint8Array,
  alpha: number,
): Uint8Array {
  const size = FLOAT_BYTES[dtype];
  if (size === undefined) throw new InterpolateError(`dtype ${dtype} cannot be interpolated`);
  if (a.length !== b.length) throw new InterpolateError(`byte lengths ${a.length} and ${b.length} differ`);
  if (alpha === 0) return a.slice();
  if (alpha === 1) return b.slice();
  const out = new Uint8Array(a.length);
  const va = new DataView(a.buffer, a.byteOffset, a.byteLength);
  const vb = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const vo = new DataView(out.buffer);
  for (let i = 0; i < a.length / size; i++)
    writeFloat(vo, dtype, i, (1 - alpha) * readFloat(va, dtype, i) + alpha * readFloat(vb, dtype, i));
  return out;
}

export function checkAlpha(alpha: number): void {
  if (!(Number.isFinite(alpha) && alpha >= 0 && alpha <= MAX_ALPHA))
    throw new InterpolateError(
      `alpha must be in [0, ${MAX_ALPHA}] (got ${alpha}): 0 is --from, 1 is --to, above 1 extrapolates past --to`,
    );
}

/** The first path at which two JSON values differ, or null. */
export function firstJsonDifference(a: unknown, b: unknown, path = ''): string | null {
  if (a === b) return null;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null)
    return JSON.stringify(a) === JSON.stringify(b) ? null : path || '(root)';
  if (Array.isArray(a) !== Array.isArray(b)) return path || '(root)';
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  for (const k of ka) {
    if (!Object.hasOwn(b, k)) return `${path}${path ? '.' : ''}${k}`;
    const d = firstJsonDifference(
      (a as Record<string, unknown>)[k],
      (b as Record<string, unknown>)[k],
      `${path}${path ? '.' : ''}${k}`,
    );
    if (d !== null) return d;
  }
  const extra = kb.find((k) => !Object.hasOwn(a, k));
  return extra === undefined ? null : `${path}${path ? '.' : ''}${extra}`;
}

async function tensorsOf(
  fs: CheckpointFs,
): Promise<{ source: TensorSource; metadata: Record<string, string> | null }> {
  const single = await readOptional(fs, 'model.safetensors');
  if (single) {
    const file = parseSafetensors(single);
    return { source: singleFileSource(file), metadata: file.metadata };
  }
  const index = await readRequired(
    fs,
    'model.safetensors.index.json',
    'copy model.safetensors into the folder',
  );
  const source = await loadShardedSafetensors(JSON.parse(new TextDecoder().decode(index)), (shard) =>
    readRequired(fs, shard, 'copy every shard into the folder'),
  );
  return { source, metadata: null };
}

/** What one side is called in messages. */
export interface InterpolationSide {
  fs: CheckpointFs;
  label: string;
}

/**
 * The interpolated folder's weights and config: model.safetensors bytes (A's tensor order and metadata)
 * after every compatibility check, in this order: config.json architecture fields, tokenizer.json, tensor
 * names, then per tensor dtype, shape and (non-float) values. Nothing is written here.
 */
export async function interpolateCheckpoints(
  A: InterpolationSide,
  B: InterpolationSide,
  alpha: number,
): Promise<{ weights: Uint8Array; floatTensors: number; copiedTensors: number }> {
  checkAlpha(alpha);
  const refuse = (what: string) =>
    new InterpolateError(`cannot interpolate ${A.label} and ${B.label}: ${what}`);
  const [ca, cb] = [await readCheckpointConfig(A.fs), await readCheckpointConfig(B.fs)];
  const arch = (c: typeof ca) => toHfConfig({ ...c, extra: {}, torchDtype: 'float32' });
  const field = firstJsonDifference(arch(ca), arch(cb));
  if (field !== null)
    throw refuse(
      `config.json field "${field}" differs (${JSON.stringify(arch(ca)[field.split('.')[0]])} vs ${JSON.stringify(arch(cb)[field.split('.')[0]])})`,
    );
  const [ta, tb] = [await readOptional(A.fs, 'tokenizer.json'), await readOptional(B.fs, 'tokenizer.json')];
  if (ta && tb) {
    const d = firstJsonDifference(
      JSON.parse(new TextDecoder().decode(ta)),
      JSON.parse(new TextDecoder().decode(tb)),
    );
    if (d !== null) throw refuse(`tokenizer.json differs at ${d}`);
  }
  const [sa, sb] = [await tensorsOf(A.fs), await tensorsOf(B.fs)];
  matchParams(ca, sa.source.entries);
  matchParams(cb, sb.source.entries);
  for (const name of sa.source.entries.keys())
    if (!sb.source.entries.has(name)) throw refuse(`tensor "${name}" is in ${A.label} but not in ${B.label}`);
  for (const name of sb.source.entries.keys())
    if (!sa.source.entries.has(name)) throw refuse(`tensor "${name}" is in ${B.label} but not in ${A.label}`);
  const out: TensorToWrite[] = [];
  let floatTensors = 0;
  for (const [name, ea] of sa.source.entries) {
    const eb = sb.source.entries.get(name)!;
    if (ea.dtype !== eb.dtype)
      throw refuse(`tensor "${name}" is ${ea.dtype} in one, ${eb.dtype} in the other`);
    if (ea.shape.join(',') !== eb.shape.join(','))
      throw refuse(`tensor "${name}" has shape [${ea.shape}] vs [${eb.shape}]`);
    const ra = sa.source.file(name).raw(name);
    const rb = sb.source.file(name).raw(name);
    if (NON_FLOAT.has(ea.dtype)) {
      if (ra.length !== rb.length || ra.some((v, i) => v !== rb[i]))
        throw refuse(`tensor "${name}" (${ea.dtype}, not a float) differs; non-float tensors must be equal`);
      out.push({ name, shape: ea.shape, dtype: ea.dtype, bytes: ra.slice() });
      continue;
    }
    if (FLOAT_BYTES[ea.dtype] === undefined)
      throw refuse(`tensor "${name}" is ${ea.dtype}, which TabRL does not read`);
    out.push({
      name,
      shape: ea.shape,
      dtype: ea.dtype,
      bytes: interpolateTensorBytes(ea.dtype, ra, rb, alpha),
    });
    floatTensors++;
  }
  return {
    weights: writeSafetensors(out, sa.metadata ?? { format: 'pt' }),
    floatTensors,
    copiedTensors: out.length - floatTensors,
  };
}
