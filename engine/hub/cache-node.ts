/**
 * The hub cache in a folder on disk (the CLI and Node tests): one file per URL, named by a hash of it,
 * written to a temporary name first so an interrupted download never leaves a truncated entry.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { HubCache } from './cache.js';

export function dirHubCache(dir: string): HubCache {
  const path = (key: string) => join(dir, createHash('sha256').update(key).digest('hex'));
  return {
    async get(key) {
      try {
        return new Uint8Array(await readFile(path(key)));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw e;
      }
    },
    async put(key, bytes) {
      await mkdir(dir, { recursive: true });
      const tmp = `${path(key)}.${process.pid}.part`;
      await writeFile(tmp, bytes);
      await rename(tmp, path(key));
    },
    async delete(key) {
      await rm(path(key), { force: true });
    },
  };
}
