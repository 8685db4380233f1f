/** Share links on the command line: `--config` accepts the lab's link (`...#c=...`) as well as a file. */
import { decodeSharePayload } from '../../engine/config/share-link.js';

export function isShareLink(value: string): boolean {
  return /(^|#|&)c=/.test(value) && !value.endsWith('.json');
}

export function configFromShareLink(value: string): unknown {
  const fragment = value.includes('#') ? value.slice(value.indexOf('#') + 1) : value;
  const c = new URLSearchParams(fragment).get('c');
  if (!c) throw new Error('--config: the share link has no "c=" part');
  const decoded = decodeSharePayload(c);
  if (!decoded.ok) throw new Error(`--config: ${decoded.error}`);
  return { ...(decoded.payload.config as object), kernel_variants: decoded.payload.kernel_variants };
}
