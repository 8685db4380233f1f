/**
 * The lab under `npm run preview` (Vite serving the production build), a server its users run, not
 * only the harness's strict one. Like the dev server it answers a missing file with index.html (200,
 * text/html), which a loader that probes for optional files takes for the file; the strict server's
 * 404 hides that. The default card trains a step there with no alert (role=alert) on the page. The
 * dev server (`npm start`) is walked by readme-start.e2e.ts, which runs the README's own command in a
 * fresh worktree of HEAD: the default card's Start, Pause, Step and Reset, then every preset card.
 */
import { describe, expect, it } from 'vitest';
import { screenshotPath, useLab } from './harness.js';
import { alertTexts, openLab, trainDefaultCard } from './lab-steps.js';

describe('the lab under npm run preview (Vite serving the production build)', () => {
  const fx = useLab('/', 'preview');

  it('the default card trains a step after Start, with no alert', async () => {
    const page = await fx.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors = await openLab(page, fx.site.url);
    try {
      await trainDefaultCard(page, 1);
    } finally {
      await page.screenshot({ path: screenshotPath('lab-preview-server-default'), fullPage: false });
    }
    expect(await alertTexts(page)).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });
});
