/**
 * A lost GPU device in the lab: the run pauses with a message, keeps its history on the charts, and
 * Start resumes it on a new device from the worker's last in-memory checkpoint (every 10 steps).
 */
import { describe, expect, it } from 'vitest';
import { screenshotPath, useLab } from './harness.js';

describe('a lost GPU device', () => {
  const fx = useLab('/');

  it('pauses the run, keeps its history and resumes from the last checkpoint', async () => {
    const page = await fx.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(fx.site.url);
    await page.getByTestId('adapter-facts').waitFor({ timeout: 60_000 });
    await page.locator('[data-preset="smoke"] button[aria-pressed]').click();
    await page.locator('[data-option="max_steps"] input').fill('400');
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    const steps = () => page.getByTestId('step-count').textContent().then(Number);
    await expect.poll(steps, { timeout: 120_000, interval: 250 }).toBeGreaterThanOrEqual(12);
    await page.evaluate(() =>
      (window as unknown as { tabrlSimulateDeviceLoss: () => void }).tabrlSimulateDeviceLoss(),
    );
    const alert = page.getByRole('alert').filter({ hasText: 'device was lost' });
    await alert.waitFor({ timeout: 60_000 });
    const text = (await alert.textContent()) ?? '';
    expect(text).toMatch(/resumes from its checkpoint of step \d+/);
    const checkpointStep = Number(/step (\d+)/.exec(text)?.[1]);
    expect(checkpointStep % 10).toBe(0);
    const points = async () =>
      Number(await page.locator('[aria-label="reward"]').getAttribute('data-points'));
    // the charts redraw a few times a second: give them a moment to show the whole kept history
    await expect.poll(points, { timeout: 15_000, interval: 250 }).toBeGreaterThanOrEqual(12);
    const pointsBefore = await points();
    await page.screenshot({ path: screenshotPath('lab-device-lost'), fullPage: false });
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await expect.poll(steps, { timeout: 120_000, interval: 250 }).toBeGreaterThan(pointsBefore + 2);
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    await expect.poll(points, { timeout: 15_000, interval: 250 }).toBeGreaterThan(pointsBefore);
    expect(errors).toEqual([]);
    await page.close();
  });
});
