/**
 * Model folders a person dropped into the lab (a folder's files or single files), kept in the same cache
 * as hub downloads under `https://local.tabrl.invalid/NAME/FILE` keys, so the engine worker opens them by the model name
 * `local:NAME` exactly as it opens a hub id, and a reload still finds them.
 */
import type { CheckpointFs } from '../model/checkpoint.js';
import type { HubCache } from './cache.js';

export const LOCAL_MODEL_PREFIX = 'local:';

export function isLocalModelName(name: string): boolean {
  return (
    name.startsWith(LOCAL_MODEL_PREFIX) &&
    /^[A-Za-z0-9._-]{1,96}$/.test(name.slice(LOCAL_MODEL_PREFIX.length))
  );
}

/** `local:my-model` for a dropped folder called "my model (1)". */
export function localModelName(folder: string): string {
  const clean = folder
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 96);
  return `${LOCAL_MODEL_PREFIX}${clean || 'model'}`;
}

// Cache Storage takes http(s) keys only; .invalid is reserved and never resolves, so no real URL collides
const key = (name: string, file: string) =>
  `https://local.tabrl.invalid/${name.slice(LOCAL_MODEL_PREFIX.length)}/${file}`;

/** Stores dropped files (by base name) under a local model name. */
export async function storeLocalModel(
  cache: HubCache,
  name: string,
  files: ReadonlyMap<string, Uint8Array>,
): Promise<void> {
  if (!isLocalModelName(name)) throw new Error(`"${name}" is not a local model name (local:NAME)`);
  for (const [file, bytes] of files) await cache.put(key(name, file), bytes);
}

/** A stored local model as a read-only checkpoint folder. */
export function localCheckpointFs(name: string, cache: HubCache): CheckpointFs {
  if (!isLocalModelName(name)) throw new Error(`"${name}" is not a local model name (local:NAME)`);
  return {
    where: () => `the dropped folder "${name.slice(LOCAL_MODEL_PREFIX.length)}"`,
    readFile: (file) => cache.get(key(name, file)),
    async writeFile(file) {
      throw new Error(`${name}: dropped model folders are read-only (tried to write ${file})`);
    },
  };
}
