/**
 * An experiment in the lab under `npm start` (Vite's dev server), as a person runs it: the
 * Experiments tab beside Presets, Run on the cheapest declared experiment at quick scale
 * (dr_grpo_length: two arms of 2 smoke-model steps, judged on a training metric, so no evaluation),
 * progress while it runs, then the charts overlay the two arms in the colours the panel's key names,
 * the verdict card states each arm's value ± stderr and the verdict, the arms are kept under the
 * experiment in the runs list and export in one file with an `arm` column, and the experiment's share
 * link, opened in a fresh browser context, selects the same experiment, scale and seed.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { screenshotPath, useLab } from './harness.js';
import { openLab } from './lab-steps.js';

describe('an experiment in the lab (npm start)', () => {
  const fx = useLab('/', 'dev');

  it('runs dr_grpo_length at quick scale: progress, overlay, verdict card, saved arms, export and share link', async () => {
    const context = await fx.browser.newContext({
      viewport: { width: 1280, height: 1000 },
      acceptDownloads: true,
    });
    const page = await context.newPage();
    const errors = await openLab(page, fx.site.url, { settleMs: 5000 });
    const t0 = Date.now();
    await page.getByRole('tab', { name: 'Experiments' }).click();
    const card = page.locator('[data-experiment="dr_grpo_length"]');
    await card.getByRole('button', { name: 'Run experiment dr_grpo_length' }).click();
    const panel = page.getByRole('region', { name: /^Experiment dr_grpo_length/ });
    await panel.getByRole('progressbar').waitFor({ timeout: 30_000 });
    // done when the verdict shows; a failure message (role=alert) ends the wait with its text
    const outcome = await Promise.race([
      panel
        .locator('.verdict-word')
        .waitFor({ timeout: 300_000 })
        .then(() => 'verdict'),
      panel
        .getByRole('alert')
        .waitFor({ timeout: 300_000 })
        .then(async () => `alert: ${await panel.getByRole('alert').textContent()}`),
    ]);
    console.log(`dr_grpo_length at quick scale in ${Math.round((Date.now() - t0) / 1000)} s: ${outcome}`);
    await page.mouse.move(0, 0);
    await page.screenshot({ path: screenshotPath('lab-experiment-verdict'), fullPage: false });
    expect(outcome).toBe('verdict');

    // the verdict card: both arms with value ± stderr, the expected order and a verdict word
    const rows = panel.locator('.verdict-table tbody tr');
    expect(await rows.count()).toBe(2);
    for (const arm of ['grpo', 'dr_grpo'])
      expect(await panel.locator(`tr[data-arm="${arm}"]`).textContent()).toMatch(/\d\.\d{4} ± \d\.\d{4}/);
    expect(await panel.locator('.verdict-word').textContent()).toMatch(
      /^(reproduced|not reproduced|inconclusive)$/,
    );
    expect(await panel.textContent()).toMatch(/Expected grpo > dr_grpo/);

    // the overlay: the reward chart draws one line per arm, in the colours the panel's key gives them
    const reward = page.getByRole('region', { name: 'reward', exact: true });
    await page.waitForFunction(
      () => document.querySelectorAll('[aria-label="reward"] .recharts-line-curve').length === 2,
    );
    const strokes = await reward
      .locator('.recharts-line-curve')
      .evaluateAll((ls) => ls.map((l) => l.getAttribute('stroke')?.toLowerCase()));
    const key = panel.getByRole('list', { name: 'Arms on the charts' });
    expect(await key.getByRole('listitem').allTextContents()).toEqual(['grpo', 'dr_grpo']);
    const swatches = await key
      .locator('.swatch')
      .evaluateAll((s) => s.map((x) => getComputedStyle(x).backgroundColor));
    const hex = (rgb: string) =>
      `#${(rgb.match(/\d+/g) ?? [])
        .slice(0, 3)
        .map((n) => Number(n).toString(16).padStart(2, '0'))
        .join('')}`;
    expect(swatches.map(hex).sort()).toEqual([...strokes].sort());
    expect(new Set(strokes).size).toBe(2);

    // kept with the saved runs, grouped under the experiment; one export of every arm's metrics
    const group = page.locator('[data-experiment-name="dr_grpo_length"]');
    expect(await group.locator('[data-run-name]').count()).toBe(2);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      panel.getByRole('button', { name: "All arms' metrics (CSV) of experiment dr_grpo_length" }).click(),
    ]);
    const csv = readFileSync(await download.path(), 'utf8')
      .trim()
      .split('\n');
    expect(csv[0]).toMatch(/^arm,step,/);
    expect(csv.slice(1).map((l) => l.split(',')[0])).toEqual(['grpo', 'grpo', 'dr_grpo', 'dr_grpo']);

    // the share link opens the same experiment in a fresh context
    await panel.getByRole('button', { name: 'Copy experiment link' }).click();
    const link = await panel.getByLabel('Experiment share link').inputValue();
    expect(link).toMatch(/#experiment=dr_grpo_length&scale=quick&seed=0$/);
    const other = await fx.browser.newContext({ viewport: { width: 1280, height: 1000 } });
    const fresh = await other.newPage();
    await fresh.goto(link, { timeout: 120_000 });
    await fresh.getByText('Experiment opened from the share link').first().waitFor({ timeout: 120_000 });
    expect(await fresh.getByRole('tab', { name: 'Experiments' }).getAttribute('aria-selected')).toBe('true');
    expect(await fresh.locator('[data-experiment="dr_grpo_length"]').getAttribute('class')).toMatch(/chosen/);
    expect(await fresh.getByRole('radio', { name: /^quick:/ }).isChecked()).toBe(true);
    expect(await fresh.getByRole('spinbutton', { name: 'Seed' }).inputValue()).toBe('0');
    await fresh.screenshot({ path: screenshotPath('lab-experiment-shared'), fullPage: false });
    await other.close();
    expect(errors).toEqual([]);
    await context.close();
  }, 600_000);
});
