/**
 * The Node implementation of CheckpointFs over node:fs (the CLI and tests). Browser code never imports
 * this file; it passes its own File/OPFS/IndexedDB-backed CheckpointFs instead.
 */

import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CheckpointFs } from './checkpoint.js';
import { type FolderManifest, folderManifest, MANIFEST_FILE } from './folder-manifest.js';

/** A checkpoint folder on disk; writing creates the folder if needed. */
export function nodeCheckpointFs(dir: string): CheckpointFs {
  return {
    where: (name) => join(dir, name),
    readFile: async (name) => {
      try {
        return new Uint8Array(await readFile(join(dir, name)));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw e;
      }
    },
    writeFile: async (name, data) => {
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, name), data);
    },
  };
}

/** The files.json a folder on disk should carry: its plain files (not sub-folders, not files.json). */
export async function manifestOfFolder(dir: string): Promise<FolderManifest> {
  const files = new Map<string, Uint8Array>();
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isFile() && entry.name !== MANIFEST_FILE)
      files.set(entry.name, new Uint8Array(await readFile(join(dir, entry.name))));
  }
  return folderManifest(files);
}
