/**
 * The docs live in the repository: README.md is a short front page whose links (and docs/'s) lead to
 * files that exist, and nothing points outside the repository to a shared copy of the design.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const SKIP = new Set(['node_modules', 'dist', 'dist-cli', 'runs', 'screenshots', 'test-results']);
const TEXT = /\.(ts|tsx|mts|mjs|js|json|md|html|css|wgsl|py|sh)$|^run$/;

function* textFiles(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    if (SKIP.has(name) || (name.startsWith('.') && name !== '.ci')) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* textFiles(path);
    else if (TEXT.test(name)) yield path;
  }
}

function markdownFiles(): string[] {
  const docs = join(ROOT, 'docs');
  return [
    join(ROOT, 'README.md'),
    ...readdirSync(docs)
      .filter((n) => n.endsWith('.md'))
      .map((n) => join(docs, n)),
  ];
}

describe('the docs', () => {
  it('README.md is a front page: at most 150 lines, the start command first under "Two commands"', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme.split('\n').length).toBeLessThanOrEqual(150);
    const section = readme.split(/^## Two commands$/m)[1] ?? '';
    expect(/```sh\n([^\n]*)\n/.exec(section)?.[1]).toBe('npm ci && npm start');
  });

  it('docs/ holds the design, the formulas and the style', () => {
    for (const name of ['DESIGN.md', 'ALGORITHMS.md', 'STYLE.md'])
      expect(existsSync(join(ROOT, 'docs', name)), `docs/${name}`).toBe(true);
  });

  it('every relative link in README.md and docs/*.md names a file that exists', () => {
    const broken: string[] = [];
    for (const file of markdownFiles()) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1].split('#')[0];
        if (!target || /^[a-z]+:/.test(target)) continue;
        if (!existsSync(resolve(dirname(file), target))) broken.push(`${relative(ROOT, file)} -> ${m[1]}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('nothing refers to a copy of the docs outside the repository', () => {
    const outside = ['..', 'shared'].join('/');
    const sharedDoc = /\bshared\/(DESIGN|ALGORITHMS|STYLE)\.md/;
    const found: string[] = [];
    for (const file of textFiles(ROOT)) {
      const text = readFileSync(file, 'utf8');
      if (text.includes(`${outside}/`) || sharedDoc.test(text)) found.push(relative(ROOT, file));
    }
    expect(found.filter((f) => f !== relative(ROOT, import.meta.filename))).toEqual([]);
  });
});
