/**
 * End-to-end harness: serves the app the ways users serve it and launches the system Chromium through
 * playwright-core. Three servers: the project's own `npm start` (Vite's dev server) and `npm run
 * preview` (Vite's preview of `dist/`), run as child processes from package.json's scripts, and a
 * strict static server of `dist/` (404 for a missing file, at the root or under a sub-path) for what
 * static hosts differ on. Vite answers a missing file with index.html; only its servers show what
 * that does to the lab. Nothing downloads a browser: Debian's `chromium` package provides
 * /usr/bin/chromium, and WebGPU runs on its SwiftShader without a GPU.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { type StaticSite, serveStatic } from '../../cli/lib/static-site.js';

export const ROOT = resolve(import.meta.dirname, '../..');
export const DIST = join(ROOT, 'dist');
export const SCREENSHOTS = resolve(import.meta.dirname, '../../screenshots');

export type { StaticSite };

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
  return serveStatic(DIST, basePath, route);
}

/** A free localhost port (the OS picks it; a server started on it right after binds with --strictPort). */
export async function freePort(): Promise<number> {
  const probe = createNetServer();
  await new Promise<void>((ok, fail) => probe.once('error', fail).listen(0, '127.0.0.1', ok));
  const { port } = probe.address() as AddressInfo;
  await new Promise((ok) => probe.close(ok));
  return port;
}

/** Whether something already listens on `port` at 127.0.0.1. */
export async function portInUse(port: number): Promise<boolean> {
  const probe = createNetServer();
  const free = await new Promise<boolean>((ok) =>
    probe.once('error', () => ok(false)).listen(port, '127.0.0.1', () => ok(true)),
  );
  if (free) await new Promise((ok) => probe.close(ok));
  return !free;
}

export interface ServerProcess extends StaticSite {
  /** Everything the process wrote to stdout and stderr so far. */
  output: () => string;
}

const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

/**
 * Runs the shell line `command` in `cwd` as its own process group (as a terminal runs it) and resolves
 * with the first local URL it prints (Vite's `Local:   http://127.0.0.1:5173/`). Rejects with the
 * output when the process exits first or no URL comes within `timeoutMs`. `close` ends the whole
 * group (npm, the shell and Vite under it).
 */
export async function startServerProcess(
  command: string,
  {
    cwd = ROOT,
    env = {},
    timeoutMs = 120_000,
  }: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<ServerProcess> {
  const child: ChildProcess = spawn('sh', ['-c', command], {
    cwd,
    env: { ...process.env, ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
  const close = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const group = -(child.pid as number);
    try {
      process.kill(group, 'SIGTERM');
    } catch {
      return; // the group is gone already
    }
    const killLater = setTimeout(() => {
      try {
        process.kill(group, 'SIGKILL');
      } catch {}
    }, 5000);
    await exited;
    clearTimeout(killLater);
  };
  const url = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => {
      fail(new Error(`\`${command}\` in ${cwd} printed no URL within ${timeoutMs / 1000} s:\n${output}`));
    }, timeoutMs);
    const read = (chunk: Buffer) => {
      output += chunk.toString().replace(ANSI, '');
      const found = /Local:\s+(http:\/\/(?:127\.0\.0\.1|localhost):\d+\/\S*)/.exec(output)?.[1];
      if (found) {
        clearTimeout(timer);
        ok(found);
      }
    };
    child.stdout?.on('data', read);
    child.stderr?.on('data', read);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      fail(new Error(`\`${command}\` in ${cwd} exited (${signal ?? code}) before serving:\n${output}`));
    });
  }).catch(async (e) => {
    await close();
    throw e;
  });
  return { url, close, output: () => output };
}

/** package.json's script `name` with its `--port N` replaced by `port`, so a test does not need the user's port free. */
export function scriptOnPort(name: 'start' | 'preview', port: number, root = ROOT): string {
  const script: string | undefined = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts?.[
    name
  ];
  if (!script || !/--port \d+/.test(script))
    throw new Error(`package.json's "${name}" script (${script}) names no --port to move`);
  return script.replace(/--port \d+/, `--port ${port}`);
}

/** Runs a package.json script's command line in `cwd` as `npm run` does: node_modules/.bin first on PATH. */
function startScript(name: 'start' | 'preview', port: number, cwd = ROOT): Promise<ServerProcess> {
  const bin = join(cwd, 'node_modules', '.bin');
  return startServerProcess(scriptOnPort(name, port, cwd), {
    cwd,
    env: { PATH: `${bin}${delimiter}${process.env.PATH}` },
  });
}

export interface Checkout {
  dir: string;
  remove: () => void;
}

/**
 * A checkout of the project in a temp dir, as a fresh clone has it: no dist/, no Vite cache, and
 * node_modules as `npm ci` would leave it (each of the main checkout's installed packages linked,
 * node_modules itself a real folder so Vite's cache lands inside the copy). 'head' is a git worktree
 * of HEAD (what a clone gets); 'working-tree' copies the files git tracks or would track, edits
 * included. Vite's dev server reloads the page whenever a file under it is saved, so a dev-server
 * test runs from a copy that no one edits under it.
 */
export function freshCheckout(kind: 'head' | 'working-tree'): Checkout {
  const dir = mkdtempSync(join(tmpdir(), 'tabrl-checkout-'));
  if (kind === 'head') {
    rmSync(dir, { recursive: true });
    execFileSync('git', ['worktree', 'add', '--detach', dir, 'HEAD'], { cwd: ROOT, stdio: 'pipe' });
  } else {
    const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
      cwd: ROOT,
      maxBuffer: 64 << 20,
    })
      .toString()
      .split('\0')
      .filter((f) => f !== '' && existsSync(join(ROOT, f)) && !statSync(join(ROOT, f)).isDirectory());
    for (const f of files) {
      mkdirSync(dirname(join(dir, f)), { recursive: true });
      copyFileSync(join(ROOT, f), join(dir, f));
    }
  }
  const modules = join(dir, 'node_modules');
  mkdirSync(modules);
  for (const entry of readdirSync(join(ROOT, 'node_modules'))) {
    if (entry === '.vite' || entry === '.vite-temp' || entry === '.cache') continue;
    symlinkSync(join(ROOT, 'node_modules', entry), join(modules, entry));
  }
  return {
    dir,
    remove: () => {
      if (kind === 'head') {
        execFileSync('git', ['worktree', 'remove', '--force', dir], { cwd: ROOT, stdio: 'pipe' });
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * `npm start` (Vite's dev server, from the sources) on a free port, in a fresh copy of the working
 * tree (see `freshCheckout`) that `close` removes.
 */
export async function serveDev(): Promise<ServerProcess> {
  const checkout = freshCheckout('working-tree');
  try {
    const server = await startScript('start', await freePort(), checkout.dir);
    return {
      ...server,
      close: async () => {
        await server.close();
        checkout.remove();
      },
    };
  } catch (e) {
    checkout.remove();
    throw e;
  }
}

/** `npm run preview` (Vite's preview server of the built `dist/`) on a free port. */
export async function servePreview(): Promise<ServerProcess> {
  if (!existsSync(join(DIST, 'index.html')))
    throw new Error(`${DIST}/index.html missing: run \`npx vite build\` first`);
  return startScript('preview', await freePort());
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

/** How a test serves the lab: the strict static server of `dist/`, `npm start`, or `npm run preview`. */
export type LabServer = 'strict' | 'dev' | 'preview';

export function serveLab(server: LabServer, basePath = '/'): Promise<StaticSite> {
  if (server !== 'strict' && basePath !== '/')
    throw new Error(`the ${server} server serves the lab at / only`);
  switch (server) {
    case 'strict':
      return serveDist(basePath);
    case 'dev':
      return serveDev();
    case 'preview':
      return servePreview();
    default:
      return server satisfies never;
  }
}

/**
 * The usual fixture of a describe block: the app served and a Chromium with WebGPU, started before
 * its tests and closed after them. Read `lab.site` / `lab.browser` in tests. `server` 'strict' (the
 * default) serves the built app under `basePath`; 'dev' and 'preview' run the project's `npm start` /
 * `npm run preview` on a free port (at the root).
 */
export function useLab(basePath = '/', server: LabServer = 'strict'): { site: StaticSite; browser: Browser } {
  const lab = {} as { site: StaticSite; browser: Browser };
  beforeAll(async () => {
    lab.site = await serveLab(server, basePath);
    lab.browser = await launchChromium({ webgpu: true });
  });
  afterAll(async () => {
    await lab.browser?.close();
    await lab.site?.close();
  });
  return lab;
}
