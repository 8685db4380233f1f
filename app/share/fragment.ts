/**
 * The lab's URL flags: `#c=...` (share payload), `hide=a,b` (controls hidden for classroom handouts,
 * as TensorFlow Playground does) and `presenter=1`, read from the fragment or the query string.
 * The fragment keeps everything on the client: static hosts never see it.
 */

export interface LabUrlFlags {
  /** The raw `c=` value, if any (decode with decodeSharePayload). */
  share: string | null;
  /** Control names to hide (RunConfig keys, or panels: `presets`, `algorithm`, `try`, ...). */
  hide: string[];
  presenter: boolean;
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
