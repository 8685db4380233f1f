/**
 * User datasets in Chromium: a broken JSONL file dropped on "Use a JSONL dataset" is listed line by
 * line and changes nothing; a good one (60 two-digit sums) becomes the dataset task with a summary,
 * and Step trains on it from the default warm start: the inspector shows its training
 * prompts, each completion scored as the rewards say it should be. A share link whose task reads a
 * local file says so and keeps Start disabled until the file is dropped. A source that is a site path
 * is fetched by the worker (under the app's sub-path), and fetch failures are said. Axe checks the new UI.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeSharePayload } from '../../app/share/codec.js';
import { presetConfig } from '../../engine/config/index.js';
import { isHeldOut } from '../../engine/tasks/split.js';
import { launchChromium, screenshotPath, serveDist, useLab } from './harness.js';
import { presetUseButton } from './lab-steps.js';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/**
 * 60 distinct two-digit sums in the warm start's format, e.g. {"prompt":"47+63=","answer":"110"}: the
 * model answers them (so rewards vary), and 8 prompts of a step all from these 60 (of the addition
 * task's 8100) cannot happen by chance.
 */
const ROWS = Array.from({ length: 60 }, (_, i) => {
  const a = 10 + ((i * 37) % 90);
  const b = 10 + ((i * 53 + 7) % 90);
  return { prompt: `${a}+${b}=`, answer: String(a + b) };
});
const ANSWER = new Map(ROWS.map((r) => [r.prompt, r.answer]));
const GOOD = `${ROWS.map((r) => JSON.stringify(r)).join('\n')}\n`;
/** 14 lines, 12 of them bad (lines 2..13), in four different ways. */
const BROKEN = [
  '{"prompt":"1+1=","answer":"2"}',
  ...Array.from({ length: 12 }, (_, i) =>
    i % 4 === 0
      ? '{"prompt":"1+1=","answer":'
      : i % 4 === 1
        ? '{"prompt":"","answer":"2"}'
        : i % 4 === 2
          ? '{"prompt":"1+1=","answer":[2]}'
          : '["1+1=","2"]',
  ),
  '{"prompt":"2+2=","answer":4}',
].join('\n');

const file = (name: string, text: string) => ({
  name,
  mimeType: 'application/jsonl',
  buffer: Buffer.from(text),
});

async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(readFileSync(AXE, 'utf8'));
  const violations = (await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document) => Promise<{ violations: unknown[] }> } })
      .axe;
    return (await axe.run(document)).violations;
  })) as { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[];
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`);
}

/** Every config control's value, in page order: what "the configuration is unchanged" compares. */
const configValues = (page: Page) =>
  page
    .locator('.config [data-option] input:not([type="checkbox"]), .config [data-option] select')
    .evaluateAll((els) =>
      els.map(
        (e) => `${e.closest('[data-option]')?.getAttribute('data-option')}=${(e as HTMLInputElement).value}`,
      ),
    );

const option = (page: Page, path: string) =>
  page.locator(`[data-option="${path}"] input, [data-option="${path}"] select`).first();

/** The prompts of the inspector's groups (the latest step). */
const inspectedPrompts = (page: Page) =>
  page.getByRole('region', { name: 'Group inspector' }).locator('.group-card code.prompt').allTextContents();

async function waitForState(page: Page, state: string) {
  await page.waitForFunction(
    (s) => document.querySelector('[data-testid="status-line"]')?.textContent?.includes(`phase ${s}`),
    state,
    { timeout: 240_000 },
  );
}

describe('user datasets in the lab', () => {
  const fx = useLab('/');

  it('a broken file is listed and changes nothing; a good one becomes the task and trains a step', async () => {
    const page = await fx.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(fx.site.url);
    await page.getByTestId('adapter-facts').waitFor({ timeout: 60_000 });
    // the addition card: its warm start answers sums, and its rewards include char_match
    await presetUseButton(page, 'arithmetic').click();
    const picker = page.getByLabel('Use a JSONL dataset');
    const before = await configValues(page);
    expect(before).toContain('task.name=addition');

    await picker.setInputFiles(file('broken.jsonl', BROKEN));
    const list = page.locator('.dataset-errors');
    await list.waitFor();
    expect(await list.textContent()).toContain(
      'broken.jsonl was not used (12 errors; the configuration is unchanged)',
    );
    const items = await list.locator('li').allTextContents();
    expect(items).toHaveLength(10);
    expect(items.map((t) => t.split(':')[0])).toEqual(Array.from({ length: 10 }, (_, i) => `line ${i + 2}`));
    expect(items[0]).toMatch(/^line 2: not valid JSON/);
    expect(items[1]).toBe('line 3: "prompt" must be a non-empty string');
    expect(items[2]).toBe('line 4: "answer" must be a string or a finite number');
    expect(items[3]).toBe('line 5: must be a JSON object with "prompt" and "answer"');
    expect(await list.textContent()).toContain('…and 2 more.');
    expect(await configValues(page)).toEqual(before);
    expect(await page.getByRole('button', { name: 'Start', exact: true }).isEnabled()).toBe(true);
    expect(await seriousViolations(page)).toEqual([]);
    await page
      .locator('.config fieldset.group')
      .first()
      .screenshot({ path: screenshotPath('lab-dataset-errors') });

    await picker.setInputFiles(file('sums.jsonl', GOOD));
    const summary = page.getByTestId('dataset-summary');
    await summary.waitFor();
    expect(await list.count()).toBe(0);
    const heldOut = ROWS.filter((r) => isHeldOut(r.prompt, 0.1));
    const train = new Set(ROWS.filter((r) => !isHeldOut(r.prompt, 0.1)).map((r) => r.prompt));
    expect(heldOut.length).toBeGreaterThan(0);
    expect(await summary.textContent()).toContain('sums.jsonl');
    expect(await page.getByTestId('dataset-rows').textContent()).toBe('60');
    expect(await page.getByTestId('dataset-held-out').textContent()).toBe(String(heldOut.length));
    const examples = await summary
      .locator('tbody tr')
      .evaluateAll((trs) =>
        trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')),
      );
    expect(examples).toHaveLength(3);
    for (const [prompt, answer] of examples) {
      expect(train.has(prompt)).toBe(true);
      expect(ANSWER.get(prompt)).toBe(answer);
    }
    expect(await option(page, 'task.name').inputValue()).toBe('dataset');
    expect(await option(page, 'task.source').inputValue()).toBe('local:sums.jsonl');
    expect(await option(page, 'task.match').inputValue()).toBe('exact');
    expect(await option(page, 'task.held_out_fraction').inputValue()).toBe('0.1');
    // everything outside the task is as it was
    const untouched = (vals: string[]) => vals.filter((v) => !v.startsWith('task.'));
    expect(untouched(await configValues(page))).toEqual(untouched(before));
    // the reward is chosen as for any task: all three built-ins
    await page.locator('[data-option="reward_funcs"]').getByLabel('format').check();
    expect(await seriousViolations(page)).toEqual([]);
    await page
      .locator('.config fieldset.group')
      .first()
      .screenshot({ path: screenshotPath('lab-dataset-summary') });

    await page.getByRole('button', { name: 'Step', exact: true }).click();
    await expect
      .poll(async () => Number(await page.getByTestId('step-count').textContent()), {
        timeout: 240_000,
        interval: 500,
      })
      .toBe(1);
    await waitForState(page, 'paused');
    const inspector = page.getByRole('region', { name: 'Group inspector' });
    await inspector.getByLabel(/Shade tokens by/).selectOption('none');
    const groups = await inspector.locator('.group-card').evaluateAll((cards) =>
      cards.map((card) => ({
        prompt: card.querySelector('code.prompt')?.textContent ?? '',
        head: [...card.querySelectorAll('thead th')].map((th) => th.textContent ?? ''),
        rows: [...card.querySelectorAll('tbody tr')].map((tr) =>
          [...tr.querySelectorAll('td')].map((td) => td.textContent ?? ''),
        ),
      })),
    );
    expect(groups.length).toBe(8);
    let answered = 0;
    for (const g of groups) {
      expect(train.has(g.prompt), g.prompt).toBe(true);
      const answer = ANSWER.get(g.prompt) ?? '';
      const col = (name: string) => g.head.indexOf(name);
      expect(col('correct')).toBeGreaterThan(0);
      expect(col('char_match')).toBeGreaterThan(0);
      expect(col('format')).toBeGreaterThan(0);
      expect(g.rows.length).toBe(8);
      for (const row of g.rows) {
        const given = row[0].trim();
        if (given !== '') answered++;
        expect(Number(row[col('correct')]), `${g.prompt} -> ${row[0]}`).toBe(given === answer ? 1 : 0);
        const n = Math.max(given.length, answer.length);
        let same = 0;
        for (let i = 0; i < Math.min(given.length, answer.length); i++) if (given[i] === answer[i]) same++;
        expect(Number(row[col('char_match')])).toBeCloseTo(n === 0 ? 1 : same / n, 3);
        expect(Number(row[col('format')])).toBe(given !== '' && !/[<>]/.test(row[0]) ? 1 : 0);
      }
    }
    // the warm start answers sums: the rewards above were checked on real answers, not only empty ones
    expect(answered).toBeGreaterThan(0);
    await inspector.scrollIntoViewIfNeeded();
    await page.screenshot({ path: screenshotPath('lab-dataset-step'), fullPage: false });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a share link whose task reads a local file says so and waits for the file; nothing else is lost', async () => {
    const config = {
      ...presetConfig('arithmetic'),
      task: {
        name: 'dataset' as const,
        source: 'local:sums.jsonl',
        match: 'numeric' as const,
        tag: null,
        held_out_fraction: 0.2,
      },
      learning_rate: 3e-4,
      seed: 77,
    };
    const page = await fx.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${fx.site.url}#c=${encodeSharePayload(config, {})}`);
    await page.getByTestId('adapter-facts').waitFor({ timeout: 60_000 });
    const message =
      "This link's task reads the dataset sums.jsonl, which stays on the sharer's machine: drop sums.jsonl here to run it";
    expect(await page.getByTestId('notice-info').textContent()).toContain(message);
    expect(await page.locator('.dataset-missing').textContent()).toBe(message);
    expect(await page.getByTestId('dataset-needed').textContent()).toContain(message);
    const start = page.getByRole('button', { name: 'Start', exact: true });
    const step = page.getByRole('button', { name: 'Step', exact: true });
    expect(await start.isDisabled()).toBe(true);
    expect(await step.isDisabled()).toBe(true);
    expect(await option(page, 'task.match').inputValue()).toBe('numeric');
    expect(await option(page, 'learning_rate').inputValue()).toBe('0.0003');
    expect(await option(page, 'seed').inputValue()).toBe('77');
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: screenshotPath('lab-dataset-share-link'), fullPage: false });

    // dropped on the zone this time (a real drop event), not chosen with the picker
    const transfer = await page.evaluateHandle((text) => {
      const dt = new DataTransfer();
      dt.items.add(new File([text], 'sums.jsonl', { type: 'application/jsonl' }));
      return dt;
    }, GOOD);
    await page.locator('.dataset-drop').dispatchEvent('drop', { dataTransfer: transfer });
    await page.getByTestId('dataset-summary').waitFor();
    expect(await start.isEnabled()).toBe(true);
    expect(await page.getByTestId('dataset-needed').count()).toBe(0);
    expect(await option(page, 'task.source').inputValue()).toBe('local:sums.jsonl');
    expect(await option(page, 'task.match').inputValue()).toBe('numeric');
    expect(await option(page, 'task.held_out_fraction').inputValue()).toBe('0.2');
    expect(await option(page, 'learning_rate').inputValue()).toBe('0.0003');
    expect(await page.getByTestId('dataset-held-out').textContent()).toBe(
      String(ROWS.filter((r) => isHeldOut(r.prompt, 0.2)).length),
    );
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a link with reward code and a local dataset: after Accept it still waits for the file; Test on sample uses its rows', async () => {
    const config = {
      ...presetConfig('arithmetic'),
      task: { name: 'dataset' as const, source: 'local:sums.jsonl' },
      reward_code: [{ name: 'echo', source: '(completion, prompt, answer) => answer.length' }],
      reward_funcs: ['correct', 'echo'],
    };
    const page = await fx.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${fx.site.url}#c=${encodeSharePayload(config, {})}`);
    const dialog = page.getByRole('dialog', { name: 'This link contains reward code' });
    await dialog.waitFor({ timeout: 30_000 });
    await page.getByTestId('adapter-facts').waitFor({ timeout: 60_000 });
    await dialog.getByRole('button', { name: 'Accept' }).click();
    await dialog.waitFor({ state: 'detached' });
    expect(await page.getByTestId('notice-info').textContent()).toContain(
      "This link's task reads the dataset sums.jsonl, which stays on the sharer's machine: drop sums.jsonl here to run it",
    );
    const start = page.getByRole('button', { name: 'Start', exact: true });
    expect(await start.isDisabled()).toBe(true);
    await page.getByLabel('Use a JSONL dataset').setInputFiles(file('sums.jsonl', GOOD));
    await page.getByTestId('dataset-summary').waitFor();
    expect(await start.isEnabled()).toBe(true);
    await page.getByRole('button', { name: 'Test on sample echo' }).click();
    const table = page.getByRole('table', { name: 'Test results' });
    await table.waitFor({ timeout: 20_000 });
    const prompts = await table.locator('tbody tr td:first-child').allTextContents();
    expect(prompts.length).toBeGreaterThan(0);
    for (const p of prompts) expect(ANSWER.has(p), p).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('dataset sources the worker fetches', () => {
  let site: Awaited<ReturnType<typeof serveDist>>;
  let browser: Browser;
  const asked: string[] = [];
  beforeAll(async () => {
    site = await serveDist('/tabrl/', (req, res) => {
      if (!req.url?.includes('/datasets/')) return false;
      asked.push(req.url);
      if (req.url !== '/tabrl/datasets/sums.jsonl') return false; // the site's 404
      res.writeHead(200, { 'content-type': 'application/jsonl' }).end(GOOD);
      return true;
    });
    browser = await launchChromium({ webgpu: true });
  });
  afterAll(async () => {
    await browser?.close();
    await site?.close();
  });

  it('a site path is fetched under the sub-path and trains; a missing file and a blocked host are said', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(site.url);
    await page.getByTestId('adapter-facts').waitFor({ timeout: 60_000 });
    await presetUseButton(page, 'arithmetic').click();
    await option(page, 'task.name').selectOption('dataset');
    const source = option(page, 'task.source');
    const step = page.getByRole('button', { name: 'Step', exact: true });
    const failure = page.locator('.run-message.failed');

    await source.fill('/datasets/missing.jsonl');
    expect(await page.getByTestId('dataset-summary').textContent()).toContain(
      'The engine fetches /datasets/missing.jsonl when the run starts',
    );
    await step.click();
    await failure.waitFor({ timeout: 60_000 });
    expect(await failure.textContent()).toBe(
      `The run stopped: dataset /datasets/missing.jsonl: ${site.url}datasets/missing.jsonl answered HTTP 404. Check the file's name and that it is deployed with the site`,
    );

    await source.fill('https://example.invalid/sums.jsonl');
    await step.click();
    await expect
      .poll(() => failure.textContent(), { timeout: 60_000 })
      .toMatch(
        /^The run stopped: dataset https:\/\/example.invalid\/sums.jsonl: could not fetch https:\/\/example.invalid\/sums.jsonl \(https:\/\/example.invalid is not an allowed host: the lab reads only from its own site and the Hugging Face hub .+\)\. The lab reads datasets from its own site, or from a host the page's Content-Security-Policy allows/,
      );

    await source.fill('/datasets/sums.jsonl');
    await step.click();
    await expect
      .poll(async () => Number(await page.getByTestId('step-count').textContent()), {
        timeout: 240_000,
        interval: 500,
      })
      .toBe(1);
    await waitForState(page, 'paused');
    const train = new Set(ROWS.filter((r) => !isHeldOut(r.prompt, 0.1)).map((r) => r.prompt));
    const prompts = await inspectedPrompts(page);
    expect(prompts).toHaveLength(8);
    for (const p of prompts) expect(train.has(p), p).toBe(true);
    expect(asked).toEqual(['/tabrl/datasets/missing.jsonl', '/tabrl/datasets/sums.jsonl']);
    expect(errors).toEqual([]);
    await page.close();
  });
});
