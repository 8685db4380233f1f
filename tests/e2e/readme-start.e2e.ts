/**
 * The README's start command is the one tested: this reads the first ```sh block under "## Two
 * commands" from README.md itself, runs it as written (less its leading `npm ci &&`: node_modules is
 * linked in from this checkout instead) in a fresh git worktree of HEAD with no dist/ and no Vite
 * cache, as a fresh clone has it, and trains the default card for 3 steps in Chromium at the URL it
 * serves. The command is not given another port: when 5173 (the README's) is taken, the test fails
 * and says so. `.ci/run` is checked to run the README's other command, `npm test`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  freshCheckout,
  launchChromium,
  portInUse,
  ROOT,
  screenshotPath,
  startServerProcess,
} from './harness.js';
import { alertTexts, openLab, trainDefaultCard } from './lab-steps.js';

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

  it('the start command, run as written in a fresh worktree of HEAD, serves a lab whose default card trains 3 steps', async () => {
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
      try {
        await trainDefaultCard(page, 3);
      } finally {
        await page.screenshot({ path: screenshotPath('readme-start'), fullPage: false });
      }
      expect(await alertTexts(page)).toEqual([]);
      expect(errors).toEqual([]);
      console.log(
        `README start command: 3 steps of the default card after ${((Date.now() - t0) / 1000).toFixed(0)} s`,
      );
    } finally {
      await browser.close();
      await server.close();
      checkout.remove();
    }
  }, 900_000);
});
