/**
 * Hugging Face hub ids and the URLs of their files. `org/name` (optionally `org/name@revision`, default
 * `main`) resolves to `{base}/{org}/{name}/resolve/{revision}/{file}` exactly as the hub serves raw files;
 * the base is configurable so tests (and mirrors) stand in for https://huggingface.co.
 */

export const DEFAULT_HUB_URL = 'https://huggingface.co';

export interface HubRef {
  repo: string; // org/name
  revision: string; // branch, tag or commit
}

// HF repo names: letters, digits, '-', '_', '.'; no leading/trailing '.'/'-', no '--' or '..'
const PART = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?$/;
const REVISION = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$/;

/** Parses `org/name` or `org/name@revision`; null when `text` is not a hub id (a path, a preset name). */
export function parseHubId(text: string, revision?: string): HubRef | null {
  const at = text.indexOf('@');
  const repo = at >= 0 ? text.slice(0, at) : text;
  const rev = at >= 0 ? text.slice(at + 1) : (revision ?? 'main');
  const parts = repo.split('/');
  if (parts.length !== 2 || !parts.every((p) => PART.test(p) && !p.includes('--') && !p.includes('..')))
    return null;
  if (!REVISION.test(rev) || rev.includes('..')) return null;
  return { repo, revision: rev };
}

/** The download URL of one file of a hub repo at a revision. */
export function hubFileUrl(ref: HubRef, file: string, baseUrl = DEFAULT_HUB_URL): string {
  const base = baseUrl.replace(/\/+$/, '');
  const path = file
    .split('/')
    .map((p) => encodeURIComponent(p))
    .join('/');
  return `${base}/${ref.repo}/resolve/${encodeURIComponent(ref.revision)}/${path}`;
}
