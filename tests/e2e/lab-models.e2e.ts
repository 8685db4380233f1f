/**
 * "Bring your own model" in Chromium: the named models' memory estimates (full and LoRA) are shown
 * before anything downloads; a model folder chosen from disk (a tiny llama checkpoint in HF layout) gets
 * its estimate, becomes the run's model and trains a step with LoRA; Qwen2.5-0.5B's full fine-tuning is
 * refused with its estimate (over the lab's 4 GiB budget); the TRL script export downloads a GRPOTrainer script.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { presetConfig } from '../../engine/config/index.js';
import { encodeSharePayload } from '../../engine/config/share-link.js';
import { tinyCheckpoint } from '../../engine/hub/fixtures.js';
import { launchChromium, type StaticSite, screenshotPath, serveDist } from './harness.js';

describe('bring your own model', () => {
  let site: StaticSite;
  let browser: Browser;
  const dir = mkdtempSync(join(tmpdir(), 'tabrl-model-'));
  beforeAll(async () => {
    site = await serveDist('/');
    browser = await launchChromium({ webgpu: true });
  });
  afterAll(async () => {
    await browser?.close();
    await site?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows estimates before download, uses a chosen folder with LoRA, exports a TRL script', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const config = {
      ...presetConfig('smoke'),
      lora: { rank: 4, alpha: 8, target_modules: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] },
      max_steps: 2,
      eval_every: 0,
    };
    await page.goto(`${site.url}#c=${encodeSharePayload(config, {})}`);
    await page.getByTestId('adapter-facts').waitFor({ timeout: 60_000 });
    const panel = page.getByTestId('model-panel');
    const named = panel.getByRole('table', { name: 'Memory estimates of named models' });
    await expect.poll(async () => await named.locator('tbody tr').count(), { timeout: 10_000 }).toBe(4);
    const namedText = (await named.textContent()) ?? '';
    expect(namedText).toContain('HuggingFaceTB/SmolLM2-135M-Instruct');
    expect(namedText).toContain('Qwen/Qwen2.5-0.5B-Instruct');
    expect(namedText).toMatch(/GiB/);
    const qwenFull = named.locator('tbody tr').nth(2);
    expect(await qwenFull.textContent()).toMatch(
      /Qwen.*full.*refused: .*over the 4\.00 GiB budget|Qwen.*full.*refused: .*per-buffer limit/,
    );

    // a tiny llama folder: estimate first, then it becomes the run's model
    const files = tinyCheckpoint('llama', 3).files;
    const folder = join(dir, 'tiny-llama');
    mkdirSync(folder);
    for (const [name, bytes] of files) writeFileSync(join(folder, name), bytes);
    await panel.getByLabel('Choose a model folder').setInputFiles(folder);
    const estimate = panel.getByTestId('memory-estimate');
    await estimate.waitFor({ timeout: 10_000 });
    expect(await estimate.textContent()).toMatch(/LoRA.*weights.*Fits this adapter/s);
    await panel.getByRole('button', { name: 'Use this folder' }).click();
    await panel
      .getByText(/local:tiny-llama is the run's model/)
      .waitFor({ timeout: 20_000 })
      .catch(async (e) => {
        throw new Error(`${e.message}\npanel: ${await panel.textContent()}`);
      });
    await page.screenshot({ path: screenshotPath('lab-models-estimate') });

    await page.getByRole('button', { name: 'Step', exact: true }).click();
    await page.waitForFunction(
      () => Number(document.querySelector('[data-testid="step-count"]')?.textContent) >= 1,
      undefined,
      {
        timeout: 180_000,
      },
    );

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export TRL script' }).click(),
    ]);
    const script = readFileSync(await download.path(), 'utf8');
    expect(script).toContain('GRPOTrainer(');
    expect(script).toContain('LoraConfig(r=4, lora_alpha=8');
    expect(errors).toEqual([]);
    await page.close();
  });
});
