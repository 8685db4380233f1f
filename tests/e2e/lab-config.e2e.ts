/**
 * The lab's setup side in Chromium: the preset gallery and the config panel render (at the root and
 * under a sub-path), share links restore a config or are refused with a message and the defaults,
 * and `hide=` flags drop controls for handouts.
 */

import { deflateSync, strToU8 } from 'fflate';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesToBase64Url, decodeSharePayload, encodeSharePayload } from '../../app/share/codec.js';
import { DEFAULT_PRESET, PRESETS, presetConfig } from '../../engine/config/index.js';
import { launchChromium, type StaticSite, screenshotPath, serveDist } from './harness.js';

describe('lab config and share links in Chromium', () => {
  let site: StaticSite;
  let subSite: StaticSite;
  let browser: Browser;
  beforeAll(async () => {
    site = await serveDist('/');
    subSite = await serveDist('/tabrl/');
    browser = await launchChromium({ webgpu: true });
  });
  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await subSite?.close();
  });

  async function open(url: string, ready = 'Configuration'): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    await page.getByRole('heading', { name: ready, exact: true }).waitFor({ timeout: 60_000 });
    return { page, errors };
  }

  const optionInput = (page: Page, path: string) =>
    page.locator(`[data-option="${path}"] input, [data-option="${path}"] select`).first();

  for (const which of ['root', 'sub-path'] as const) {
    it(`renders the preset gallery first, then the config panel (${which})`, async () => {
      const { page, errors } = await open(which === 'root' ? site.url : subSite.url);
      const cards = page.locator('[data-preset]');
      expect(await cards.count()).toBe(PRESETS.length);
      for (const p of PRESETS) {
        const card = page.locator(`[data-preset="${p.name}"]`);
        expect(await card.getByRole('heading', { name: p.title, exact: true }).count()).toBe(1);
        if (p.paper) expect(await card.getByRole('link').getAttribute('href')).toBe(p.paper.url);
      }
      // The default preset is chosen and the config shows its resolved values.
      const chosen = page.locator('[data-preset] button[aria-pressed="true"]');
      expect(await chosen.count()).toBe(1);
      expect(await optionInput(page, 'algorithm').inputValue()).toBe('grpo');
      expect(await optionInput(page, 'task.name').inputValue()).toBe(presetConfig(DEFAULT_PRESET).task.name);
      for (const name of ['Start', 'Pause', 'Step', 'Reset', 'Copy share link']) {
        expect(await page.getByRole('button', { name, exact: true }).count(), name).toBe(1);
      }
      for (const name of ['reward', 'entropy', 'kl', 'loss', 'eval/pass@1']) {
        expect(await page.getByRole('region', { name, exact: true }).count(), name).toBe(1);
      }
      // Choosing the smoke preset changes the config; an invalid value shows its message inline.
      await page.locator('[data-preset="smoke"] button[aria-pressed]').click();
      expect(await optionInput(page, 'task.name').inputValue()).toBe('reversal');
      await optionInput(page, 'num_generations').fill('1');
      const err = page.locator('[data-option="num_generations"] .field-error');
      expect(await err.textContent()).toMatch(/must be >= 2/);
      await optionInput(page, 'num_generations').fill('4');
      expect(await err.count()).toBe(0);
      await page.screenshot({ path: screenshotPath(`lab-config-${which}`), fullPage: false });
      expect(errors).toEqual([]);
      await page.close();
    });
  }

  it('refuses broken share links with a message that says what is wrong, and loads the defaults', async () => {
    const notJson = bytesToBase64Url(new TextEncoder().encode('definitely not deflate'));
    const badVersion = bytesToBase64Url(
      deflateSync(strToU8(JSON.stringify({ v: 7, config: presetConfig('smoke'), kernel_variants: {} }))),
    );
    const outOfRange = encodeSharePayload(
      { ...presetConfig('smoke'), num_generations: 1, temperature: -1 },
      {},
    );
    const cases: [string, RegExp][] = [
      [`#c=${notJson}`, /malformed/],
      [`#c=${'A'.repeat(40_000)}`, /too long/],
      [`#c=${badVersion}`, /schema version 7/],
      [`#c=${outOfRange}`, /num_generations: must be >= 2.*temperature: must be > 0/],
      ['#c=%%%', /malformed/],
    ];
    for (const [fragment, why] of cases) {
      const { page, errors } = await open(site.url + fragment);
      const notice = page.getByRole('alert').filter({ hasText: 'This share link could not be opened' });
      await notice.waitFor({ timeout: 10_000 });
      expect(await notice.textContent(), fragment.slice(0, 40)).toMatch(why);
      expect(await notice.textContent()).toMatch(/default preset is loaded/);
      expect(await optionInput(page, 'algorithm').inputValue()).toBe('grpo');
      expect(await optionInput(page, 'task.name').inputValue()).toBe(presetConfig(DEFAULT_PRESET).task.name);
      if (why.source.includes('num_generations')) {
        await page.screenshot({ path: screenshotPath('lab-share-refused'), fullPage: false });
      }
      expect(errors).toEqual([]);
      await page.close();
    }
  });

  it('restores a non-default config from a valid share link, under a sub-path too, and hides flagged controls', async () => {
    const config = { ...presetConfig('rloo'), seed: 4242, learning_rate: 0.000321, num_generations: 6 };
    config.kernel_variants = { 'matmul:8x128x32': 'rowwise' };
    const link = `#c=${encodeSharePayload(config, config.kernel_variants)}&hide=algorithm,learning_rate,presets`;
    // With presets hidden, the page is ready when the config panel is.
    const { page, errors } = await open(`${subSite.url}${link}`);
    expect(await page.locator('[data-preset]').count()).toBe(0);
    expect(await page.locator('[data-option="algorithm"]').count()).toBe(0);
    expect(await page.locator('[data-option="learning_rate"]').count()).toBe(0);
    expect(await optionInput(page, 'seed').inputValue()).toBe('4242');
    expect(await optionInput(page, 'num_generations').inputValue()).toBe('6');
    expect(await optionInput(page, 'beta').inputValue()).toBe('0');
    // Copying the link again gives back the same config (clipboard may be denied: the address bar has it).
    await page.getByRole('button', { name: 'Copy share link' }).click();
    await page.waitForFunction(() => location.hash.startsWith('#c='));
    const hash = await page.evaluate(() => location.hash);
    const back = decodeSharePayload(hash.slice(3).split('&')[0]);
    if (!back.ok) throw new Error(back.error);
    expect(back.payload.config).toEqual(config);
    expect(back.payload.kernel_variants).toEqual({ 'matmul:8x128x32': 'rowwise' });
    expect(hash).toContain('&hide=algorithm,learning_rate,presets');
    expect(new URL(await page.evaluate(() => location.href)).pathname).toBe('/tabrl/');
    expect(errors).toEqual([]);
    await page.close();
  });
});
