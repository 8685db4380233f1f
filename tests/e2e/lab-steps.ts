/**
 * Driving the lab the way a person does, for the tests that check it under each server: open it,
 * press a preset card's Use, Start or Step, and wait for the step counter while watching for an
 * alert (role=alert: a failed run, a refused option). An alert ends the wait at once with its text,
 * so a run that stops at step 0 fails in seconds with the lab's own message, not after a timeout.
 */
import type { Page } from 'playwright-core';
import { DEFAULT_PRESET } from '../../engine/config/presets.js';

/** A preset card's Use button (its name reads 'In use preset …' on the chosen card). */
export const presetUseButton = (page: Page, preset: string) =>
  page.locator(`[data-preset="${preset}"]`).getByRole('button', { name: /^(Use|In use) preset / });

export const stepCount = async (page: Page) => Number(await page.getByTestId('step-count').textContent());

/** Points on the reward chart (one a step of the runs shown). */
export const rewardPoints = async (page: Page) =>
  Number(await page.getByRole('region', { name: 'reward', exact: true }).getAttribute('data-points'));

/** The text of every alert on the page (empty when there is none). */
export async function alertTexts(page: Page): Promise<string[]> {
  const texts = await page.getByRole('alert').allInnerTexts();
  return texts.map((t) => t.trim().replace(/\s+/g, ' ')).filter((t) => t !== '');
}

/**
 * Opens the lab at `url` and waits until it has found its WebGPU adapter; page errors land in the
 * returned list. With `settleMs`, it then waits until the page has gone that long without a reload:
 * Vite's dev server, on a fresh cache, finds the worker's dependencies only when the page loads it,
 * bundles them and reloads the page once (or more), which would end a run started before.
 */
export async function openLab(page: Page, url: string, { settleMs = 0 } = {}): Promise<string[]> {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  let loads = 0;
  page.on('framenavigated', (frame) => {
    if (frame === page.mainFrame()) loads++;
  });
  // the dev server transforms every module on the first visit: on 2 shared cores that takes a while
  await page.goto(url, { timeout: 180_000 });
  const until = Date.now() + 300_000;
  for (;;) {
    const seen = loads;
    await page.getByTestId('adapter-facts').waitFor({ timeout: 120_000 });
    if (settleMs === 0) break;
    await page.waitForTimeout(settleMs);
    if (loads === seen) break;
    if (Date.now() > until) throw new Error(`${url} kept reloading (${loads} loads in 300 s)`);
  }
  if (loads > 1) console.log(`${url}: the page loaded ${loads} times before it settled`);
  errors.length = 0; // errors of pages the server reloaded away are not this page's
  return errors;
}

/**
 * Waits until the step counter reaches `steps` (and, with `paused`, the worker is paused again),
 * failing with the alert's text as soon as one shows. `what` names the action in the messages.
 */
export async function waitForStepsWithoutAlert(
  page: Page,
  steps: number,
  { what, timeoutMs = 300_000, paused = false }: { what: string; timeoutMs?: number; paused?: boolean },
): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const alerts = await alertTexts(page);
    const step = await stepCount(page);
    if (alerts.length > 0) throw new Error(`${what}: alert at step ${step}: ${alerts.join(' | ')}`);
    const status = (await page.getByTestId('status-line').textContent()) ?? '';
    if (step >= steps && (!paused || status.includes('phase paused'))) return;
    if (Date.now() > until)
      throw new Error(`${what}: step ${step} of ${steps} after ${timeoutMs / 1000} s (${status})`);
    await page.waitForTimeout(500);
  }
}

/** The default card as a newcomer meets it: Start, `steps` steps with no alert, then Pause. */
export async function trainDefaultCard(page: Page, steps = 3): Promise<void> {
  if ((await presetUseButton(page, DEFAULT_PRESET).getAttribute('aria-pressed')) !== 'true')
    throw new Error(`the default card (${DEFAULT_PRESET}) is not the one in use on a fresh page`);
  await page.getByRole('button', { name: 'Start', exact: true }).click();
  await waitForStepsWithoutAlert(page, steps, { what: `Start on the default card, ${steps} steps` });
  await page.getByRole('button', { name: 'Pause', exact: true }).click();
  await waitForStepsWithoutAlert(page, steps, { what: 'Pause after training', paused: true });
}

/** Presses Use on the card `preset`, then Step, and waits until that one step is done with no alert. */
export async function stepPresetCard(page: Page, preset: string, timeoutMs = 300_000): Promise<void> {
  const use = presetUseButton(page, preset);
  await use.click();
  await use.and(page.locator('[aria-pressed="true"]')).waitFor({ timeout: 10_000 });
  const before = await page.evaluate(
    () => document.querySelector('.run-controls .run-name')?.textContent ?? '',
  );
  await page.getByRole('button', { name: 'Step', exact: true }).click();
  // a new config makes a new run: wait for it, so the previous card's finished step is not read as this one's
  await page.waitForFunction(
    (b) => (document.querySelector('.run-controls .run-name')?.textContent ?? '') !== b,
    before,
    { timeout: 30_000 },
  );
  await waitForStepsWithoutAlert(page, 1, {
    what: `Use then Step on the ${preset} card`,
    timeoutMs,
    paused: true,
  });
}
