/**
 * Reload in the middle of training: the live run was saved to IndexedDB step by step, so after the
 * reload it is in the saved-run list with its metrics and reopens on the charts.
 */
import { describe, expect, it } from 'vitest';
import { useLab } from './harness.js';

const pointsAtLeast = (n: number) =>
  Number(document.querySelector('[aria-label="reward"]')?.getAttribute('data-points') ?? 0) >= n;
const points = () =>
  Number(document.querySelector('[aria-label="reward"]')?.getAttribute('data-points') ?? 0);

describe('reload mid-run', () => {
  const fx = useLab('/');

  it('keeps the live run, with its metrics, in the saved-run list', async () => {
    const page = await fx.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(fx.site.url);
    await page.getByTestId('adapter-facts').waitFor({ timeout: 60_000 });
    await page.locator('[data-preset="smoke"] button[aria-pressed]').click();
    await page.locator('[data-option="max_steps"] input').fill('400');
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await page.waitForFunction(pointsAtLeast, 5, { timeout: 120_000 });
    const name = (await page.locator('.run-list li.active').getAttribute('data-run-name')) ?? '';
    expect(name).not.toBe('');
    const before = await page.evaluate(points);
    // the steps drawn are saved within moments (write-queues.ts merges steps that wait behind a
    // write), not at the instant they are drawn: a second later, still training, reload
    await page.waitForTimeout(1000);
    await page.reload(); // while the worker is still training
    const item = page.locator(`[data-run-name="${name}"]`);
    await item.waitFor({ timeout: 30_000 });
    const saved = Number(/(\d+) steps/.exec((await item.textContent()) ?? '')?.[1]);
    expect(saved).toBeGreaterThanOrEqual(before);
    const box = item.getByRole('checkbox');
    if (!(await box.isChecked())) await box.check();
    await page.getByRole('button', { name: `Open ${name}` }).click();
    await page.waitForFunction(pointsAtLeast, saved, { timeout: 30_000 });
    expect(errors).toEqual([]);
    await page.close();
  });
});
