/**
 * Writes `files.json` (name, size, SHA-256 of every file; engine/model/folder-manifest.ts) into each
 * folder given, so the lab asks a static host only for files the folder has. `tabrl train` writes it
 * with every checkpoint; run this after assembling a folder by hand (the shipped warm starts in
 * public/models/ are a checkpoint's config, weights and tokenizer files without its trainer state).
 *
 *   node --import tsx scripts/list-files.mts public/models/arithmetic-sft [more folders]
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { manifestOfFolder } from '../engine/model/checkpoint-node.js';
import { MANIFEST_FILE, manifestBytes } from '../engine/model/folder-manifest.js';

const dirs = process.argv.slice(2);
if (dirs.length === 0) {
  console.error('usage: node --import tsx scripts/list-files.mts FOLDER [FOLDER ...]');
  process.exit(2);
}
for (const dir of dirs) {
  const manifest = await manifestOfFolder(dir);
  await writeFile(join(dir, MANIFEST_FILE), manifestBytes(manifest));
  console.log(`${join(dir, MANIFEST_FILE)}: ${manifest.files.map((f) => f.name).join(', ')}`);
}
