/**
 * A checkpoint folder served over HTTP by the site the lab came from (shipped warm starts such as
 * `/models/arithmetic-sft`, under any sub-path), read-only. Static hosts, Vite's dev and preview
 * servers among them, answer a missing file with index.html and status 200: such a page (by its
 * content type or its first bytes) counts as the file being absent, with the reason kept for the
 * message. Read through files.json (folder-manifest.ts), only listed files are requested.
 */
import type { CheckpointFs } from '../model/checkpoint.js';
import { manifestFs } from '../model/folder-manifest.js';
import { describeLoadProblem, LoadError, looksLikeHtml } from '../model/load-error.js';

type FetchLike = (url: string) => Promise<Response>;

/** The folder `name` (e.g. '/models/arithmetic-sft') under `siteUrl`, with each file fetched at most once. */
export function siteFolderFs(
  siteUrl: string,
  name: string,
  fetchFn: FetchLike = (u) => fetch(u),
): CheckpointFs {
  const folder = new URL(`${name.replace(/^\/+/, '').replace(/\/?$/, '/')}`, siteUrl);
  const url = (file: string) => new URL(file, folder).href;
  const reasons = new Map<string, string>();
  const seen = new Map<string, Promise<Uint8Array | null>>();
  const load = async (file: string): Promise<Uint8Array | null> => {
    let res: Response;
    try {
      res = await fetchFn(url(file));
    } catch (e) {
      throw new LoadError(
        describeLoadProblem({
          file,
          where: url(file),
          problem: `could not be fetched (${(e as Error).message})`,
          fix: 'Check that the site is still being served (a stopped dev server, or the network went away), then try again',
        }),
      );
    }
    if (res.status === 404 || res.status === 410) {
      reasons.set(file, `HTTP ${res.status}`);
      return null;
    }
    if (!res.ok)
      throw new LoadError(
        describeLoadProblem({
          file,
          where: url(file),
          problem: `the server answered HTTP ${res.status}`,
          fix: 'Check that the model folder was deployed with the site and is readable, then try again',
        }),
      );
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (looksLikeHtml(bytes, res.headers.get('content-type'))) {
      reasons.set(file, 'the server sent an HTML page in its place, as static hosts do for a missing file');
      return null;
    }
    return bytes;
  };
  const raw: CheckpointFs = {
    where: url,
    absentReason: (file) => reasons.get(file),
    readFile(file) {
      let p = seen.get(file);
      if (!p) {
        p = load(file);
        seen.set(file, p);
        p.catch(() => seen.delete(file));
      }
      return p;
    },
    async writeFile(file) {
      throw new LoadError(`model "${name}": ${file}: folders served by the site are read-only`);
    },
  };
  return manifestFs(raw);
}
