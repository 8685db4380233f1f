/**
 * `files.json`: the list of a checkpoint folder's files (name, size, SHA-256), written with the folder
 * (writeCheckpoint, scripts/list-files.mts for the shipped warm starts). A folder served over HTTP is
 * read through `manifestFs`, which asks the server only for listed files, so optional files the folder
 * lacks (trainer_state.*, chat_template.jinja, a sharded index) are never probed on hosts that answer
 * a missing path with index.html, and a listed file that arrives with the wrong size or hash (a stale
 * cache, a half-finished deploy) is refused by name. A folder without files.json is read as before.
 */

import type { CheckpointFs } from './checkpoint.js';
import { describeLoadProblem, LoadError, parseJsonObjectFile } from './load-error.js';

export const MANIFEST_FILE = 'files.json';
const FORMAT = 'tabrl-files-v1';

export interface ManifestEntry {
  name: string;
  size: number;
  sha256: string;
}

export interface FolderManifest {
  format: typeof FORMAT;
  files: ManifestEntry[];
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** The manifest of these files (sorted by name; files.json itself is never listed). */
export async function folderManifest(files: ReadonlyMap<string, Uint8Array>): Promise<FolderManifest> {
  const names = [...files.keys()].filter((n) => n !== MANIFEST_FILE).sort();
  const entries: ManifestEntry[] = [];
  for (const name of names) {
    const bytes = files.get(name) as Uint8Array;
    entries.push({ name, size: bytes.length, sha256: await sha256Hex(bytes) });
  }
  return { format: FORMAT, files: entries };
}

export function manifestBytes(manifest: FolderManifest): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`);
}

const MANIFEST_FIX = `Rewrite it with \`node --import tsx scripts/list-files.mts FOLDER\`, or delete it to have every file requested`;

/** Parses files.json; anything malformed is a LoadError naming the file and the entry. */
export function parseFolderManifest(bytes: Uint8Array, where?: string): FolderManifest {
  const json = parseJsonObjectFile(MANIFEST_FILE, bytes, { where, fix: MANIFEST_FIX });
  const refuse = (problem: string) =>
    new LoadError(describeLoadProblem({ file: MANIFEST_FILE, where, problem, fix: MANIFEST_FIX }));
  if (json.format !== FORMAT)
    throw refuse(`"format" is ${JSON.stringify(json.format)}, expected "${FORMAT}"`);
  if (!Array.isArray(json.files)) throw refuse('"files" is not a list');
  const seen = new Set<string>();
  const files = json.files.map((e: unknown, i: number): ManifestEntry => {
    const entry = e as Partial<ManifestEntry> | null;
    if (
      typeof entry !== 'object' ||
      entry === null ||
      typeof entry.name !== 'string' ||
      !/^[\w.-]+$/.test(entry.name) ||
      !Number.isSafeInteger(entry.size) ||
      (entry.size as number) < 0 ||
      typeof entry.sha256 !== 'string' ||
      !/^[0-9a-f]{64}$/.test(entry.sha256)
    )
      throw refuse(`entry ${i} is not {name: a file name, size: bytes, sha256: 64 hex digits}`);
    if (seen.has(entry.name)) throw refuse(`"${entry.name}" is listed twice`);
    seen.add(entry.name);
    return { name: entry.name, size: entry.size as number, sha256: entry.sha256 };
  });
  return { format: FORMAT, files };
}

/**
 * `inner` read through its files.json when it has one: unlisted names are absent without a request,
 * listed ones must arrive whole (size and SHA-256 checked). Without a files.json, `inner` as it is.
 */
export function manifestFs(inner: CheckpointFs): CheckpointFs {
  const read = (name: string) => inner.readFile(name);
  let manifest: Promise<Map<string, ManifestEntry> | null> | null = null;
  const listing = () => {
    manifest ??= read(MANIFEST_FILE).then((bytes) =>
      bytes
        ? new Map(parseFolderManifest(bytes, inner.where?.(MANIFEST_FILE)).files.map((e) => [e.name, e]))
        : null,
    );
    return manifest;
  };
  const where = (name: string) => inner.where?.(name) ?? name;
  return {
    where,
    absentReason: (name) => inner.absentReason?.(name),
    async readFile(name) {
      const list = await listing();
      if (!list) return read(name);
      const entry = list.get(name);
      if (!entry) return null;
      const bytes = await read(name);
      const fix =
        'The folder changed after its files.json was written (a partial deploy, or a stale browser cache): deploy the folder again, or reload the page';
      if (!bytes)
        throw new LoadError(
          describeLoadProblem({
            file: name,
            where: where(name),
            problem: `listed in ${MANIFEST_FILE} but not found${inner.absentReason?.(name) ? ` (${inner.absentReason(name)})` : ''}`,
            fix,
          }),
        );
      if (bytes.length !== entry.size)
        throw new LoadError(
          describeLoadProblem({
            file: name,
            where: where(name),
            problem: `${bytes.length} bytes arrived where ${MANIFEST_FILE} lists ${entry.size} (${bytes.length < entry.size ? 'truncated' : 'another file'})`,
            fix,
          }),
        );
      if ((await sha256Hex(bytes)) !== entry.sha256)
        throw new LoadError(
          describeLoadProblem({
            file: name,
            where: where(name),
            problem: `its contents differ from the SHA-256 that ${MANIFEST_FILE} lists (corrupted or replaced)`,
            fix,
          }),
        );
      return bytes;
    },
    writeFile: (name, data) => inner.writeFile(name, data),
  };
}
