/**
 * A lab run survives a reload: the smoke preset trains uninterrupted to the end; its share link (which
 * pins the kernel variants it used) starts the same run in a second tab, which is reloaded in the
 * middle of training. After the reload the run's saved checkpoint gives it a Continue button, its HF
 * folder and TRL script export from that checkpoint, and Continue trains it to the end. Its steps,
 * read back through the run files the UI downloads, equal the uninterrupted run's, timing keys aside.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { screenshotPath, useLab } from './harness.js';
import { alertTexts, openLab, stepCount } from './lab-steps.js';

const STEPS = 30;
/** Keys that measure the machine, not the run (docs/DESIGN.md, Metrics). */
const TIMING = (key: string) =>
  key === 'step_time' ||
  key === 'tokens_per_second' ||
  key === 'gflops_per_second' ||
  key === 'dispatches' ||
  key.startsWith('timing/');

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** axe-core's serious and critical violations (as tests/e2e/lab-a11y.e2e.ts checks the lab). */
async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(readFileSync(AXE, 'utf8'));
  const violations = (await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (d: Document) => Promise<{ violations: unknown[] }> } })
      .axe;
    return (await axe.run(document)).violations;
  })) as { id: string; impact: string | null; nodes: { target: string[] }[] }[];
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id} at ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`);
}

const t0 = Date.now();
const log = (what: string) => console.log(`lab-continue ${((Date.now() - t0) / 1000).toFixed(0)} s: ${what}`);

/** In the page: the step of each run's checkpoint in IndexedDB, by run id. */
function checkpointSteps(): Promise<Record<string, number>> {
  return new Promise((resolve) => {
    const open = indexedDB.open('tabrl-checkpoints');
    open.onerror = () => resolve({});
    open.onsuccess = () => {
      const db = open.result;
      if (!db.objectStoreNames.contains('meta')) {
        db.close();
        return resolve({});
      }
      const all = db.transaction('meta').objectStore('meta').getAll();
      all.onsuccess = () => {
        db.close();
        resolve(
          Object.fromEntries((all.result as { runId: string; step: number }[]).map((m) => [m.runId, m.step])),
        );
      };
      all.onerror = () => resolve({});
    };
  });
}

/** Waits for the step counter (generously: the machine may be shared), failing on an alert. */
async function waitForStep(page: Page, steps: number, what: string) {
  await page.waitForFunction(
    (n) =>
      document.querySelectorAll('[role="alert"]').length > 0 ||
      Number(document.querySelector('[data-testid="step-count"]')?.textContent) >= n,
    steps,
    { timeout: 600_000, polling: 250 },
  );
  expect(await alertTexts(page), what).toEqual([]);
}

const activeRunName = async (page: Page) =>
  (await page.locator('.run-list li.active').getAttribute('data-run-name')) ?? '';

async function waitForPhase(page: Page, phase: string) {
  await page.waitForFunction(
    (p) => document.querySelector('[data-testid="status-line"]')?.textContent?.includes(`phase ${p}`),
    phase,
    { timeout: 600_000 },
  );
}

async function download(page: Page, button: string): Promise<{ name: string; bytes: Buffer }> {
  const [file] = await Promise.all([
    page.waitForEvent('download', { timeout: 60_000 }),
    page.getByRole('button', { name: button, exact: true }).click(),
  ]);
  return { name: file.suggestedFilename(), bytes: readFileSync(await file.path()) };
}

/** The run file's rows without the timing keys, and each step's completions. */
async function runSteps(page: Page, runName: string) {
  const file = JSON.parse((await download(page, `Run file of ${runName}`)).bytes.toString('utf8'));
  const metrics = (file.metrics as Record<string, number>[]).map((row) =>
    Object.fromEntries(Object.entries(row).filter(([k]) => !TIMING(k))),
  );
  const samples = (file.samples as { step: number; groups: { completions: { text: string }[] }[] }[]).map(
    (s) => ({ step: s.step, texts: s.groups.flatMap((g) => g.completions.map((c) => c.text)) }),
  );
  return { metrics, samples };
}

describe('a lab run survives a reload', () => {
  const fx = useLab('/');

  it('Continue after a reload mid-run gives the steps of an uninterrupted run; exports read the saved checkpoint', async () => {
    const context = await fx.browser.newContext({
      viewport: { width: 1280, height: 900 },
      acceptDownloads: true,
    });

    // the uninterrupted run
    const first = await context.newPage();
    const firstErrors = await openLab(first, fx.site.url);
    await first.locator('[data-preset="smoke"] button[aria-pressed]').click();
    await first.locator('[data-option="max_steps"] input').fill(String(STEPS));
    await first.getByRole('button', { name: 'Start', exact: true }).click();
    await waitForStep(first, STEPS, 'the uninterrupted run');
    await waitForPhase(first, 'finished');
    log('uninterrupted run finished');
    const whole = await activeRunName(first);
    const expected = await runSteps(first, whole);
    await first.getByRole('button', { name: 'Copy share link' }).click();
    await first.waitForFunction(() => location.hash.startsWith('#c='));
    const link = await first.evaluate(() => location.href);
    // its last checkpoint is stored (after all its steps) before the tab closes
    await expect
      .poll(async () => Object.values(await first.evaluate(checkpointSteps)), { timeout: 120_000 })
      .toEqual([STEPS]);
    expect(firstErrors).toEqual([]);
    await first.close();

    // the same run in a second tab, reloaded in the middle
    const page = await context.newPage();
    const errors = await openLab(page, link);
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    const interrupted = await activeRunName(page);
    expect(interrupted).not.toBe(whole);
    // a checkpoint of this run is in the browser's store (written after the steps before it)
    const ofThisRun = async () => {
      const steps = Object.values(await page.evaluate(checkpointSteps));
      return steps.length === 2 ? Math.min(...steps) : 0;
    };
    await expect.poll(ofThisRun, { timeout: 300_000, interval: 200 }).toBeGreaterThanOrEqual(10);
    log(`reloading at step ${await stepCount(page)}`);
    await page.reload();
    await page.getByTestId('adapter-facts').waitFor({ timeout: 120_000 });

    const item = page.locator(`.run-list li[data-run-name="${interrupted}"]`);
    const cont = item.getByRole('button', { name: `Continue ${interrupted}`, exact: true });
    await cont.waitFor({ timeout: 60_000 });
    const note = (await item.locator('.continue-run .note').textContent()) ?? '';
    const from = Number(/checkpoint of step (\d+)/.exec(note)?.[1]);
    expect(from).toBeGreaterThanOrEqual(10);
    expect(from).toBeLessThan(STEPS);
    await expect.poll(() => cont.isEnabled(), { timeout: 30_000 }).toBe(true);
    expect(await page.getByTestId('checkpoint-budget').textContent()).toMatch(/at most 3 runs/);
    expect(await seriousViolations(page)).toEqual([]);

    // after the reload the worker holds no run: the exports read the checkpoint saved in the browser
    await page.getByRole('button', { name: `Open ${interrupted}`, exact: true }).click();
    const exports = page.locator('.model-exports');
    await exports.getByText(`From the checkpoint of step ${from} saved in this browser`).waitFor();
    const hf = await download(page, 'Export HF folder');
    expect(hf.name).toMatch(/-hf\.zip$/);
    expect(hf.bytes.includes(Buffer.from('model.safetensors'))).toBe(true);
    const trl = await download(page, 'Export TRL script');
    expect(trl.bytes.toString('utf8')).toMatch(/GRPOTrainer/);
    await page.screenshot({ path: screenshotPath('lab-continue'), fullPage: false });

    log(`exports done; Continue from step ${from}`);
    await cont.click();
    await waitForStep(page, STEPS, 'Continue after the reload');
    await waitForPhase(page, 'finished');
    expect(await stepCount(page)).toBe(STEPS);

    const continued = await runSteps(page, interrupted);
    expect(expected.metrics).toHaveLength(STEPS);
    expect(continued.metrics.map((m) => m.step)).toEqual(expected.metrics.map((m) => m.step));
    expect(continued.metrics).toEqual(expected.metrics);
    expect(continued.samples).toEqual(expected.samples);
    expect(errors).toEqual([]);
    await context.close();
  }, 1_500_000);
});
