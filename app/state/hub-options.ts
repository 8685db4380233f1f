/**
 * Where the lab downloads hub models from and keeps them: https://huggingface.co unless the page's
 * `hub=` flag names a mirror (app/share/fragment.ts), and Cache Storage when the page is a secure
 * context. The panel downloads with these options and the engine worker reads with the same base URL
 * (sent with `hello`), so both see the same cache keys.
 */
import { cacheStorageHubCache, type HubCache, type HubOptions } from '../../engine/hub/index.js';
import { hubBaseUrl, readLabUrlFlags } from '../share/fragment.js';

/** The `hub=` base URL of this page, or undefined for the default hub. */
export function labHubUrl(): string | undefined {
  if (typeof location === 'undefined') return undefined;
  return hubBaseUrl(readLabUrlFlags(location.hash, location.search).hub, document.baseURI) ?? undefined;
}

function hubCache(): HubCache | undefined {
  try {
    return cacheStorageHubCache();
  } catch {
    return undefined; // no secure context: downloads still work, uncached
  }
}

export function labHubOptions(extra: Pick<HubOptions, 'onProgress'> = {}): HubOptions {
  return { baseUrl: labHubUrl(), cache: hubCache(), ...extra };
}
