/**
 * The lab's URL flags: `#c=...` (share payload), `hide=a,b` (controls hidden for classroom handouts,
 * as TensorFlow Playground does), `presenter=1` and `hub=URL` (a Hugging Face mirror, or a test server,
 * in place of https://huggingface.co; relative to the page; the page's Content-Security-Policy still
 * limits downloads to this site and the hub's hosts), read from the fragment or the query string.
 * The fragment keeps everything on the client: static hosts never see it.
 */

export interface LabUrlFlags {
  /** The raw `c=` value, if any (decode with decodeSharePayload). */
  share: string | null;
  /** Control names to hide (RunConfig keys, or panels: `presets`, `algorithm`, `try`, ...). */
  hide: string[];
  presenter: boolean;
  /** The `hub=` value as written (resolve it against the page with hubBaseUrl), or null. */
  hub: string | null;
}

/** The hub base URL a `hub=` flag names, resolved against the page; null when absent or not http(s). */
export function hubBaseUrl(flag: string | null, pageUrl: string): string | null {
  if (!flag) return null;
  try {
    const url = new URL(flag, pageUrl);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    return url.href.replace(/\/+$/, '');
  } catch {
    return null;
  }
}

function paramsOf(text: string): URLSearchParams {
  return new URLSearchParams(text.replace(/^[#?]/, ''));
}

/** Reads the flags from `location.hash` and `location.search`; the fragment wins on conflicts. */
export function readLabUrlFlags(hash: string, search = ''): LabUrlFlags {
  const fromHash = paramsOf(hash);
  const fromQuery = paramsOf(search);
  const get = (key: string) => fromHash.get(key) ?? fromQuery.get(key);
  // URLSearchParams turns '+' into ' '; base64url never has either, so the raw text is used for c=.
  const rawShare = /(?:^|[#&])c=([^&]*)/.exec(hash)?.[1] ?? /(?:^|[?&])c=([^&]*)/.exec(search)?.[1] ?? null;
  const hide = (get('hide') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const presenterFlag = get('presenter');
  return {
    share: rawShare,
    hide,
    presenter: presenterFlag === '1' || presenterFlag === 'true' || presenterFlag === '',
    hub: get('hub'),
  };
}

/** The fragment for a share link: `#c=...` plus the hide list when there is one. */
export function buildLabFragment(share: string, hide: readonly string[] = []): string {
  return `#c=${share}${hide.length > 0 ? `&hide=${hide.map(encodeURIComponent).join(',')}` : ''}`;
}

/** A full link: the page's address without its old fragment, plus the new one. */
export function buildShareUrl(pageHref: string, share: string, hide: readonly string[] = []): string {
  return pageHref.split('#')[0] + buildLabFragment(share, hide);
}
