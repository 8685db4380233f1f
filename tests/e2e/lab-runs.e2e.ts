/**
 * Saved and imported runs in Chromium: a run file imported through the UI fills the charts and the
 * group inspector (completions shown as text, never HTML), survives a reload (IndexedDB), exports back
 * to identical metrics, and a full storage quota is reported. Also the presenter-mode screenshot at
 * 1280x720 and the inspector screenshot.
 */
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { screenshotPath, useLab } from './harness.js';
import { runFileFixture } from './lab-fixtures.js';

async function importFixture(page: Page, file: ReturnType<typeof runFileFixture>) {
  await page.getByLabel('Import a run file (.tabrl.json)').setInputFiles({
    name: 'fixture.tabrl.json',
    mimeType: 'application/json',
    buffer: Buffer.from(JSON.stringify(file)),
  });
  await page.getByText(`Imported "${file.name}" (40 steps).`).waitFor({ timeout: 10_000 });
}

const chartPoints = async (page: Page, name: string) =>
  Number(await page.getByRole('region', { name, exact: true }).getAttribute('data-points'));

describe('saved runs, charts and the inspector in Chromium', () => {
  const fx = useLab('/');

  it('an imported run fills the charts and the inspector, survives a reload and exports identical metrics', async () => {
    const context = await fx.browser.newContext({
      viewport: { width: 1280, height: 900 },
      acceptDownloads: true,
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(fx.site.url);
    await page.getByRole('heading', { name: 'Runs', exact: true }).waitFor({ timeout: 60_000 });
    expect(await chartPoints(page, 'reward')).toBe(0);
    expect(await page.getByRole('region', { name: 'reward', exact: true }).textContent()).toMatch(
      /No points yet/,
    );

    const file = runFileFixture();
    await importFixture(page, file);
    await page.waitForFunction(
      () => Number(document.querySelector('[aria-label="reward"]')?.getAttribute('data-points')) === 40,
    );
    expect(await chartPoints(page, 'eval/pass@1')).toBe(4);
    expect(await chartPoints(page, 'clip ratios')).toBe(120);
    expect(await page.locator('[aria-label="reward"] .recharts-line-curve').count()).toBe(1);
    expect(await page.locator('[aria-label="reward"] .recharts-area-area').count()).toBe(1);

    // The inspector shows the latest step: the HTML-looking completion is literal text.
    const inspector = page.getByRole('region', { name: 'Group inspector' });
    await inspector.getByText('12+34=').waitFor();
    expect(await inspector.locator('b').count()).toBe(0);
    const literal = await inspector.locator('td.completion').nth(1).textContent();
    expect(literal).toBe('<b>html</b>');
    expect(await inspector.locator('.zero-spread').count()).toBe(1);
    expect(await inspector.locator('.zero-spread').textContent()).toMatch(/zero spread/);
    expect(await inspector.locator('tbody tr').nth(3).textContent()).toMatch(/yes$/);
    // Another step can be chosen.
    await inspector.getByLabel('Step').selectOption('39');
    await inspector.getByText('1+1=').waitFor();
    await inspector.getByLabel('Step').selectOption('latest');
    await page.mouse.move(0, 0);
    await inspector.scrollIntoViewIfNeeded();
    await page.screenshot({ path: screenshotPath('lab-inspector'), fullPage: false });
    await page.screenshot({ path: screenshotPath('lab-imported-run'), fullPage: true });

    // Export the whole run and compare with what went in.
    const runItem = page.locator(`[data-run-name="${file.name}"]`);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      runItem.getByRole('button', { name: `Run file of ${file.name}` }).click(),
    ]);
    const exported = JSON.parse(readFileSync(await download.path(), 'utf8'));
    expect(exported.metrics).toEqual(file.metrics);
    expect(exported.samples).toEqual(file.samples);
    expect(exported.config).toEqual(file.config);
    const [csv] = await Promise.all([
      page.waitForEvent('download'),
      runItem.getByRole('button', { name: `CSV metrics of ${file.name}` }).click(),
    ]);
    const csvLines = readFileSync(await csv.path(), 'utf8')
      .trim()
      .split('\n');
    expect(csvLines.length).toBe(41);
    const header = csvLines[0].split(',');
    expect(Number(csvLines[5].split(',')[header.indexOf('reward')])).toBe(file.metrics[4].reward);

    // After a reload the run is still in the list; opening it brings the charts back.
    await page.reload();
    await page.locator(`[data-run-name="${file.name}"]`).waitFor({ timeout: 30_000 });
    expect(await page.locator(`[data-run-name="${file.name}"]`).textContent()).toMatch(/40 steps/);
    await page.locator(`[data-run-name="${file.name}"]`).getByRole('checkbox').check();
    await page.getByRole('button', { name: `Open ${file.name}` }).click();
    await page.waitForFunction(
      () => Number(document.querySelector('[aria-label="reward"]')?.getAttribute('data-points')) === 40,
    );
    await inspector.getByText('12+34=').waitFor();

    // The exported file imports again with identical metrics: two runs overlaid in two colours.
    await importFixture(page, { ...exported, name: 'reimported' });
    await page.waitForFunction(
      () => Number(document.querySelector('[aria-label="reward"]')?.getAttribute('data-points')) === 80,
    );
    const strokes = await page
      .locator('[aria-label="reward"] .recharts-line-curve')
      .evaluateAll((els) => els.map((e) => e.getAttribute('stroke')));
    expect(new Set(strokes).size).toBe(2);

    // Delete both; after a reload they stay deleted.
    for (const name of ['reimported', file.name]) {
      await page.getByRole('button', { name: `Delete ${name}` }).click();
    }
    await page.reload();
    await page.getByText('No runs yet.').waitFor({ timeout: 30_000 });
    expect(errors).toEqual([]);
    await context.close();
  });

  it('reports a full storage quota with what to delete', async () => {
    const context = await fx.browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addInitScript(() => {
      const put = IDBObjectStore.prototype.put;
      IDBObjectStore.prototype.put = function (
        this: IDBObjectStore,
        ...args: Parameters<IDBObjectStore['put']>
      ) {
        if ((window as unknown as { fullQuota?: boolean }).fullQuota && this.name !== 'runs') {
          throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
        }
        return put.apply(this, args);
      };
    });
    const page = await context.newPage();
    await page.goto(fx.site.url);
    await page.getByRole('heading', { name: 'Runs', exact: true }).waitFor({ timeout: 60_000 });
    await page.evaluate(() => {
      (window as unknown as { fullQuota?: boolean }).fullQuota = true;
    });
    await importFixture(page, runFileFixture('too big to save'));
    const alert = page.getByRole('alert').filter({ hasText: 'Browser storage is full' });
    await alert.waitFor({ timeout: 10_000 });
    expect(await alert.textContent()).toMatch(/Delete saved runs.*"too big to save" \(~\d+ KB\)/);
    // The run is still shown in this tab: nothing was dropped.
    expect(await chartPoints(page, 'reward')).toBe(40);
    await context.close();
  });

  it('presenter mode is legible at 1280x720', async () => {
    const context = await fx.browser.newContext({ viewport: { width: 1280, height: 720 } });
    const page = await context.newPage();
    await page.goto(fx.site.url);
    await page.getByRole('heading', { name: 'Runs', exact: true }).waitFor({ timeout: 60_000 });
    await importFixture(page, runFileFixture('class demo'));
    await page.getByRole('button', { name: 'Presenter mode' }).click();
    await page.getByRole('button', { name: 'Presenter mode', pressed: true }).waitFor();
    expect(await page.getByRole('heading', { name: 'Configuration', exact: true }).count()).toBe(0);
    expect(await page.locator('section.chart').count()).toBe(4);
    const fontSize = await page.evaluate(() => getComputedStyle(document.querySelector('.app')!).fontSize);
    expect(Number.parseFloat(fontSize)).toBeGreaterThanOrEqual(20);
    await page.mouse.move(0, 0);
    await page.screenshot({ path: screenshotPath('lab-presenter-1280x720'), fullPage: false });
    // The four charts are fully on screen with the controls.
    const box = await page.getByRole('region', { name: 'kl', exact: true }).boundingBox();
    expect(box && box.y + box.height).toBeLessThanOrEqual(720);
    await page.mouse.move(0, 0);
    await page.screenshot({ path: screenshotPath('lab-presenter-1280x720'), fullPage: false });
    await context.close();
  });
});
