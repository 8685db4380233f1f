/**
 * The lab under the servers its users run, not only the harness's strict one: `npm start` (Vite's
 * dev server, from the sources) and `npm run preview` (Vite's preview of the production build). Both
 * answer a missing file with index.html (200, text/html), which a loader that probes for optional
 * files takes for the file; the strict server's 404 hides that. Under the dev server the default
 * card (the newcomer's: GRPO from the shipped warm start) trains a step after Start; Pause stops the
 * stepping, Step takes exactly one more step and Reset keeps the history; then every preset card
 * does Use then Step, in one page as a person would. The GPU-sized card is the exception: Use only,
 * because its one step is the default card's step with 8 times the batch and two optimizer passes
 * (172 s on SwiftShader in CI, a third of this file; its code path is the `arithmetic` and `dapo`
 * cards' steps, both walked). Under preview, the default card trains 3 steps. Each step must finish
 * with no alert (role=alert) on the page. (readme-start runs the README's own command, from a
 * worktree of HEAD, for 3 steps of the default card.)
 */
import { describe, expect, it } from 'vitest';
import { screenshotPath, useLab } from './harness.js';
import {
  alertTexts,
  openLab,
  presetUseButton,
  rewardPoints,
  stepCount,
  stepPresetCard,
  trainDefaultCard,
  waitForStepsWithoutAlert,
} from './lab-steps.js';

/** Cards whose step is too big for a software adapter in CI: Use only (see above). */
const USE_ONLY = new Set(['arithmetic-gpu']);

describe('the lab under npm start (the Vite dev server)', () => {
  const fx = useLab('/', 'dev');

  it('the default card: Start trains, Pause stops, Step takes one step, Reset keeps the history; then every preset card: Use, then Step, and the step completes; no alert', async () => {
    const page = await fx.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors = await openLab(page, fx.site.url, { settleMs: 10_000 });
    const t0 = Date.now();
    try {
      await trainDefaultCard(page, 1);
      const paused = await stepCount(page);
      await page.waitForTimeout(3000);
      expect(await stepCount(page), 'no step while paused').toBe(paused);
      await page.getByRole('button', { name: 'Step', exact: true }).click();
      await waitForStepsWithoutAlert(page, paused + 1, { what: 'Step on the default card', paused: true });
      expect(await stepCount(page)).toBe(paused + 1);
      await page.getByRole('button', { name: 'Reset', exact: true }).click();
      await expect
        .poll(async () => (await page.getByTestId('status-line').textContent()) ?? '', { timeout: 30_000 })
        .toContain('phase idle');
      expect(await rewardPoints(page), 'Reset keeps the chart history').toBe(paused + 1);
    } finally {
      await page.screenshot({ path: screenshotPath('lab-dev-server-default'), fullPage: false });
    }
    console.log(
      `dev server: Start, Pause, Step and Reset on the default card in ${Math.round((Date.now() - t0) / 1000)} s`,
    );
    const presets = await page
      .locator('[data-preset]')
      .evaluateAll((cards) => cards.map((c) => c.getAttribute('data-preset') ?? ''));
    expect(presets.length).toBeGreaterThan(1);
    const seconds: Record<string, number> = {};
    for (const preset of presets) {
      const t1 = Date.now();
      try {
        if (USE_ONLY.has(preset)) {
          const use = presetUseButton(page, preset);
          await use.click();
          await use.and(page.locator('[aria-pressed="true"]')).waitFor({ timeout: 10_000 });
          expect(await alertTexts(page), `Use on the ${preset} card`).toEqual([]);
        } else await stepPresetCard(page, preset, 900_000);
      } catch (e) {
        await page.screenshot({ path: screenshotPath(`lab-dev-server-${preset}`), fullPage: false });
        throw e;
      }
      seconds[preset] = Math.round((Date.now() - t1) / 1000);
      console.log(
        `dev server: Use${USE_ONLY.has(preset) ? '' : ' then Step'} on ${preset} in ${seconds[preset]} s`,
      );
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
