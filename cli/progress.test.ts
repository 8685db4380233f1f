/**
 * The train bar's eta rates only the steps this process ran: a run resumed at step 152 of 300 whose
 * first step here took 35 s has about 147 * 35 s left, not 35 / 153 * 147.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ProgressBar } from './lib/progress.js';

function lines(run: () => void): string[] {
  const out: string[] = [];
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  });
  try {
    run();
  } finally {
    spy.mockRestore();
  }
  return out;
}

function eta(line: string): number {
  const m = / eta (\d+)s/.exec(line);
  if (!m) throw new Error(`no eta in ${JSON.stringify(line)}`);
  return Number(m[1]);
}

describe('ProgressBar', () => {
  afterEach(() => vi.restoreAllMocks());

  it('a resumed run: the eta leaves out the steps done before this process', () => {
    const [line] = lines(() =>
      new ProgressBar(300, 'train', 152, performance.now() - 35_000).update(153, 'x'),
    );
    expect(line).toContain('153/300');
    expect(eta(line)).toBeGreaterThanOrEqual(147 * 35 - 5);
    expect(eta(line)).toBeLessThanOrEqual(147 * 35 + 5);
  });

  it('a fresh run: the first step counts from its own start', () => {
    const [line] = lines(() => new ProgressBar(20, 'train', 0, performance.now() - 2_000).update(1, 'x'));
    expect(eta(line)).toBeGreaterThanOrEqual(37);
    expect(eta(line)).toBeLessThanOrEqual(39);
  });

  it('no eta before a step of this process is done', () => {
    const [line] = lines(() => new ProgressBar(10, 'train', 4).update(4, 'x'));
    expect(line).not.toMatch(/eta/);
  });
});
