/**
 * Where the autotuner keeps its winners between runs. Browser-safe: the in-memory store and the
 * localStorage store live here; the JSON-file store for Node is in `file-store.ts` so page bundles
 * never see `node:fs`. Every store is keyed by adapter, because a winner on SwiftShader is a loser
 * on a discrete GPU.
 */

/** Variant name per (kernel, shape class) key, e.g. `{"matmul/b0.m12.k7.n7.t00.v4": "regtile"}`. */
export type Choices = Record<string, string>;

export interface AutotuneStore {
  /** The choices saved for this adapter; `{}` when there are none or they cannot be read. */
  load(adapter: string): Choices;
  save(adapter: string, choices: Choices): void;
  /** Where the choices live, for log lines ("autotune cache: ..."). */
  readonly where: string;
}

export const CACHE_VERSION = 1;

/** What a store writes: versioned and naming the adapter, so a stale or foreign file is recognised. */
export interface CacheFile {
  version: number;
  adapter: string;
  choices: Choices;
}

/** Parses a stored cache; returns null (and says why) when it is not ours, not this adapter's, or corrupt. */
export function parseCache(text: string, adapter: string): { choices: Choices } | { problem: string } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    return { problem: `not JSON (${err instanceof Error ? err.message : String(err)})` };
  }
  const file = data as Partial<CacheFile> | null;
  if (
    !file ||
    typeof file !== 'object' ||
    file.version !== CACHE_VERSION ||
    typeof file.choices !== 'object' ||
    !file.choices
  ) {
    return { problem: `not an autotune cache of version ${CACHE_VERSION}` };
  }
  if (file.adapter !== adapter) return { problem: `written for adapter "${file.adapter}"` };
  const choices: Choices = {};
  for (const [k, v] of Object.entries(file.choices)) if (typeof v === 'string') choices[k] = v;
  return { choices };
}

export function serializeCache(adapter: string, choices: Choices): string {
  const file: CacheFile = { version: CACHE_VERSION, adapter, choices };
  return `${JSON.stringify(file, null, 2)}\n`;
}

/** Keeps choices for the life of the process only (tests, and environments with no storage). */
export function memoryStore(): AutotuneStore {
  const byAdapter = new Map<string, Choices>();
  return {
    where: 'memory',
    load: (adapter) => ({ ...(byAdapter.get(adapter) ?? {}) }),
    save: (adapter, choices) => void byAdapter.set(adapter, { ...choices }),
  };
}

interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/** The browser's localStorage under `tabrl.autotune.<adapter>`; null where there is none (Node, some workers). */
export function localStorageStore(storage?: StorageLike): AutotuneStore | null {
  const ls = storage ?? (globalThis as { localStorage?: StorageLike }).localStorage;
  if (!ls) return null;
  const keyFor = (adapter: string) => `tabrl.autotune.${adapter}`;
  return {
    where: 'localStorage',
    load(adapter) {
      let text: string | null = null;
      try {
        text = ls.getItem(keyFor(adapter));
      } catch {
        return {};
      }
      if (text === null) return {};
      const parsed = parseCache(text, adapter);
      if ('problem' in parsed) {
        console.warn(`autotune: ignoring localStorage cache: ${parsed.problem}`);
        return {};
      }
      return parsed.choices;
    },
    save(adapter, choices) {
      try {
        ls.setItem(keyFor(adapter), serializeCache(adapter, choices));
      } catch (err) {
        console.warn(
          `autotune: could not save to localStorage: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
    },
  };
}

/** localStorage where the platform has it, else memory. */
export function defaultStore(): AutotuneStore {
  return localStorageStore() ?? memoryStore();
}
