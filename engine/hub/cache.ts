/**
 * Where downloaded hub files are kept so a reload does not fetch them again: a small key -> bytes
 * interface with an in-memory implementation (tests) and a Cache Storage one (the browser; it survives
 * reloads and is what the lab uses). Keys are the resolved URLs, which carry the revision. Node's
 * on-disk cache is in cache-node.ts so browser bundles never see node:fs.
 */

export interface HubCache {
  get(key: string): Promise<Uint8Array | null>;
  put(key: string, bytes: Uint8Array): Promise<void>;
  /** Drops an entry (one that turned out to be unusable, e.g. an HTML page cached by an earlier visit). */
  delete(key: string): Promise<void>;
}

/** A Map-backed cache; `hits`/`puts` let tests check what was served from it. */
export function memoryHubCache(): HubCache & {
  entries: Map<string, Uint8Array>;
  hits: number;
  puts: number;
} {
  const entries = new Map<string, Uint8Array>();
  const cache = {
    entries,
    hits: 0,
    puts: 0,
    async get(key: string) {
      const v = entries.get(key) ?? null;
      if (v) cache.hits++;
      return v;
    },
    async put(key: string, bytes: Uint8Array) {
      cache.puts++;
      entries.set(key, bytes);
    },
    async delete(key: string) {
      entries.delete(key);
    },
  };
  return cache;
}

/** Minimal shape of the browser's CacheStorage this module needs (kept structural: no DOM import). */
interface CacheStorageLike {
  open(name: string): Promise<{
    match(key: string): Promise<{ arrayBuffer(): Promise<ArrayBuffer> } | undefined>;
    put(key: string, response: unknown): Promise<void>;
    delete(key: string): Promise<boolean>;
  }>;
}

/** Cache Storage (window.caches / self.caches in a worker), one named cache for every model file. */
export function cacheStorageHubCache(
  name = 'tabrl-hub-v1',
  storage: CacheStorageLike | undefined = (globalThis as { caches?: CacheStorageLike }).caches,
): HubCache {
  if (!storage) throw new Error('Cache Storage is not available here (it needs a secure context)');
  const open = storage.open(name);
  return {
    async get(key) {
      const hit = await (await open).match(key);
      return hit ? new Uint8Array(await hit.arrayBuffer()) : null;
    },
    async put(key, bytes) {
      const body = bytes.slice().buffer;
      await (await open).put(
        key,
        new Response(body, { headers: { 'content-length': String(bytes.length) } }),
      );
    },
    async delete(key) {
      await (await open).delete(key);
    },
  };
}
