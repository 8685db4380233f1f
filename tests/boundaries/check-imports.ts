/**
 * The layer rule of docs/DESIGN.md, enforced: `kernels` <- `engine` <- `app`/`cli`. kernels/ imports no
 * other layer; engine/ imports only kernels/ and never React, zustand, recharts or the DOM-only app;
 * the page (app/ outside app/worker/) never imports kernels/, it asks the worker. bench/ measures
 * kernels/ and engine/ (its tests may also drive the `tabrl bench` command in cli/), and only cli/
 * imports it; scripts/ are developer tools over kernels/, engine/ and cli/, and nothing imports them.
 * Code the browser bundle reaches (value imports followed from app/main.tsx and the engine worker,
 * app/worker/engine.worker.ts) imports no Node built-in (`node:*`, `fs`, ...) nor Dawn's `webgpu`.
 * Run by the tests; also usable as a script: `npx tsx tests/boundaries/check-imports.ts`.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';

export interface Violation {
  file: string;
  specifier: string;
  rule: string;
}

type Layer = 'kernels' | 'engine' | 'app' | 'app-worker' | 'cli' | 'bench' | 'scripts' | 'other';

const SOURCE = /\.(ts|tsx|mts|js|mjs)$/;
const IMPORT_RE =
  /(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g;
const UI_PACKAGES = ['react', 'react-dom', 'zustand', 'recharts'];
const LAYER_FOLDERS = ['kernels', 'engine', 'app', 'cli', 'bench', 'scripts'];

/** Where the browser bundle starts: the page and the engine's Web Worker (root-relative). */
export const BROWSER_ENTRIES = ['app/main.tsx', 'app/worker/engine.worker.ts'];
/** Node-only packages besides the built-ins: Dawn's WebGPU for Node. */
const NODE_ONLY_PACKAGES = ['webgpu'];
const NODE_BUILTINS = new Set(builtinModules.filter((m) => !m.startsWith('_')));

function layerOf(rel: string): Layer {
  const parts = rel.split(sep);
  if (parts[0] === 'kernels') return 'kernels';
  if (parts[0] === 'engine') return 'engine';
  if (parts[0] === 'cli') return 'cli';
  if (parts[0] === 'bench') return 'bench';
  if (parts[0] === 'scripts') return 'scripts';
  if (parts[0] === 'app') return parts[1] === 'worker' ? 'app-worker' : 'app';
  return 'other';
}

function* sourceFiles(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (SOURCE.test(name)) yield path;
  }
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Every import in `root`'s layer folders that breaks the rule, then the browser bundle's Node imports. */
export function checkImports(root: string): Violation[] {
  const out: Violation[] = [];
  for (const top of LAYER_FOLDERS) {
    if (!isDir(join(root, top))) continue;
    for (const file of sourceFiles(join(root, top))) {
      const rel = relative(root, file);
      const from = layerOf(rel);
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(IMPORT_RE)) {
        const spec = m[1] ?? m[2] ?? m[3];
        const rule = ruleBroken(root, file, from, spec);
        if (rule) out.push({ file: rel, specifier: spec, rule });
      }
    }
  }
  out.push(...checkBrowserBundle(root));
  return out;
}

function packageOf(spec: string): string {
  return spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
}

function ruleBroken(root: string, file: string, from: Layer, spec: string): string | null {
  if (!spec.startsWith('.')) {
    const pkg = packageOf(spec);
    if ((from === 'kernels' || from === 'engine' || from === 'bench') && UI_PACKAGES.includes(pkg)) {
      return `${from}/ must not import UI package "${pkg}"`;
    }
    return null;
  }
  const target = layerOf(relative(root, resolve(dirname(file), spec)));
  if (target === 'scripts' && from !== 'scripts')
    return `${from === 'app-worker' ? 'app' : from}/ must not import scripts/`;
  if (target === 'bench' && from !== 'bench' && from !== 'cli')
    return `${from === 'app-worker' ? 'app' : from}/ must not import bench/ (only the tabrl bench command does)`;
  if (from === 'kernels' && target !== 'kernels' && target !== 'other')
    return `kernels/ must not import ${target === 'app-worker' ? 'app' : target}/`;
  if (from === 'engine' && (target === 'app' || target === 'app-worker' || target === 'cli')) {
    return `engine/ must not import ${target === 'app-worker' ? 'app' : target}/`;
  }
  if (from === 'app' && target === 'kernels')
    return 'the page (app/ outside app/worker/) must not import kernels/: ask the worker';
  if ((from === 'app' || from === 'app-worker') && target === 'cli') return 'app/ must not import cli/';
  if (from === 'cli' && (target === 'app' || target === 'app-worker')) return 'cli/ must not import app/';
  if (from === 'bench' && (target === 'app' || target === 'app-worker')) return 'bench/ must not import app/';
  if (from === 'bench' && target === 'cli' && !/\.test\.tsx?$/.test(file))
    return 'bench/ must not import cli/ (cli/ runs the benchmarks; only bench tests drive the command)';
  if (from === 'scripts' && (target === 'app' || target === 'app-worker'))
    return 'scripts/ must not import app/';
  return null;
}

/** Comments removed (block comments, and line comments that start a line), so examples in docs do not count. */
function withoutComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
}

/**
 * The imports a bundler follows from one file: static value imports and re-exports, side-effect
 * imports, `import('x')` (not `typeof import('x')`, a type) and `new URL('x', import.meta.url)` (how
 * a worker or asset is named). `import type` / `export type` are erased and not followed.
 */
export function valueImports(text: string): string[] {
  const src = withoutComments(text);
  const out: string[] = [];
  const STATIC = /(?:^|[;\n}])\s*(import|export)(\s+type)?\s[^'"`;]*?from\s*['"]([^'"]+)['"]/g;
  for (const m of src.matchAll(STATIC)) if (!m[2]) out.push(m[3]);
  for (const m of src.matchAll(/(?:^|[;\n])\s*import\s*['"]([^'"]+)['"]/g)) out.push(m[1]);
  for (const m of src.matchAll(/(typeof\s+)?\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g))
    if (!m[1]) out.push(m[2]);
  for (const m of src.matchAll(/new\s+URL\s*\(\s*['"]([^'"]+)['"]\s*,\s*import\.meta\.url\s*\)/g))
    out.push(m[1]);
  return out;
}

/** A relative specifier as the bundler resolves it (`.js` -> `.ts`, folders -> index), or null if not source. */
function resolveSource(file: string, spec: string): string | null {
  const base = resolve(dirname(file), spec.split('?')[0]);
  const stem = base.replace(/\.(js|mjs|jsx)$/, '');
  const candidates = [
    ...(stem !== base ? [`${stem}.ts`, `${stem}.tsx`, `${stem}.mts`] : []),
    base,
    `${base}.ts`,
    `${base}.tsx`,
    join(base, 'index.ts'),
    join(base, 'index.tsx'),
  ];
  for (const c of candidates) if (SOURCE.test(c) && isFile(c)) return c;
  return null;
}

/** Root-relative files the browser bundle reaches from BROWSER_ENTRIES, each with the file that first imported it. */
export function browserReachable(root: string): Map<string, string | null> {
  const seen = new Map<string, string | null>();
  const queue: string[] = [];
  for (const entry of BROWSER_ENTRIES) {
    const path = join(root, entry);
    if (!isFile(path)) continue;
    seen.set(relative(root, path), null);
    queue.push(path);
  }
  while (queue.length > 0) {
    const file = queue.shift() as string;
    for (const spec of valueImports(readFileSync(file, 'utf8'))) {
      if (!spec.startsWith('.')) continue;
      const target = resolveSource(file, spec);
      if (!target) continue;
      const rel = relative(root, target);
      if (seen.has(rel)) continue;
      seen.set(rel, relative(root, file));
      queue.push(target);
    }
  }
  return seen;
}

function isNodeOnly(spec: string): boolean {
  return (
    spec.startsWith('node:') ||
    NODE_BUILTINS.has(packageOf(spec)) ||
    NODE_ONLY_PACKAGES.includes(packageOf(spec))
  );
}

/** Node-only imports in the files the browser bundle reaches, each with the import chain that reaches it. */
export function checkBrowserBundle(root: string): Violation[] {
  const reached = browserReachable(root);
  const out: Violation[] = [];
  for (const [rel, parent] of reached) {
    for (const spec of valueImports(readFileSync(join(root, rel), 'utf8'))) {
      if (spec.startsWith('.') || !isNodeOnly(spec)) continue;
      const chain = [rel];
      for (let p = parent; p; p = reached.get(p) ?? null) chain.unshift(p);
      out.push({
        file: rel,
        specifier: spec,
        rule: `code the browser bundle reaches must not import Node-only "${spec}" (${chain.join(' -> ')})`,
      });
    }
  }
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const violations = checkImports(resolve(import.meta.dirname, '../..'));
  for (const v of violations) console.error(`${v.file}: import "${v.specifier}": ${v.rule}`);
  process.exit(violations.length > 0 ? 1 : 0);
}
