/**
 * The rows of a `dataset` task for the CLI: `task.source` is a JSONL file path (relative to the
 * working directory), a site path of a file shipped in public/ ('/datasets/x.jsonl' or
 * 'datasets/x.jsonl', as the lab reads it), or an http(s) URL. A `local:NAME` source names a
 * file dropped into the lab, which only the lab has. Bad lines are refused together, with their line numbers (engine/tasks/dataset.ts).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { RunConfig } from '../../engine/config/schema.js';
import { type DatasetRow, datasetText, parseJsonlDataset } from '../../engine/tasks/index.js';
import { REPO_ROOT } from './training.js';

const SHOWN_ERRORS = 10;

/** The dataset's rows when the run's task is `dataset`; undefined for the generated tasks. */
export async function loadDatasetRows(config: RunConfig): Promise<DatasetRow[] | undefined> {
  const task = config.task;
  if (task.name !== 'dataset') return undefined;
  const text = await readSource(task.source);
  const parsed = parseJsonlDataset(text);
  if (!parsed.ok) {
    const more =
      parsed.errors.length > SHOWN_ERRORS ? `\n  ... and ${parsed.errors.length - SHOWN_ERRORS} more` : '';
    throw new Error(
      `dataset ${task.source}: ${parsed.errors.length} bad line(s); fix them and run again:\n  ` +
        parsed.errors.slice(0, SHOWN_ERRORS).join('\n  ') +
        more,
    );
  }
  return parsed.rows;
}

async function readSource(source: string): Promise<string> {
  if (source.startsWith('local:')) {
    throw new Error(
      `dataset "${source.slice('local:'.length)}" was a file dropped into the lab; give its path with --set task.source=PATH`,
    );
  }
  if (/^https?:\/\//.test(source)) {
    const response = await fetch(source).catch((e: unknown) => {
      throw new Error(
        `dataset ${source}: could not fetch it (${e instanceof Error ? e.message : String(e)})`,
      );
    });
    if (!response.ok)
      throw new Error(
        `dataset ${source}: the server answered HTTP ${response.status}. Check the URL, or download the file and give its path`,
      );
    return datasetText(
      source,
      source,
      new Uint8Array(await response.arrayBuffer()),
      response.headers.get('content-type'),
    );
  }
  // a site path, as the lab reads it ('/datasets/x.jsonl' or 'datasets/x.jsonl' under public/), unless
  // a relative path names a file in the working directory
  const shipped = join(REPO_ROOT, 'public', source.replace(/^\/+/, ''));
  const onDisk = resolve(source);
  const path = existsSync(shipped) && (source.startsWith('/') || !existsSync(onDisk)) ? shipped : onDisk;
  const bytes = await readFile(path).catch((e: NodeJS.ErrnoException) => {
    throw new Error(
      e.code === 'ENOENT'
        ? `dataset ${source}: no file at ${path}. Give the JSONL file's path (relative to this folder) or an http(s) URL`
        : `dataset ${source}: could not read ${path} (${e.message})`,
    );
  });
  return datasetText(source, path, new Uint8Array(bytes));
}
