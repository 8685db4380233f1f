import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, type StaticSite, screenshotPath, serveDist } from './harness.js';

describe('the lab shell in Chromium', () => {
  let site: StaticSite;
  let subSite: StaticSite;
  beforeAll(async () => {
    site = await serveDist('/');
    subSite = await serveDist('/tabrl/');
  });
  afterAll(async () => {
    await site?.close();
    await subSite?.close();
  });

  describe('with WebGPU (SwiftShader)', () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await launchChromium({ webgpu: true });
    });
    afterAll(async () => browser?.close());

    for (const which of ['root', 'sub-path'] as const) {
      it(`shows the adapter facts the worker reports (${which})`, async () => {
        const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        await page.goto(which === 'root' ? site.url : subSite.url);
        // the page rendered its own header (a blank or error page has no level-1 "TabRL" heading)
        const heading = page.getByRole('heading', { level: 1, name: 'TabRL', exact: true });
        await heading.waitFor({ timeout: 60_000 });
        expect(await heading.count()).toBe(1);
        expect((await heading.textContent())?.trim()).toBe('TabRL');
        const facts = page.getByTestId('adapter-facts');
        await facts.waitFor({ timeout: 60_000 });
        const vendor = await facts.locator('[data-fact="vendor"]').textContent();
        const binding = await facts.locator('[data-fact="maxStorageBufferBindingSize"]').textContent();
        expect(vendor?.trim().length).toBeGreaterThan(0);
        expect(binding).toMatch(/MiB|KiB|\d/);
        await page.screenshot({ path: screenshotPath(`shell-adapter-${which}`), fullPage: true });
        expect(errors).toEqual([]);
        await page.close();
      });
    }
  });

  describe('without WebGPU', () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await launchChromium({ webgpu: false });
    });
    afterAll(async () => browser?.close());

    it('explains which browsers and flags work instead of a blank page', async () => {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      await page.goto(site.url);
      const box = page.getByTestId('no-webgpu');
      await box.waitFor({ timeout: 60_000 });
      const text = (await box.textContent()) ?? '';
      expect(text).toContain('WebGPU is not available');
      expect(text).toContain('--enable-unsafe-webgpu');
      expect(text).toMatch(/Chrome or Edge/);
      await page.screenshot({ path: screenshotPath('shell-no-webgpu'), fullPage: true });
      await page.close();
    });
  });
});
