/**
 * The engine worker's network policy. A worker loaded from a file of this site takes its
 * Content-Security-Policy from that file's HTTP response, not from index.html's <meta> tag, so on a
 * static host that sends no CSP header the worker would be free to fetch anything a share link names
 * (a dataset `source`, a `hub=` mirror). The worker therefore wraps its own `fetch` with the page's
 * connect-src list, kept equal to index.html's by connect-policy.test.ts.
 */

/** index.html's connect-src besides 'self': the Hugging Face hub and the hosts its downloads use. */
export const CONNECT_HOSTS: readonly string[] = [
  'https://huggingface.co',
  'https://cdn-lfs.huggingface.co',
  'https://*.hf.co',
];

/** Whether connect-src ('self' plus CONNECT_HOSTS) allows `url` from a page whose origin is `selfOrigin`. */
export function connectAllowed(url: URL, selfOrigin: string): boolean {
  if (url.origin === selfOrigin || url.protocol === 'blob:' || url.protocol === 'data:') return true;
  return CONNECT_HOSTS.some((source) => {
    const s = new URL(source.replace('*.', 'wildcard.'));
    if (url.protocol !== s.protocol || (url.port !== '' && url.port !== s.port)) return false;
    if (!source.includes('*.')) return url.hostname === s.hostname;
    return url.hostname.endsWith(`.${s.hostname.slice('wildcard.'.length)}`);
  });
}

/** A fetch that refuses, with a message that says why, what the page's policy would refuse. */
export function policedFetch(inner: typeof fetch, selfOrigin: string): typeof fetch {
  return (input, init) => {
    const raw = input instanceof Request ? input.url : String(input);
    const url = new URL(raw, selfOrigin);
    if (!connectAllowed(url, selfOrigin)) {
      return Promise.reject(
        new TypeError(
          `${url.origin} is not an allowed host: the lab reads only from its own site and the Hugging Face hub ` +
            "(the page's Content-Security-Policy, connect-src). Serve the file from this site instead.",
        ),
      );
    }
    return inner(input, init);
  };
}
