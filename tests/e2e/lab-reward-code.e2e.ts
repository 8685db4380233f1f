/**
 * User reward code in the lab, end to end in Chromium: a share link whose config carries reward code
 * shows the code in a dialog and nothing can start until Accept; the editor's "Test on sample" runs
 * code in the page's sandbox (a loop is stopped after 2 s, fetch and eval are refused under the page's
 * Content-Security-Policy); a reward that loops forever pauses the run with the message instead of
 * crashing it, and fixed code trains; Decline loads the config without the code. Every storage and
 * cross-context API of sandbox-escapes.fixture.ts is refused through "Test on sample", and none left a
 * trace in the origin's storage.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { presetConfig } from '../../engine/config/index.js';
import { encodeSharePayload } from '../../engine/config/share-link.js';
import {
  ESCAPE_PROBES,
  GLOBAL_NAMES_SOURCE,
  globalNamesIn,
} from '../../engine/rewards/sandbox-escapes.fixture.js';
import {
  BLOCKED_GLOBALS,
  REWARD_GLOBALS,
  UNAVAILABLE_GLOBALS,
} from '../../engine/rewards/sandbox-lockdown.js';
import { screenshotPath, useLab } from './harness.js';

const LOOP = 'while (true) {}';
const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** axe-core's serious and critical findings on the page as it is (the dialog or the editor). */
async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(readFileSync(AXE, 'utf8'));
  return page.evaluate(async () => {
    type Violation = { id: string; impact: string; nodes: { target: string[] }[] };
    const axe = (window as unknown as { axe: { run: (d: Document) => Promise<{ violations: Violation[] }> } })
      .axe;
    const { violations } = await axe.run(document);
    return violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
}

function shareLinkWithLoopingReward(): string {
  const config = {
    ...presetConfig('smoke'),
    max_steps: 5,
    eval_every: 0,
    reward_code: [{ name: 'forever', source: LOOP }],
    reward_funcs: ['char_match', 'forever'],
  };
  return `#c=${encodeSharePayload(config, {})}`;
}

async function testOnSample(page: Page, source: string): Promise<string> {
  const editor = page.getByLabel('Reward code forever');
  await editor.fill(source);
  await page.getByRole('button', { name: 'Test on sample forever' }).click();
  const table = page.getByRole('table', { name: 'Test results' });
  await table.waitFor({ timeout: 20_000 });
  await page.waitForFunction(
    () => !document.body.textContent?.includes('Running in the sandbox'),
    undefined,
    {
      timeout: 20_000,
    },
  );
  return (await table.textContent()) ?? '';
}

/** The reward cell of the first sample after "Test on sample": a number or the error. */
async function firstOutcome(page: Page, source: string): Promise<string> {
  await testOnSample(page, source);
  const cell = page
    .getByRole('table', { name: 'Test results' })
    .locator('tbody tr')
    .first()
    .locator('td')
    .nth(3);
  return ((await cell.textContent()) ?? '').trim();
}

/** What the origin's storage holds that a probe could have written, read by the page itself. */
function storageTraces(page: Page) {
  return page.evaluate(async () => {
    const files: string[] = [];
    const root = await navigator.storage.getDirectory();
    for await (const name of (root as unknown as { keys(): AsyncIterable<string> }).keys()) files.push(name);
    const held = await navigator.locks.query();
    return {
      files,
      databases: (await indexedDB.databases()).map((d) => d.name),
      caches: await caches.keys(),
      locks: [...(held.held ?? []), ...(held.pending ?? [])].map((l) => l.name),
      local: Object.keys(localStorage).filter((k) => k.includes('pwned')),
      broadcasts: (window as unknown as { tabrlBroadcasts?: unknown[] }).tabrlBroadcasts ?? [],
    };
  });
}

describe('reward code in the lab', () => {
  const fx = useLab('/');

  it('consent before shared code runs; a looping reward pauses the run; fixed code trains', async () => {
    const page = await fx.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    const cspReports: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.text().includes('Content Security Policy')) cspReports.push(m.text());
    });
    await page.goto(fx.site.url + shareLinkWithLoopingReward());

    const dialog = page.getByRole('dialog', { name: 'This link contains reward code' });
    await dialog.waitFor({ timeout: 30_000 });
    expect(await dialog.getByTestId('consent-code').textContent()).toBe(LOOP);
    await page.getByTestId('adapter-facts').waitFor({ timeout: 60_000 });
    const start = page.getByRole('button', { name: 'Start', exact: true });
    expect(await start.isDisabled()).toBe(true);
    // Not in the config being edited yet, so nothing (not even a test) can run it.
    expect(await page.getByLabel('Reward code forever').count()).toBe(0);
    await page.screenshot({ path: screenshotPath('lab-reward-code-consent') });
    expect(await seriousViolations(page)).toEqual([]);

    await dialog.getByRole('button', { name: 'Accept' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(await start.isDisabled()).toBe(false);
    expect(await page.getByLabel('Reward code forever').inputValue()).toBe(LOOP);

    const t0 = Date.now();
    const looped = await testOnSample(page, LOOP);
    console.log(`Test on sample of a loop answered after ${Date.now() - t0} ms: ${looped.slice(0, 160)}`);
    expect(looped).toMatch(/did not return within 2 s/);
    expect(await testOnSample(page, "() => fetch('http://127.0.0.1:1/')")).toMatch(
      /fetch is blocked: reward functions run without network access/,
    );
    expect(await testOnSample(page, "() => new Function('return 1')()")).toMatch(/EvalError/);
    expect(await testOnSample(page, '() => document.body.childElementCount')).toMatch(
      /document is not available: reward functions run without a DOM/,
    );
    expect(await testOnSample(page, "() => { indexedDB.open('tabrl-runs'); return 1; }")).toMatch(
      /indexedDB is not available: reward functions run without storage/,
    );
    await testOnSample(page, LOOP);
    expect(await seriousViolations(page)).toEqual([]);

    await start.click();
    const paused = page.getByText(/^Paused: reward function "forever" did not return within 2 s/);
    await paused.waitFor({ timeout: 120_000 });
    console.log(`run message: ${await paused.textContent()}`);
    await page.waitForFunction(
      () => document.querySelector('[data-testid="status-line"]')?.textContent?.includes('phase paused'),
      undefined,
      { timeout: 10_000 },
    );
    expect(await page.getByText('The run stopped').count()).toBe(0);
    expect(await start.isDisabled()).toBe(false);
    expect(await page.getByTestId('step-count').textContent()).toBe('0');
    await page.screenshot({ path: screenshotPath('lab-reward-code-paused') });

    const fixed = await testOnSample(page, '(completion, prompt, answer) => (completion === answer ? 1 : 0)');
    expect(fixed).not.toMatch(/error|threw|did not return/);
    expect(fixed).toMatch(/1/);
    await page.getByRole('button', { name: 'Step', exact: true }).click();
    await page.waitForFunction(
      () => document.querySelector('[data-testid="step-count"]')?.textContent === '1',
      undefined,
      { timeout: 120_000 },
    );
    expect(await page.getByRole('alert').filter({ hasText: 'Paused:' }).count()).toBe(0);
    expect(errors).toEqual([]);
    expect(cspReports).toEqual([]);
    await page.close();
  });

  it('reward code reaches no storage, no other context and no fresh global (one probe per API)', async () => {
    const page = await fx.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(fx.site.url + shareLinkWithLoopingReward());
    const dialog = page.getByRole('dialog', { name: 'This link contains reward code' });
    await dialog.waitFor({ timeout: 30_000 });
    await dialog.getByRole('button', { name: 'Accept' }).click();
    await dialog.waitFor({ state: 'detached' });
    await page.evaluate(() => {
      const w = window as unknown as { tabrlBroadcasts: unknown[]; tabrlChannel: BroadcastChannel };
      w.tabrlBroadcasts = [];
      w.tabrlChannel = new BroadcastChannel('tabrl');
      w.tabrlChannel.onmessage = (e) => w.tabrlBroadcasts.push(e.data);
    });
    const before = await storageTraces(page);

    const report: string[] = [];
    for (const probe of ESCAPE_PROBES) {
      for (const run of [1, 2]) {
        const got = await firstOutcome(page, probe.source);
        report.push(`${probe.api} (run ${run}): ${got.slice(0, 120)}`);
        expect(got, `${probe.api}, run ${run}`).toMatch(probe.refused);
      }
    }
    console.log(`Chromium, the lab's sandbox:\n${report.join('\n')}`);

    const names = globalNamesIn(await firstOutcome(page, GLOBAL_NAMES_SOURCE));
    expect(names).toContain('Math');
    const expected = new Set<string>([
      ...REWARD_GLOBALS,
      ...BLOCKED_GLOBALS,
      ...UNAVAILABLE_GLOBALS.map(([name]) => name),
      'TEMPORARY', // constants on DedicatedWorkerGlobalScope.prototype that cannot be deleted (numbers)
      'PERSISTENT',
    ]);
    expect(names.filter((n) => !expected.has(n))).toEqual([]);

    const after = await storageTraces(page);
    expect(after.files.filter((f) => !before.files.includes(f))).toEqual([]);
    expect(after.databases.filter((d) => !before.databases.includes(d))).toEqual([]);
    expect(after.caches.filter((c) => !before.caches.includes(c))).toEqual([]);
    expect(after.locks).toEqual([]);
    expect(after.local).toEqual([]);
    expect(after.broadcasts).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('Decline loads the config without the code and without its reward_funcs', async () => {
    const page = await fx.browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(fx.site.url + shareLinkWithLoopingReward());
    const dialog = page.getByRole('dialog', { name: 'This link contains reward code' });
    await dialog.waitFor({ timeout: 30_000 });
    await dialog.getByRole('button', { name: 'Decline' }).click();
    await page.getByRole('status', { name: 'Configuration loaded without its reward code' }).waitFor();
    expect(
      await page.getByRole('status', { name: 'Configuration loaded without its reward code' }).textContent(),
    ).toMatch(/forever were removed; reward_funcs is now char_match/);
    expect(await page.getByLabel('Reward code forever').count()).toBe(0);
    const funcs = page.getByRole('group', { name: 'reward_funcs' });
    expect(await funcs.getByRole('checkbox', { name: 'char_match' }).isChecked()).toBe(true);
    expect(await funcs.getByRole('checkbox', { name: 'forever' }).count()).toBe(0);
    await page.close();
  });
});
