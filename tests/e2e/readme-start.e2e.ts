/**
 * The README's start command is the one tested: this reads the first ```sh block under "## Two
 * commands" from README.md itself, runs it as written (less its leading `npm ci &&`: node_modules is
 * linked in from this checkout instead) in a fresh git worktree of HEAD with no dist/ and no Vite
 * cache, as a fresh clone has it, and walks the lab it serves (Vite's dev server) in Chromium, in
 * one page as a person would:
 * - the default card (the newcomer's: GRPO on sorting from the small model's shipped warm start)
 *   trains a step after Start; Pause stops the stepping, Step takes exactly one more step, and Reset
 *   keeps the history;
 * - then every preset card does Use, and every card with a code path of its own takes a Step: the
 *   smoke model, the addition card's setting (arithmetic: the 0.8M model and its warm start), dynamic
 *   sampling (dapo), the value head (ppo), rejection sampling (rft), cross-entropy (sft), freezing
 *   (hft) and self targets (s3ft). Use only: the GPU-sized card (its one step is the addition card's
 *   with 8 times the batch and two optimizer passes, 172 s on SwiftShader in CI) and the cards that
 *   differ from the addition card's setting by the advantage or loss formula alone (grpo, dr_grpo, rloo, reinforce: the same worker, kernels and
 *   buffers; cli/train-resume.test.ts and the algorithm tests train each of them).
 * Each step must finish with no alert (role=alert) on the page. The dev server answers a missing file
 * with index.html (200, text/html), which a loader that probes for optional files takes for the file;
 * the harness's strict server's 404 hides that. The command is not given another port: when 5173 (the
 * README's) is taken, the test fails and says so. `.ci/run` is checked to run the README's other
 * command, `npm test`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  freshCheckout,
  launchChromium,
  portInUse,
  ROOT,
  screenshotPath,
  startServerProcess,
} from './harness.js';
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

/** Cards that get Use only (see above): too big a step for a software adapter, or no code path of their own. */
const USE_ONLY = new Set(['arithmetic-gpu', 'grpo', 'dr_grpo', 'rloo', 'reinforce']);

/** The `## Two commands` section of README.md: its text up to the next `## ` heading. */
function twoCommandsSection(readme: string): string {
  const start = readme.search(/^## Two commands\s*$/m);
  if (start < 0) throw new Error('README.md has no "## Two commands" heading');
  const rest = readme.slice(start + 1);
  const end = rest.search(/^## /m);
  return end < 0 ? rest : rest.slice(0, end);
}

/** The shell blocks of a README section, in order. */
const shellBlocks = (section: string) =>
  [...section.matchAll(/^```(?:sh|bash|shell)\n([\s\S]*?)^```/gm)].map((m) => m[1].trim());

/** The start command as a person types it after cloning, less the `npm ci &&` this test does not rerun. */
function readmeStartCommand(readme: string): { asWritten: string; run: string } {
  const [asWritten] = shellBlocks(twoCommandsSection(readme));
  if (!asWritten) throw new Error('README.md\'s "## Two commands" section has no ```sh block');
  const run = asWritten.replace(/^npm ci\s*&&\s*/, '');
  if (run === asWritten)
    throw new Error(`README's start command \`${asWritten}\` does not begin with \`npm ci &&\``);
  return { asWritten, run };
}

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

describe("the README's commands", () => {
  it(".ci/run runs the README's test command", () => {
    const [, testCommand] = shellBlocks(twoCommandsSection(readme));
    expect(testCommand).toBe('bash .ci/run');
    const ci = readFileSync(join(ROOT, '.ci/run'), 'utf8');
    const lines = ci.split('\n').map((l) => l.trim());
    // the README says .ci/run runs `npm ci` and `npm test`: its last command is `npm test`
    expect(lines).toContain('npm ci');
    expect(lines.filter((l) => l !== '' && !l.startsWith('#')).at(-1)).toBe('npm test');
    const scripts = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts;
    expect(scripts.test).toMatch(/npm run test:e2e/);
  });

  it('the start command, run as written in a fresh worktree of HEAD, serves the lab: Start, Pause, Step and Reset on the default card, then Use on every preset card and Step where its code path is its own; no alert', async () => {
    const { asWritten, run } = readmeStartCommand(readme);
    // the URL the README promises, when it names one
    const promised = /http:\/\/127\.0\.0\.1:\d+\//.exec(twoCommandsSection(readme))?.[0];
    const port = Number(new URL(promised ?? 'http://127.0.0.1:5173/').port);
    if (await portInUse(port))
      throw new Error(
        `port ${port} is taken (a dev server of yours?): the README's \`${asWritten}\` serves there and this test runs it as written; stop that server and rerun`,
      );
    const checkout = freshCheckout('head');
    const t0 = Date.now();
    const server = await startServerProcess(run, { cwd: checkout.dir }).catch((e) => {
      checkout.remove();
      throw e;
    });
    const browser = await launchChromium({ webgpu: true });
    try {
      console.log(
        `\`${run}\` in ${checkout.dir} served ${server.url} after ${((Date.now() - t0) / 1000).toFixed(1)} s`,
      );
      if (promised) expect(server.url).toBe(promised);
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors = await openLab(page, server.url, { settleMs: 10_000 });
      await walkDefaultCard(page);
      console.log(
        `README start command: the default card walked after ${((Date.now() - t0) / 1000).toFixed(0)} s`,
      );
      await walkPresetCards(page);
      expect(errors).toEqual([]);
      await page.close();
    } finally {
      await browser.close();
      await server.close();
      checkout.remove();
    }
  }, 2_400_000);
});

/** Start, Pause, Step and Reset on the default card, each checked. */
async function walkDefaultCard(page: Page): Promise<void> {
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
    await page.screenshot({ path: screenshotPath('readme-start-default'), fullPage: false });
  }
}

/** Use on every preset card, then Step unless it is in USE_ONLY; the seconds each took are logged. */
async function walkPresetCards(page: Page): Promise<void> {
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
      await page.screenshot({ path: screenshotPath(`readme-start-${preset}`), fullPage: false });
      throw e;
    }
    seconds[preset] = Math.round((Date.now() - t1) / 1000);
  }
  console.log(
    `README start command, seconds per preset card (Use, Step where taken): ${JSON.stringify(seconds)}`,
  );
}
