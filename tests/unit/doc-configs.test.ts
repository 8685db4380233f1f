/**
 * docs/configs/ holds the whole run configs of documented runs whose preset has changed since
 * (docs/RESULTS.md's opening paragraph). Each must stay a valid config that resolves to itself, so a
 * documented `--config docs/configs/NAME.json` command replays the run it names, and every such
 * command in the docs must name a file that is there.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseRunConfig } from '../../engine/config/resolve';

const ROOT = resolve(import.meta.dirname, '../..');
const DIR = join(ROOT, 'docs/configs');
const configs = readdirSync(DIR).filter((n) => n.endsWith('.json'));

describe('docs/configs', () => {
  it('holds the frozen configs the docs cite', () => {
    expect(configs).toEqual(
      expect.arrayContaining(['arithmetic-sft.json', 'sorting-small-sft.json', 'grpo-addition.json']),
    );
  });

  for (const name of configs)
    it(`${name} is a whole run config that resolves to itself`, () => {
      const raw = JSON.parse(readFileSync(join(DIR, name), 'utf8'));
      const parsed = parseRunConfig(raw);
      expect(parsed.ok, parsed.ok ? '' : parsed.errors.join('; ')).toBe(true);
      if (parsed.ok) expect(parsed.config).toEqual(raw);
    });

  it('every --config docs/configs/... in the docs names a file there', () => {
    const docs = [join(ROOT, 'README.md'), join(ROOT, 'bench/RESULTS.md')].concat(
      readdirSync(join(ROOT, 'docs'))
        .filter((n) => n.endsWith('.md'))
        .map((n) => join(ROOT, 'docs', n)),
    );
    const cited = new Set<string>();
    for (const f of docs)
      for (const m of readFileSync(f, 'utf8').matchAll(/docs\/configs\/([\w.-]+\.json)/g)) cited.add(m[1]);
    expect(cited.size).toBeGreaterThan(3);
    for (const c of cited) expect(configs, c).toContain(c);
  });
});
