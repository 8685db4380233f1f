/**
 * Where the worker reads a `dataset` task's rows from when the page did not send them: the task's
 * `source`, fetched (same-origin works under the page's Content-Security-Policy) and parsed with
 * the engine's JSONL parser, every failure said in one line the run controls can show.
 */
import { type DatasetRow, datasetText, parseJsonlDataset } from '../../engine/tasks/index.js';

/**
 * Where a dataset `source` is fetched from: http(s) URLs as written; site paths ('/datasets/x.jsonl',
 * 'datasets/x.jsonl') under the page's site, sub-path included, as shipped models are. Null for
 * `local:NAME` (a file dropped on some page, which only that page can send).
 */
export function datasetUrl(source: string, siteUrl: string): URL | null {
  if (source.startsWith('local:')) return null;
  if (/^https?:\/\//i.test(source)) return new URL(source);
  if (/^[a-z][a-z0-9+.-]*:/i.test(source)) {
    throw new Error(
      `dataset ${source}: only http(s) URLs, site paths and dropped files (local:NAME) can be read`,
    );
  }
  return new URL(source.replace(/^\/+/, ''), siteUrl);
}

/** The rows of a dataset task whose rows the page did not send: fetched and parsed, or a clear error. */
export async function fetchDatasetRows(
  source: string,
  siteUrl: string,
  fetchFn: typeof fetch = fetch,
): Promise<DatasetRow[]> {
  const url = datasetUrl(source, siteUrl);
  if (!url) {
    const name = source.slice('local:'.length);
    throw new Error(
      `dataset ${name}: the file stays on the machine it was dropped on; drop ${name} in the task section to run this task`,
    );
  }
  let res: Response;
  try {
    res = await fetchFn(url);
  } catch (err) {
    throw new Error(
      `dataset ${source}: could not fetch ${url.href} (${err instanceof Error ? err.message : String(err)}). ` +
        "The lab reads datasets from its own site, or from a host the page's Content-Security-Policy allows that also allows this site (CORS).",
    );
  }
  if (!res.ok)
    throw new Error(
      `dataset ${source}: ${url.href} answered HTTP ${res.status}. Check the file's name and that it is deployed with the site`,
    );
  const bytes = new Uint8Array(await res.arrayBuffer());
  const parsed = parseJsonlDataset(datasetText(source, url.href, bytes, res.headers.get('content-type')));
  if (!parsed.ok) {
    const n = parsed.errors.length;
    throw new Error(
      `dataset ${source}: ${n} bad line${n === 1 ? '' : 's'}: ${parsed.errors.slice(0, 5).join('; ')}${n > 5 ? '; ...' : ''}`,
    );
  }
  return parsed.rows;
}
