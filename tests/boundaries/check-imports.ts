/**
 * The layer rule of DESIGN.md, enforced: `kernels` <- `engine` <- `app`/`cli`. kernels/ imports no
 * other layer; engine/ imports only kernels/ and never React, zustand, recharts or the DOM-only app;
 * the page (app/ outside app/worker/) never imports kernels/, it asks the worker. Run by the tests;
 * also usable as a script: `npx tsx tests/boundaries/check-imports.ts`.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

export interface Violation {
  file: string;
  specifier: string;
  rule: string;
}

type Layer = 'kernels' | 'engine' | 'app' | 'app-worker' | 'cli' | 'other';

const SOURCE = /\.(ts|tsx|mts|js|mjs)$/;
const IMPORT_RE =
  /(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|import\s+['"]([^'"]+)['"]/g;
const UI_PACKAGES = ['react', 'react-dom', 'zustand', 'recharts'];

function layerOf(rel: string): Layer {
  const parts = rel.split(sep);
  if (parts[0] === 'kernels') return 'kernels';
  if (parts[0] === 'engine') return 'engine';
  if (parts[0] === 'cli') return 'cli';
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

/** Every import in `root`'s layer folders that breaks the rule. */
export function checkImports(root: string): Violation[] {
  const out: Violation[] = [];
  for (const top of ['kernels', 'engine', 'app', 'cli']) {
    let exists = false;
    try {
      exists = statSync(join(root, top)).isDirectory();
    } catch {
      exists = false;
    }
    if (!exists) continue;
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
  return out;
}

function ruleBroken(root: string, file: string, from: Layer, spec: string): string | null {
  if (!spec.startsWith('.')) {
    const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
    if ((from === 'kernels' || from === 'engine') && UI_PACKAGES.includes(pkg)) {
      return `${from}/ must not import UI package "${pkg}"`;
    }
    return null;
  }
  const target = layerOf(relative(root, resolve(dirname(file), spec)));
  if (from === 'kernels' && target !== 'kernels' && target !== 'other')
    return `kernels/ must not import ${target}/`;
  if (from === 'engine' && (target === 'app' || target === 'app-worker' || target === 'cli')) {
    return `engine/ must not import ${target === 'app-worker' ? 'app' : target}/`;
  }
  if (from === 'app' && target === 'kernels')
    return 'the page (app/ outside app/worker/) must not import kernels/: ask the worker';
  if (from === 'app' && target === 'cli') return 'app/ must not import cli/';
  if (from === 'cli' && (target === 'app' || target === 'app-worker')) return 'cli/ must not import app/';
  return null;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const violations = checkImports(resolve(import.meta.dirname, '../..'));
  for (const v of violations) console.error(`${v.file}: import "${v.specifier}": ${v.rule}`);
  process.exit(violations.length > 0 ? 1 : 0);
}
