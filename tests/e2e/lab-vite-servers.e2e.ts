/**
 * The lab under the servers its users run, not only the harness's strict one: `npm start` (Vite's
 * dev server, from the sources) and `npm run preview` (Vite's preview of the production build). Both
 * answer a missing file with index.html (200, text/html), which a loader that probes for optional
 * files takes for the file; the strict server's 404 hides that. Under the dev server the default
 * card trains 3 steps after Start, then every preset card does Use then Step, in one page as a
 * person would; under preview, the default card trains 3 steps. Each step must finish with no alert
 * (role=alert) on the page. (readme-start runs the README's own command, from a worktree of HEAD.)
 */
import { describe, expect, it } from 'vitest';
import { screenshotPath, useLab } from './harness.js';
import { alertTexts, openLab, stepPresetCard, trainDefaultCard } from './lab-steps.js';

describe('the lab under npm start (the Vite dev server)', () => {
  const fx = useLab('/', 'dev');

  it('the default card trains 3 steps after Start; then every preset card: Use, then Step, and the step completes; no alert', async () => {
    const page = await fx.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors = await openLab(page, fx.site.url, { settleMs: 10_000 });
    const t0 = Date.now();
    try {
      await trainDefaultCard(page, 3);
    } finally {
      await page.screenshot({ path: screenshotPath('lab-dev-server-default'), fullPage: false });
    }
    console.log(
      `dev server: 3 steps of the default card after Start in ${Math.round((Date.now() - t0) / 1000)} s`,
    );
    const presets = await page
      .locator('[data-preset]')
      .evaluateAll((cards) => cards.map((c) => c.getAttribute('data-preset') ?? ''));
    expect(presets.length).toBeGreaterThan(1);
    const seconds: Record<string, number> = {};
    for (const preset of presets) {
      const t1 = Date.now();
      try {
        await stepPresetCard(page, preset, 900_000);
      } catch (e) {
        await page.screenshot({ path: screenshotPath(`lab-dev-server-${preset}`), fullPage: false });
        throw e;
      }
      seconds[preset] = Math.round((Date.now() - t1) / 1000);
      console.log(`dev server: Use then Step on ${preset} in ${seconds[preset]} s`);
    }
    console.log(`dev server, one step per preset card (s): ${JSON.stringify(seconds)}`);
    expect(errors).toEqual([]);
    await page.close();
  }, 2_400_000);
});

describe('the lab under npm run preview (Vite serving the production build)', () => {
  const fx = useLab('/', 'preview');

  it('the default card trains 3 steps after Start, with no alert', async () => {
    const page = await fx.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors = await openLab(page, fx.site.url);
    try {
      await trainDefaultCard(page, 3);
    } finally {
      await page.screenshot({ path: screenshotPath('lab-preview-server-default'), fullPage: false });
    }
    expect(await alertTexts(page)).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });
});
