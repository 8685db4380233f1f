/**
 * The Node implementation of CheckpointFs over node:fs (the CLI and tests). Browser code never imports
 * this file; it passes its own File/OPFS/IndexedDB-backed CheckpointFs instead.
 */

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CheckpointFs } from './checkpoint.js';

/** A checkpoint folder on disk; writing creates the folder if needed. */
export function nodeCheckpointFs(dir: string): CheckpointFs {
  return {
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
