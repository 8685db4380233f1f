/**
 * Share links: the whole RunConfig (seed included) and the kernel variants the autotuner chose travel
 * in the URL fragment as `#c=<base64url(deflate(JSON {v, config, kernel_variants}))>`, so a link
 * opened elsewhere replays the same run. Pure functions, no DOM: the page, tests (and the CLI, if it
 * copies them) share one codec. Validation of the config itself is the caller's (parseRunConfig).
 */
import { deflateSync, Inflate, strFromU8, strToU8 } from 'fflate';
import { previewJson } from '../json-depth';

/** Version of the share payload's envelope; bump when its shape changes. */
export const SHARE_SCHEMA_VERSION = 1;
/** Longest `c=` value accepted (characters); longer links are refused before decoding. */
export const MAX_SHARE_CHARS = 32 * 1024;
/** Largest decompressed payload accepted (bytes): a deflate bomb stops here. */
export const MAX_SHARE_JSON_BYTES = 256 * 1024;

export interface SharePayload {
  v: number;
  config: unknown;
  /** Kernel variant the autotuner chose, by op and shape key (e.g. `matmul:64x128x32` -> `tiled16`). */
  kernel_variants: Record<string, string>;
}

export type ShareDecodeResult = { ok: true; payload: SharePayload } | { ok: false; error: string };

export function bytesToBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function base64UrlToBytes(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error('it contains characters that base64url never uses');
  if (text.length % 4 === 1) throw new Error('its length is not a possible base64url length');
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
  const binary = atob(b64);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/** The `c=` value for a config and its kernel variants. */
export function encodeSharePayload(config: unknown, kernelVariants: Record<string, string> = {}): string {
  const payload: SharePayload = { v: SHARE_SCHEMA_VERSION, config, kernel_variants: kernelVariants };
  return bytesToBase64Url(deflateSync(strToU8(JSON.stringify(payload)), { level: 9 }));
}

function inflateBounded(data: Uint8Array, limit: number): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = 0;
  let tooLarge = false;
  const inflater = new Inflate((chunk) => {
    total += chunk.length;
    if (total > limit) tooLarge = true;
    else chunks.push(chunk);
  });
  inflater.push(data, true);
  if (tooLarge) throw new Error(`it decompresses to more than ${limit / 1024} KB`);
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** Decodes a `c=` value into its envelope; every failure says what is wrong, nothing throws. */
export function decodeSharePayload(encoded: string): ShareDecodeResult {
  if (encoded.length === 0) return { ok: false, error: 'The share link is empty after "#c=".' };
  if (encoded.length > MAX_SHARE_CHARS) {
    return {
      ok: false,
      error: `The share link is too long (${encoded.length} characters; at most ${MAX_SHARE_CHARS} are accepted).`,
    };
  }
  let json: string;
  try {
    json = strFromU8(inflateBounded(base64UrlToBytes(encoded), MAX_SHARE_JSON_BYTES));
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return { ok: false, error: `The share link is malformed: ${why}. Was it copied whole?` };
  }
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return { ok: false, error: 'The share link is malformed: its content is not JSON.' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, error: 'The share link is malformed: its content is not an object.' };
  }
  const obj = value as Record<string, unknown>;
  if (obj.v !== SHARE_SCHEMA_VERSION) {
    return {
      ok: false,
      error: `The share link has schema version ${previewJson(obj.v)}; this build reads version ${SHARE_SCHEMA_VERSION}. Open it with the TabRL version that made it.`,
    };
  }
  if (typeof obj.config !== 'object' || obj.config === null) {
    return { ok: false, error: 'The share link carries no run configuration.' };
  }
  const variants = obj.kernel_variants ?? {};
  if (
    typeof variants !== 'object' ||
    variants === null ||
    Array.isArray(variants) ||
    Object.values(variants).some((x) => typeof x !== 'string')
  ) {
    return { ok: false, error: 'The share link\'s "kernel_variants" is not a map of names to variants.' };
  }
  return {
    ok: true,
    payload: {
      v: SHARE_SCHEMA_VERSION,
      config: obj.config,
      kernel_variants: variants as Record<string, string>,
    },
  };
}
