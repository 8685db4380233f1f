/**
 * End-to-end harness: serves the built app (`dist/`) from localhost, at the root or under a sub-path,
 * and launches the system Chromium through playwright-core. Nothing downloads a browser: Debian's
 * `chromium` package provides /usr/bin/chromium, and WebGPU runs on its SwiftShader without a GPU.
 */
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';

export const DIST = resolve(import.meta.dirname, '../../dist');
export const SCREENSHOTS = resolve(import.meta.dirname, '../../screenshots');

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

/**
 * Serves `dist/` under `basePath` ('/' or e.g. '/tabrl/') on a free localhost port. `route`, when
 * given, sees each request first and answers it by returning true (a stand-in hub on the same origin).
 */
export async function serveDist(
  basePath = '/',
  route?: (req: IncomingMessage, res: ServerResponse) => boolean,
): Promise<StaticSite> {
  if (!existsSync(join(DIST, 'index.html')))
    throw new Error(`${DIST}/index.html missing: run \`npx vite build\` first`);
  const base = basePath.endsWith('/') ? basePath : `${basePath}/`;
  const server: Server = createServer((req, res) => {
    if (route?.(req, res)) return;
    const path = decodeURIComponent((req.url ?? '/').split('?')[0].split('#')[0]);
    if (!path.startsWith(base)) {
      res.writeHead(404).end('not under the base path');
      return;
    }
    let file = normalize(join(DIST, path.slice(base.length)));
    if (!file.startsWith(DIST)) {
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

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Launches headless Chromium; `webgpu: true` adds the flags that give it WebGPU (SwiftShader without a GPU). */
export async function launchChromium({ webgpu }: { webgpu: boolean }): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium) or set CHROMIUM_PATH`,
    );
  }
  const args = [
    '--no-sandbox',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-quic',
  ];
  if (webgpu)
    args.push('--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader', '--enable-features=Vulkan');
  else args.push('--disable-features=WebGPU,Vulkan', '--disable-gpu');
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args });
}

export function screenshotPath(name: string): string {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return join(SCREENSHOTS, `${name}.png`);
}

/**
 * The usual fixture of a describe block: the built app served under `basePath` and a Chromium with
 * WebGPU, started before its tests and closed after them. Read `lab.site` / `lab.browser` in tests.
 */
export function useLab(basePath = '/'): { site: StaticSite; browser: Browser } {
  const lab = {} as { site: StaticSite; browser: Browser };
  beforeAll(async () => {
    lab.site = await serveDist(basePath);
    lab.browser = await launchChromium({ webgpu: true });
  });
  afterAll(async () => {
    await lab.browser?.close();
    await lab.site?.close();
  });
  return lab;
}
