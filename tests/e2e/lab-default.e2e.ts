/**
 * The lab as a newcomer meets it: the default preset (Two-digit addition, GRPO from the shipped
 * arithmetic-sft warm start, served from the site's own models/ folder) trains in Chromium on
 * SwiftShader. Start makes the reward chart gain points, Pause stops stepping, Step runs exactly one
 * step, Reset keeps the history. (The smoke preset's faster e2e, lab-train, adds Try and share replay.)
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { screenshotPath, useLab } from './harness.js';

const stepCount = async (page: Page) => Number(await page.getByTestId('step-count').textContent());
const rewardPoints = async (page: Page) =>
  Number(await page.getByRole('region', { name: 'reward', exact: true }).getAttribute('data-points'));

async function waitForState(page: Page, state: string) {
  await page.waitForFunction(
    (s) => document.querySelector('[data-testid="status-line"]')?.textContent?.includes(`phase ${s}`),
    state,
    { timeout: 180_000 },
  );
}

describe('the default preset', () => {
  const fx = useLab('/');

  it('Start, Pause, Step and Reset on the default preset', async () => {
    const page = await fx.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(fx.site.url);
    await page.getByTestId('adapter-facts').waitFor({ timeout: 60_000 });
    await expect
      .poll(() =>
        page.locator('[data-preset="arithmetic"] button[aria-pressed]').getAttribute('aria-pressed'),
      )
      .toBe('true');
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await expect
      .poll(() => rewardPoints(page), { timeout: 240_000, interval: 500 })
      .toBeGreaterThanOrEqual(2);
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    await waitForState(page, 'paused');
    const paused = await stepCount(page);
    await page.waitForTimeout(3000);
    expect(await stepCount(page)).toBe(paused);
    await page.getByRole('button', { name: 'Step', exact: true }).click();
    await expect.poll(() => stepCount(page), { timeout: 180_000, interval: 500 }).toBe(paused + 1);
    await waitForState(page, 'paused');
    expect(await stepCount(page)).toBe(paused + 1);
    await page.screenshot({ path: screenshotPath('lab-default-preset'), fullPage: false });
    await page.getByRole('button', { name: 'Reset', exact: true }).click();
    await waitForState(page, 'idle');
    await expect.poll(() => rewardPoints(page), { timeout: 15_000, interval: 250 }).toBe(paused + 1);
    expect(errors).toEqual([]);
    await page.close();
  });
});
