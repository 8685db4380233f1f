/**
 * What a run read from this machine rather than from a URL: a dropped dataset (`task.source =
 * local:NAME`, rows kept only in the tab's memory) and dropped model folders (`local:NAME` as the
 * model or a reward model's path, kept in Cache Storage). Each is recorded by SHA-256 when the run
 * starts and checked again before a saved run may Continue, so a continued run reads exactly what it
 * started with: after a reload the dataset must be dropped again, and a model folder replaced under
 * the same name is refused. The dataset is hashed as the JSON of its parsed rows (what the run
 * trains on), so the same rows in a differently spaced file still match.
 */

import type { HubCache } from '../../engine/hub/cache.js';
import { isLocalModelName, localCheckpointFs } from '../../engine/hub/local.js';
import { type ManifestEntry, sha256Hex } from '../../engine/model/folder-manifest.js';
import type { DatasetRow } from '../../engine/tasks/index.js';
import { datasetSourceOf, type LoadedDataset, localDatasetName } from './dataset-store.js';

export interface RunInputs {
  dataset?: { name: string; source: string; rows: number; sha256: string };
  folders?: { name: string; role: 'model' | 'reward model'; files: ManifestEntry[] }[];
}

/** The files of a dropped folder the loaders may read (plus the shards a sharded index names). */
const FOLDER_FILES = [
  'config.json',
  'model.safetensors',
  'model.safetensors.index.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'generation_config.json',
  'chat_template.jinja',
  'model.onnx',
];

export async function datasetHash(rows: readonly DatasetRow[]): Promise<string> {
  return sha256Hex(new TextEncoder().encode(JSON.stringify(rows)));
}

/** The local folders a config names: its model and the reward models reward_funcs uses. */
export function localFoldersOf(config: unknown): { name: string; role: 'model' | 'reward model' }[] {
  const c = config as {
    model?: { name?: unknown };
    reward_funcs?: unknown[];
    reward_models?: { name?: unknown; path?: unknown }[];
  } | null;
  const out: { name: string; role: 'model' | 'reward model' }[] = [];
  const model = c?.model?.name;
  if (typeof model === 'string' && isLocalModelName(model)) out.push({ name: model, role: 'model' });
  for (const m of c?.reward_models ?? [])
    if (typeof m.path === 'string' && isLocalModelName(m.path) && c?.reward_funcs?.includes(m.name))
      out.push({ name: m.path, role: 'reward model' });
  return out;
}

async function folderFiles(name: string, cache: HubCache): Promise<ManifestEntry[]> {
  const fs = localCheckpointFs(name, cache);
  const names = [...FOLDER_FILES];
  const index = await fs.readFile('model.safetensors.index.json');
  if (index) {
    try {
      const map = (JSON.parse(new TextDecoder().decode(index)) as { weight_map?: Record<string, string> })
        .weight_map;
      for (const shard of new Set(Object.values(map ?? {}))) if (!names.includes(shard)) names.push(shard);
    } catch {
      // a malformed index is the loader's to report; its bytes are hashed like any file
    }
  }
  const files: ManifestEntry[] = [];
  for (const file of names) {
    const bytes = await fs.readFile(file);
    if (bytes) files.push({ name: file, size: bytes.length, sha256: await sha256Hex(bytes) });
  }
  return files;
}

/** The local inputs of a run of `config` started with `rows` (the dropped dataset's, if its task reads one). */
export async function recordRunInputs(
  config: unknown,
  rows: readonly DatasetRow[] | undefined,
  cache: HubCache | undefined,
): Promise<RunInputs> {
  const inputs: RunInputs = {};
  const source = datasetSourceOf(config);
  const name = source === null ? null : localDatasetName(source);
  if (source !== null && name !== null && rows)
    inputs.dataset = { name, source, rows: rows.length, sha256: await datasetHash(rows) };
  const folders = localFoldersOf(config);
  if (folders.length > 0 && cache)
    inputs.folders = await Promise.all(
      folders.map(async (f) => ({ ...f, files: await folderFiles(f.name, cache) })),
    );
  return inputs;
}

/**
 * What is missing or changed, one sentence each (empty: Continue may run). `loaded` is the dataset
 * dropped in this tab; `cache` holds the dropped model folders.
 */
export async function checkRunInputs(
  inputs: RunInputs,
  loaded: LoadedDataset | null,
  cache: HubCache | undefined,
): Promise<string[]> {
  const problems: string[] = [];
  const ds = inputs.dataset;
  if (ds) {
    if (loaded?.source !== ds.source)
      problems.push(`Drop the dataset ${ds.name} again (the drop zone is in the task section).`);
    else if ((await datasetHash(loaded.rows)) !== ds.sha256)
      problems.push(
        `The dropped ${ds.name} is not the file this run trained on (${loaded.rows.length} rows here, ${ds.rows} then; SHA-256 differs): drop the original.`,
      );
  }
  for (const folder of inputs.folders ?? []) {
    const what = `the ${folder.role} folder "${folder.name.slice('local:'.length)}"`;
    const now = cache ? await folderFiles(folder.name, cache) : [];
    const byName = new Map(now.map((f) => [f.name, f]));
    const changed = folder.files.filter((f) => byName.get(f.name)?.sha256 !== f.sha256).map((f) => f.name);
    if (now.length === 0)
      problems.push(`Drop ${what} again in "Bring your own model" and press its Use button.`);
    else if (changed.length > 0 || now.length !== folder.files.length)
      problems.push(
        `${what[0].toUpperCase()}${what.slice(1)} changed since the run started (${changed.join(', ') || 'other files'}): drop the original folder again.`,
      );
  }
  return problems;
}
