import { appendFileSync, cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { browserReachable, checkImports, valueImports } from '../boundaries/check-imports.js';

const ROOT = resolve(import.meta.dirname, '../..');
const LAYERS = ['kernels', 'engine', 'app', 'cli', 'bench', 'scripts'];

describe('layer boundaries (kernels <- engine <- app, cli; bench, scripts; the browser bundle)', () => {
  const scratches: string[] = [];
  afterAll(() => {
    for (const s of scratches) rmSync(s, { recursive: true, force: true });
  });
  /** A fresh copy of the layer folders, which must pass before anything is planted in it. */
  function scratchCopy(): string {
    const scratch = mkdtempSync(join(tmpdir(), 'tabrl-boundaries-'));
    scratches.push(scratch);
    for (const dir of LAYERS) cpSync(join(ROOT, dir), join(scratch, dir), { recursive: true });
    expect(checkImports(scratch)).toEqual([]);
    return scratch;
  }

  it('holds in the repository', () => {
    const violations = checkImports(ROOT);
    expect(violations.map((v) => `${v.file} -> ${v.specifier}: ${v.rule}`)).toEqual([]);
  });

  it('fails when a scratch copy plants an import from app/ into kernels/', () => {
    const scratch = scratchCopy();
    writeFileSync(
      join(scratch, 'kernels', 'runtime', 'planted.ts'),
      "import { App } from '../../app/ui/App.js';\nexport const x = App;\n",
    );
    const violations = checkImports(scratch);
    expect(violations).toHaveLength(1);
    expect(violations[0]).toMatchObject({
      file: join('kernels', 'runtime', 'planted.ts'),
      rule: 'kernels/ must not import app/',
    });
  });

  it('fails when the page imports kernels/ directly or engine/ imports React', () => {
    const scratch = scratchCopy();
    writeFileSync(
      join(scratch, 'app', 'ui', 'Planted.tsx'),
      "import { Runtime } from '../../kernels/runtime/runtime.js';\nexport const r = Runtime;\n",
    );
    writeFileSync(
      join(scratch, 'engine', 'planted.ts'),
      "import { useState } from 'react';\nexport const u = useState;\n",
    );
    const rules = checkImports(scratch).map((v) => v.rule);
    expect(rules).toContain('the page (app/ outside app/worker/) must not import kernels/: ask the worker');
    expect(rules).toContain('engine/ must not import UI package "react"');
  });

  it('fails when engine/ imports bench/, bench/ code imports cli/ or app/, or anything imports scripts/', () => {
    const scratch = scratchCopy();
    writeFileSync(
      join(scratch, 'engine', 'planted.ts'),
      "import { runModelBench } from '../bench/model-bench.js';\nexport const b = runModelBench;\n",
    );
    writeFileSync(
      join(scratch, 'bench', 'planted.ts'),
      "import { benchCommand } from '../cli/commands/bench.js';\nimport { App } from '../app/ui/App.js';\nexport const c = [benchCommand, App];\n",
    );
    writeFileSync(
      join(scratch, 'cli', 'planted.ts'),
      "import * as f from '../scripts/hf-check/make-fixtures.mjs';\nexport const s = f;\n",
    );
    // a bench test may drive the command, and cli/ runs the benchmarks: both allowed
    writeFileSync(
      join(scratch, 'bench', 'planted.test.ts'),
      "import * as cmd from '../cli/commands/bench.js';\nexport const t = cmd;\n",
    );
    const found = checkImports(scratch).map((v) => `${v.file}: ${v.rule}`);
    expect(found.sort()).toEqual(
      [
        `${join('engine', 'planted.ts')}: engine/ must not import bench/ (only the tabrl bench command does)`,
        `${join('bench', 'planted.ts')}: bench/ must not import cli/ (cli/ runs the benchmarks; only bench tests drive the command)`,
        `${join('bench', 'planted.ts')}: bench/ must not import app/`,
        `${join('cli', 'planted.ts')}: cli/ must not import scripts/`,
      ].sort(),
    );
  });

  it('reaches the engine worker and what it imports from the two browser entries, not Node-only modules', () => {
    const reached = browserReachable(ROOT);
    expect(reached.has(join('app', 'main.tsx'))).toBe(true);
    expect(reached.has(join('app', 'worker', 'engine.worker.ts'))).toBe(true);
    expect(reached.has(join('engine', 'train', 'session.ts'))).toBe(true);
    expect(reached.has(join('kernels', 'runtime', 'runtime.ts'))).toBe(true);
    // the Node halves of the engine are for the CLI and tests only
    expect(reached.has(join('kernels', 'runtime', 'node-gpu.ts'))).toBe(false);
    expect(reached.has(join('engine', 'hub', 'cache-node.ts'))).toBe(false);
  });

  it('reads value imports only: type imports, typeof import() and comments are not followed', () => {
    const text = [
      "import type { A } from 'node:fs';",
      "export type { B } from 'node:path';",
      "type C = typeof import('node:module');",
      "/** e.g. import { x } from 'node:os'; */",
      "// import 'node:url';",
      "import { d } from './d.js';",
      "export * from './e.js';",
      "import './f.css';",
      "const g = await import('./g.js');",
      "const w = new Worker(new URL('./w.ts', import.meta.url));",
    ].join('\n');
    expect(valueImports(text)).toEqual(['./d.js', './e.js', './f.css', './g.js', './w.ts']);
  });

  it('fails when code the browser reaches imports a Node built-in, and names the chain', () => {
    const scratch = scratchCopy();
    // engine/rl/kl.ts is reached (main.tsx -> ... -> engine/rl/kl.ts); an unreached engine file may use Node
    appendFileSync(join(scratch, 'engine', 'rl', 'kl.ts'), "\nimport { readFileSync } from 'node:fs';\n");
    appendFileSync(
      join(scratch, 'kernels', 'runtime', 'f16.ts'),
      "\nexport const p = await import('path');\n",
    );
    writeFileSync(join(scratch, 'engine', 'planted-node.ts'), "import { readFileSync } from 'node:fs';\n");
    const violations = checkImports(scratch);
    expect(violations.map((v) => `${v.file} ${v.specifier}`).sort()).toEqual([
      `${join('engine', 'rl', 'kl.ts')} node:fs`,
      `${join('kernels', 'runtime', 'f16.ts')} path`,
    ]);
    const kl = violations.find((v) => v.specifier === 'node:fs');
    expect(kl?.rule).toMatch(/^code the browser bundle reaches must not import Node-only "node:fs" \(app/);
    expect(kl?.rule).toContain(`-> ${join('engine', 'rl', 'kl.ts')})`);
  });
});
