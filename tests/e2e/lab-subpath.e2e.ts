/**
 * The build on a static host set up for single-page apps, under a sub-path: every path without a file
 * is answered with index.html (status 200, text/html), as many hosts and Vite's own servers do. The
 * default card trains there; the warm start's folder is read through its files.json, so nothing it
 * lacks is requested; and a model folder that is not there is reported with its URL, what arrived and
 * what to do.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeSharePayload } from '../../engine/config/share-link.js';
import { DIST, launchChromium, type StaticSite, screenshotPath, serveDist } from './harness.js';
import { alertTexts, openLab, trainDefaultCard } from './lab-steps.js';

describe('a single-page-app host under /tabrl/', () => {
  it('trains the default card, asks only for listed files, and names a missing model folder', async () => {
    const asked: string[] = [];
    // the host's fallback: a path under /tabrl/ with no file gets index.html
    const site: StaticSite = await serveDist('/tabrl/', (req, res) => {
      const path = decodeURIComponent((req.url ?? '/').split('?')[0]);
      if (path.includes('/models/')) asked.push(path.slice(path.indexOf('/models/')));
      if (!path.startsWith('/tabrl/')) return false;
      const file = normalize(join(DIST, path.slice('/tabrl/'.length)));
      if (file.startsWith(DIST) && existsSync(file) && statSync(file).isFile()) return false;
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(readFileSync(join(DIST, 'index.html')));
      return true;
    });
    const browser = await launchChromium({ webgpu: true });
    try {
      const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
      const errors = await openLab(page, site.url);
      await trainDefaultCard(page, 1);
      await page.screenshot({ path: screenshotPath('subpath-spa-default-card') });
      expect(errors).toEqual([]);
      expect(asked.every((p) => p.startsWith('/models/sorting-small-sft/'))).toBe(true);
      expect([...new Set(asked)].sort()).toEqual([
        '/models/sorting-small-sft/config.json',
        '/models/sorting-small-sft/files.json',
        '/models/sorting-small-sft/model.safetensors',
        '/models/sorting-small-sft/tokenizer.json',
        '/models/sorting-small-sft/tokenizer_config.json',
      ]);

      // a share link whose model folder is not on the site: Start says which URL, what came back, what to do
      const link = `${site.url}#c=${encodeSharePayload({ algorithm: 'grpo', model: { name: '/models/nowhere' } })}`;
      const second = await browser.newPage();
      await openLab(second, link);
      await second.getByRole('button', { name: 'Start', exact: true }).click();
      await second.getByRole('alert').first().waitFor({ timeout: 120_000 });
      const [message] = await alertTexts(second);
      expect(message).toContain(
        `config.json (${site.url}models/nowhere/config.json): not found (the server sent an HTML page in its place, as static hosts do for a missing file).`,
      );
      expect(message).toContain('check the model name or path');
      await second.screenshot({ path: screenshotPath('subpath-missing-model') });
    } finally {
      await browser.close();
      await site.close();
    }
  });
});
