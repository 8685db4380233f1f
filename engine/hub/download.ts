/**
 * Downloading hub files with byte progress, through the cache, as a `CheckpointFs` so the existing
 * checkpoint reader (config, single or sharded safetensors, tokenizer files) works on a hub repo
 * unchanged. A 404 is "file absent" (readCheckpoint then tries the sharded index); other HTTP errors
 * are refused with the URL and status.
 */
import type { CheckpointFs } from '../model/checkpoint.js';
import { isHtmlContentType, looksLikeHtml } from '../model/load-error.js';
import type { HubCache } from './cache.js';
import { DEFAULT_HUB_URL, type HubRef, hubFileUrl, parseHubId } from './hub-id.js';

export interface DownloadProgress {
  file: string;
  /** Bytes received so far. */
  loaded: number;
  /** Content-Length when the server sent one, else null. */
  total: number | null;
  /** Served from the cache, no network. */
  cached: boolean;
  done: boolean;
}

type FetchLike = (url: string) => Promise<Response>;

export interface HubOptions {
  /** Default https://huggingface.co; tests pass a local server. */
  baseUrl?: string;
  /** Used when the id has no `@revision`. Default `main`. */
  revision?: string;
  cache?: HubCache;
  onProgress?: (p: DownloadProgress) => void;
  fetch?: FetchLike;
}

export class HubError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HubError';
  }
}

const HTML_IN_PLACE = 'the server sent an HTML page in its place, as static hosts do for a missing file';

/**
 * GET with progress; null on 404 and when an HTML page arrives where a model file was asked for (by
 * content type or first bytes), with `onAbsent` told why.
 */
export async function fetchWithProgress(
  url: string,
  file: string,
  options: {
    fetch?: FetchLike;
    onProgress?: (p: DownloadProgress) => void;
    onAbsent?: (reason: string) => void;
  } = {},
): Promise<Uint8Array | null> {
  const doFetch = options.fetch ?? ((u: string) => fetch(u));
  let res: Response;
  try {
    res = await doFetch(url);
  } catch (e) {
    throw new HubError(`${file}: could not reach ${url} (${(e as Error).message})`);
  }
  if (res.status === 404) {
    options.onAbsent?.('HTTP 404');
    return null;
  }
  if (!res.ok) {
    const hint =
      res.status === 401 || res.status === 403
        ? ' (a gated or private repo: TabRL downloads public models only)'
        : '';
    throw new HubError(`${file}: ${url} answered HTTP ${res.status}${hint}`);
  }
  if (isHtmlContentType(res.headers.get('content-type'))) {
    await res.body?.cancel();
    options.onAbsent?.(HTML_IN_PLACE);
    return null;
  }
  const header = res.headers.get('content-length');
  const total = header !== null && /^\d+$/.test(header) ? Number(header) : null;
  const report = (loaded: number, done: boolean) =>
    options.onProgress?.({ file, loaded, total, cached: false, done });
  const notHtml = (bytes: Uint8Array) => {
    if (!looksLikeHtml(bytes)) return bytes;
    options.onAbsent?.(HTML_IN_PLACE);
    return null;
  };
  if (!res.body) {
    const bytes = new Uint8Array(await res.arrayBuffer());
    report(bytes.length, true);
    return notHtml(bytes);
  }
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let loaded = 0;
  report(0, false);
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.length;
    report(loaded, false);
  }
  if (total !== null && loaded !== total)
    throw new HubError(`${file}: download from ${url} ended after ${loaded} of ${total} bytes`);
  const out = new Uint8Array(loaded);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  report(loaded, true);
  return notHtml(out);
}

/**
 * A hub repo as a read-only checkpoint folder. Files are fetched on first read, cached (key: the URL,
 * which names the revision), and kept in memory for the folder's lifetime so a second read is free.
 * Files the repo lacks (404: optional ones such as trainer_state.json, or model.safetensors of a
 * sharded repo) are remembered as absent too, under `URL?tabrl=absent`, so a reload asks the hub
 * nothing and works offline; config.json is the exception, so a repo created after a typo is found.
 */
export function hubCheckpointFs(
  id: string | HubRef,
  options: HubOptions = {},
): CheckpointFs & { ref: HubRef } {
  const ref = typeof id === 'string' ? parseHubId(id, options.revision) : id;
  if (!ref) throw new HubError(`"${String(id)}" is not a hub id (expected org/name or org/name@revision)`);
  const baseUrl = options.baseUrl ?? DEFAULT_HUB_URL;
  const seen = new Map<string, Promise<Uint8Array | null>>();
  const reasons = new Map<string, string>();
  const load = async (name: string): Promise<Uint8Array | null> => {
    const url = hubFileUrl(ref, name, baseUrl);
    const hit = await options.cache?.get(url);
    // an HTML page cached by an earlier visit (before pages were told from files) is dropped, not trusted
    if (hit && looksLikeHtml(hit)) await options.cache?.delete(url);
    else if (hit) {
      options.onProgress?.({ file: name, loaded: hit.length, total: hit.length, cached: true, done: true });
      return hit;
    }
    const absent = `${url}?tabrl=absent`;
    if (name !== 'config.json' && (await options.cache?.get(absent))) {
      reasons.set(name, 'not in the repo (remembered from an earlier visit)');
      return null;
    }
    const bytes = await fetchWithProgress(url, name, {
      ...options,
      onAbsent: (why) => reasons.set(name, why),
    });
    if (bytes) await options.cache?.put(url, bytes);
    else if (name !== 'config.json') await options.cache?.put(absent, new Uint8Array(0));
    return bytes;
  };
  return {
    ref,
    where: (name) => hubFileUrl(ref, name, baseUrl),
    absentReason: (name) => reasons.get(name),
    readFile(name) {
      let p = seen.get(name);
      if (!p) {
        p = load(name);
        seen.set(name, p);
        p.catch(() => seen.delete(name));
      }
      return p;
    },
    async writeFile(name) {
      throw new HubError(`${ref.repo}: hub folders are read-only (tried to write ${name})`);
    },
  };
}

/** Dropped files (a folder's contents or single files) as a read-only checkpoint folder, by base name. */
export function droppedFilesFs(
  files: readonly { name: string; arrayBuffer(): Promise<ArrayBuffer> }[],
): CheckpointFs {
  const byName = new Map(files.map((f) => [f.name.split('/').pop() as string, f]));
  return {
    async readFile(name) {
      const f = byName.get(name);
      return f ? new Uint8Array(await f.arrayBuffer()) : null;
    },
    async writeFile(name) {
      throw new Error(`dropped files are read-only (tried to write ${name})`);
    },
  };
}

/**
 * Downloads every file a checkpoint needs into the cache (config, tokenizer files, the chat_template.jinja
 * newer transformers saves beside them when the repo has one, single or sharded weights) without parsing
 * them, so the lab can show progress before training and the worker then
 * reads from the cache. Returns the files found.
 */
export async function prefetchHubModel(id: string | HubRef, options: HubOptions): Promise<string[]> {
  const fs = hubCheckpointFs(id, options);
  const found: string[] = [];
  const get = async (name: string) => {
    const bytes = await fs.readFile(name);
    if (bytes) found.push(name);
    return bytes;
  };
  if (!(await get('config.json')))
    throw new HubError(`${fs.ref.repo}@${fs.ref.revision}: config.json not found`);
  await get('tokenizer.json');
  await get('tokenizer_config.json');
  await get('chat_template.jinja'); // absent in most repos: remembered as absent, like any optional file
  if (await get('model.safetensors')) return found;
  const index = await get('model.safetensors.index.json');
  if (!index)
    throw new HubError(`${fs.ref.repo}: neither model.safetensors nor model.safetensors.index.json found`);
  const map =
    (JSON.parse(new TextDecoder().decode(index)) as { weight_map?: Record<string, string> }).weight_map ?? {};
  for (const shard of new Set(Object.values(map))) {
    if (!(await get(shard)))
      throw new HubError(`${fs.ref.repo}: shard ${shard} listed in the index is missing`);
  }
  return found;
}
