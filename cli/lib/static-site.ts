/**
 * A static file server for a built site on a free localhost port: `tabrl bench --learning --browser`
 * serves `dist/` with it, and the e2e harness (tests/e2e/harness.ts) does too. `route`, when given,
 * sees each request first and answers it by returning true (a stand-in hub on the same origin).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.map': 'application/json',
  '.safetensors': 'application/octet-stream',
  '.png': 'image/png',
};

export interface StaticSite {
  url: string;
  close: () => Promise<void>;
}

/** Serves the folder `root` under `basePath` ('/' or e.g. '/tabrl/'); 404 for a missing file. */
export async function serveStatic(
  root: string,
  basePath = '/',
  route?: (req: IncomingMessage, res: ServerResponse) => boolean,
): Promise<StaticSite> {
  const base = basePath.endsWith('/') ? basePath : `${basePath}/`;
  const server: Server = createServer((req, res) => {
    if (route?.(req, res)) return;
    const path = decodeURIComponent((req.url ?? '/').split('?')[0].split('#')[0]);
    if (!path.startsWith(base)) {
      res.writeHead(404).end('not under the base path');
      return;
    }
    let file = normalize(join(root, path.slice(base.length)));
    if (!file.startsWith(root)) {
      res.writeHead(403).end();
      return;
    }
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!existsSync(file)) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'cache-control': 'no-store',
    });
    res.end(readFileSync(file));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${base}`,
    close: () => new Promise((ok) => server.close(() => ok())),
  };
}
