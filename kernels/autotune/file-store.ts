/**
 * The autotuner's cache as a JSON file, for Node (CLI, benchmarks, tests). One file per adapter,
 * by default `~/.cache/tabrl/autotune-<adapter>.json` (or under the OS temp folder when the home
 * folder cannot be written); `TABRL_AUTOTUNE_CACHE` or the `path` option names another file.
 * A corrupt or foreign file is ignored with a warning and overwritten on the next save.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type AutotuneStore, type Choices, parseCache, serializeCache } from './store.js';

export interface FileStoreOptions {
  /** The cache file; by default derived from the adapter name under `dir`. */
  path?: string;
  /** Folder for per-adapter files (default `~/.cache/tabrl`, falling back to the OS temp folder). */
  dir?: string;
}

/** A file name fragment from an adapter description: "google / swiftshader / ..." -> "google-swiftshader-...". */
export function adapterSlug(adapter: string): string {
  const slug = adapter
    .toLowerCase()
    .replace(/[^a-z0-9.]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return slug.slice(0, 80) || 'unknown';
}

function defaultDir(): string {
  const home = join(homedir(), '.cache', 'tabrl');
  try {
    mkdirSync(home, { recursive: true });
    return home;
  } catch {
    return join(tmpdir(), 'tabrl');
  }
}

export function fileStore(options: FileStoreOptions = {}): AutotuneStore {
  const fixed = options.path ?? process.env.TABRL_AUTOTUNE_CACHE;
  const pathFor = (adapter: string) =>
    fixed ?? join(options.dir ?? defaultDir(), `autotune-${adapterSlug(adapter)}.json`);
  return {
    get where() {
      return fixed ?? join(options.dir ?? '~/.cache/tabrl', 'autotune-<adapter>.json');
    },
    load(adapter): Choices {
      const path = pathFor(adapter);
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch {
        return {}; // no cache yet
      }
      const parsed = parseCache(text, adapter);
      if ('problem' in parsed) {
        console.warn(`autotune: ignoring cache file ${path}: ${parsed.problem}`);
        return {};
      }
      return parsed.choices;
    },
    save(adapter, choices) {
      const path = pathFor(adapter);
      try {
        mkdirSync(dirname(path), { recursive: true });
        const tmp = `${path}.${process.pid}.tmp`;
        writeFileSync(tmp, serializeCache(adapter, choices));
        renameSync(tmp, path); // atomic: a concurrent reader sees the old file or the new one
      } catch (err) {
        console.warn(
          `autotune: could not write ${path}: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
    },
  };
}
