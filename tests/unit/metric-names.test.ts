/**
 * The metric registry (engine/train/metric-names.ts) against everything that names a metric: the
 * trainer's source (quoted names, `${}` families and the keys of its metrics objects), the lab's
 * charts and glossary, the health rules, the CLI, and docs/DESIGN.md and docs/METRICS.md. A name used
 * anywhere but not listed fails here; engine/train/metric-names.test.ts checks what real steps emit.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultCharts, presenterCharts } from '../../app/ui/charts/chart-sets.js';
import { METRIC_GLOSSARY } from '../../app/ui/charts/glossary.js';
import { EVAL_KEYS } from '../../cli/commands/eval.js';
import { ALGORITHMS, RUN_CONFIG_KEYS } from '../../engine/config/schema.js';
import { HEALTH_RULES } from '../../engine/train/health.js';
import { isListedMetric, METRICS } from '../../engine/train/metric-names.js';

const ROOT = resolve(import.meta.dirname, '../..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const sources = (dir: string) =>
  readdirSync(join(ROOT, dir))
    .filter((f) => /\.tsx?$/.test(f) && !/\.test\.|\.testing\./.test(f))
    .map((f) => join(dir, f));

/** A metric-shaped name: lower-case words joined by '/', e.g. clip_ratio/low_mean, eval/pass@1. */
const SLASHED = /^[a-z_]+(\/[a-z_0-9@<>]+)+$/;

/** Quoted slash names and template families (`rewards/${f.name}/mean` -> rewards/fn/mean) in a file. */
function quotedNames(text: string): string[] {
  const out: string[] = [];
  for (const [, q] of text.matchAll(/'([^'\n]*)'/g)) if (SLASHED.test(q)) out.push(q);
  for (const [, t] of text.matchAll(/`([^`\n]*)`/g)) {
    const filled = t.replace(/\$\{[^}]*\}/g, () => (t.startsWith('eval/pass@') ? '2' : 'fn'));
    if (SLASHED.test(filled) && filled !== t) out.push(filled);
  }
  return out;
}

/** The keys of the object literals a file assigns to `metrics` (spreads skipped). */
function metricsObjectKeys(text: string): string[] {
  const keys: string[] = [];
  for (const start of text.matchAll(/metrics(?::\s*[\w<>[\]]+)?\s*[:=]\s*\{/g)) {
    let depth = 0;
    let i = (start.index ?? 0) + start[0].length - 1;
    const from = i + 1;
    for (; i < text.length; i++) {
      if (text[i] === '{') depth++;
      else if (text[i] === '}' && --depth === 0) break;
    }
    const body = text.slice(from, i);
    // keys at the top level of the literal only
    let level = 0;
    for (const line of body.split('\n')) {
      const key = level === 0 ? /^\s*(?:'([^']+)'|([A-Za-z_]\w*))\s*:/.exec(line) : null;
      if (key) keys.push(key[1] ?? key[2]);
      for (const ch of line) level += ch === '{' || ch === '(' ? 1 : ch === '}' || ch === ')' ? -1 : 0;
    }
  }
  return keys;
}

const unlisted = (names: Iterable<string>) => [...new Set(names)].filter((n) => !isListedMetric(n));

describe('metric names registry', () => {
  it('is a list of distinct names, each for at least one algorithm', () => {
    const names = METRICS.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    for (const s of METRICS) {
      expect(s.algorithms.length, s.name).toBeGreaterThan(0);
      expect(s.description.length, s.name).toBeGreaterThan(10);
    }
    expect(isListedMetric('rewards/char_match/mean')).toBe(true);
    expect(isListedMetric('eval/pass@16')).toBe(true);
    expect(isListedMetric('eval/pass@')).toBe(false);
    expect(isListedMetric('rewards/x/total')).toBe(false);
    expect(isListedMetric('made_up')).toBe(false);
    expect(isListedMetric('eval/addition/pass@1')).toBe(true);
    expect(isListedMetric('eval/addition/reward')).toBe(true);
    expect(isListedMetric('eval/addition/made_up')).toBe(false);
  });

  it("lists every name the trainer's source emits", () => {
    const files = [...sources('engine/train'), ...sources('engine/rl'), 'engine/rewards/score.ts'].filter(
      (f) => !f.endsWith('metric-names.ts'),
    );
    const names: string[] = [];
    for (const f of files) {
      const text = read(f);
      names.push(...quotedNames(text), ...metricsObjectKeys(text));
    }
    // the scan sees the trainer's rows: these must be there, or the scan is blind
    for (const n of [
      'clip_ratio/low_mean',
      'rewards/fn/mean',
      'eval/pass@2',
      'grad_norm',
      'rft/kept_fraction',
    ])
      expect(names, n).toContain(n);
    expect(unlisted(names)).toEqual([]);
  });

  it('lists every name the charts, the glossary, the health rules and the CLI read', () => {
    const charts = ALGORITHMS.flatMap((a) => [...defaultCharts(a), ...presenterCharts(a)]).flatMap((c) => [
      ...c.metrics,
      ...(c.band ? [c.band] : []),
    ]);
    expect(unlisted(charts)).toEqual([]);
    expect(unlisted(Object.keys(METRIC_GLOSSARY))).toEqual([]);
    expect(unlisted(HEALTH_RULES.map((r) => r.metric))).toEqual([]);
    expect(unlisted(EVAL_KEYS)).toEqual([]);
    const train = read('cli/commands/train.ts');
    const cliReads = [...train.matchAll(/\bm\.([a-z_]+)\b/g)].map((x) => x[1]);
    expect(cliReads).toContain('reward');
    const uiReads = [...sources('app/ui/charts'), 'cli/commands/train.ts', 'cli/commands/eval.ts'].flatMap(
      (f) => quotedNames(read(f)),
    );
    expect(unlisted([...cliReads, ...uiReads])).toEqual([]);
  });

  it('lists every metric docs/DESIGN.md and docs/METRICS.md name', () => {
    const design = read('docs/DESIGN.md');
    const section = design.slice(design.indexOf('**Metrics**'), design.indexOf('**Samples**'));
    // file names and config options (`beta`) are the other backticked words there
    const designNames = [...section.matchAll(/`([^`]+)`/g)]
      .map((x) => x[1])
      .filter((n) => !n.includes('.') && !(RUN_CONFIG_KEYS as readonly string[]).includes(n));
    expect(designNames.length).toBeGreaterThan(20);
    expect(unlisted(designNames)).toEqual([]);
    const doc = read('docs/METRICS.md');
    const docNames = [...doc.matchAll(/`([^`]+)`/g)].map((x) => x[1]).filter((n) => SLASHED.test(n));
    expect(unlisted(docNames)).toEqual([]);
  });
});
