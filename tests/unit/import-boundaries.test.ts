import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkImports } from '../boundaries/check-imports.js';

const ROOT = resolve(import.meta.dirname, '../..');

describe('layer boundaries (kernels <- engine <- app, cli)', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'tabrl-boundaries-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('holds in the repository', () => {
    const violations = checkImports(ROOT);
    expect(violations.map((v) => `${v.file} -> ${v.specifier}: ${v.rule}`)).toEqual([]);
  });

  it('fails when a scratch copy plants an import from app/ into kernels/', () => {
    for (const dir of ['kernels', 'engine', 'app', 'cli'])
      cpSync(join(ROOT, dir), join(scratch, dir), { recursive: true });
    expect(checkImports(scratch)).toEqual([]);
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
});
