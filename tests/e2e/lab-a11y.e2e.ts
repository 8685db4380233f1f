/**
 * Accessibility of the lab's main views in Chromium: axe-core (injected from node_modules) reports no
 * serious or critical violations on the lab with a run loaded, presenter mode, the teacher's guide
 * and the no-WebGPU page; the run controls are reachable by keyboard with a visible focus ring.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { launchChromium, screenshotPath, useLab } from './harness.js';
import { runFileFixture } from './lab-fixtures.js';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

async function seriousViolations(page: Page): Promise<string[]> {
  // The app's CSP refuses inline <script> tags; evaluating through DevTools is not subject to it.
  await page.evaluate(readFileSync(AXE, 'utf8'));
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document) => Promise<{ violations: unknown[] }> } })
      .axe;
    return (await axe.run(document)).violations;
  });
  return (violations as AxeViolation[])
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.impact} ${v.id}: ${v.help} at ${v.nodes
          .slice(0, 3)
          .map((n) => n.target.join(' '))
          .join(' | ')}`,
    );
}

describe('accessibility of the lab', () => {
  const fx = useLab('/');

  it('axe finds no serious or critical violations on the lab, presenter mode and the guide', async () => {
    const page = await fx.browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(fx.site.url);
    await page.getByTestId('adapter-facts').waitFor({ timeout: 60_000 });
    await page.getByLabel('Import a run file (.tabrl.json)').setInputFiles({
      name: 'fixture.tabrl.json',
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify(runFileFixture())),
    });
    await page.getByText('12+34=').waitFor({ timeout: 10_000 });
    const lab = await seriousViolations(page);
    await page.getByRole('button', { name: 'Presenter mode' }).click();
    const presenter = await seriousViolations(page);
    await page.getByRole('button', { name: 'Presenter mode' }).click();
    await page.getByRole('button', { name: "Teacher's guide" }).click();
    await page.getByRole('heading', { name: "Teacher's guide" }).waitFor();
    const guide = await seriousViolations(page);
    await page.screenshot({ path: screenshotPath('lab-guide'), fullPage: false });
    expect({ lab, presenter, guide }).toEqual({ lab: [], presenter: [], guide: [] });
    await page.close();
  });

  it('axe finds no serious or critical violations on the no-WebGPU page', async () => {
    const noGpu = await launchChromium({ webgpu: false });
    try {
      const page = await noGpu.newPage({ viewport: { width: 1280, height: 800 } });
      await page.goto(fx.site.url);
      await page.getByTestId('no-webgpu').waitFor({ timeout: 60_000 });
      expect(await seriousViolations(page)).toEqual([]);
      // The controls that need a GPU are disabled, saved runs still open.
      expect(await page.getByRole('button', { name: 'Start', exact: true }).isDisabled()).toBe(true);
    } finally {
      await noGpu.close();
    }
  });

  it('reaches Start, the charts and the config by keyboard with a visible focus ring', async () => {
    const page = await fx.browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(fx.site.url);
    await page.getByTestId('adapter-facts').waitFor({ timeout: 60_000 });
    const seen: string[] = [];
    let startOutline = '';
    for (let i = 0; i < 80 && seen.length < 400; i++) {
      await page.keyboard.press('Tab');
      const info = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        if (!el) return null;
        const name = (el.getAttribute('aria-label') ?? el.textContent ?? '').trim().slice(0, 40);
        return { tag: el.tagName, name, outline: getComputedStyle(el).outlineStyle };
      });
      if (!info) continue;
      seen.push(`${info.tag}:${info.name}`);
      if (info.tag === 'BUTTON' && info.name === 'Start') startOutline = info.outline;
    }
    expect(seen).toContain("BUTTON:Teacher's guide");
    expect(seen.some((s) => s.startsWith('BUTTON:Use'))).toBe(true);
    expect(seen.some((s) => s.startsWith('SELECT:'))).toBe(true);
    // The first Tab offers a skip to the run controls, which lands on Start with a focus ring.
    expect(seen[0]).toBe('BUTTON:Skip to run controls');
    await page.reload();
    await page.getByTestId('adapter-facts').waitFor({ timeout: 60_000 });
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Start');
    startOutline = await page.evaluate(
      () => getComputedStyle(document.activeElement as Element).outlineStyle,
    );
    expect(startOutline).toBe('solid');
    // Chart titles take focus and then show their explanation.
    await page.getByRole('button', { name: 'reward', exact: true }).focus();
    const tip = page.getByRole('region', { name: 'reward', exact: true }).getByRole('tooltip');
    expect(await tip.isVisible()).toBe(true);
    expect(await tip.textContent()).toMatch(/Average reward/);
    await page.close();
  });
});
