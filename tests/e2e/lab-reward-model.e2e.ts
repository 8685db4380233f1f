/**
 * A learned reward in the lab, end to end in Chromium: a share link whose config lists an ONNX reward
 * model (a tiny classifier written by the test, served next to the site as /reward-models/tiny/)
 * trains a step in the engine's worker, where onnxruntime-web loads its WebAssembly from the site's
 * own ort/ folder (requests are recorded: nothing goes to another origin). The model panel says which
 * execution provider the worker's session ended on: WebGPU on Chromium's SwiftShader adapter; with the
 * `ort-cpu-fallback=0` flag the WebGPU provider refuses the classifier (onnxruntime assigns some of
 * its nodes, which work on the int64 inputs, to the CPU) and the lab shows WebAssembly with the reason.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { presetConfig } from '../../engine/config/index.js';
import { encodeSharePayload } from '../../engine/config/share-link.js';
import { tinyClassifier, tinyRewardModelFolder } from '../../engine/rewards/onnx-test-model.js';
import { createRng } from '../../engine/rl/random.js';
import { CharTokenizer, DEFAULT_ALPHABET } from '../../engine/tokenizers/char-tokenizer.js';
import { screenshotPath, useLab } from './harness.js';

const tokenizer = new CharTokenizer({ alphabet: DEFAULT_ALPHABET });
const rng = createRng(5);
const folder = tinyRewardModelFolder(
  tinyClassifier(tokenizer.vocabSize, 6, 2, () => rng.next(), 2),
  tokenizer,
  ['BAD', 'GOOD'],
);

function shareLinkWithRewardModel(): string {
  const config = {
    ...presetConfig('smoke'),
    max_steps: 3,
    eval_every: 0,
    reward_models: [
      {
        name: 'tiny',
        path: '/reward-models/tiny',
        label: 'GOOD',
        output: 'probability',
        input: 'prompt_completion',
        max_length: 64,
        batch_size: 64,
      },
    ],
    reward_funcs: ['char_match', 'tiny'],
  };
  return `#c=${encodeSharePayload(config, {})}`;
}

interface Trained {
  page: Page;
  served: string[];
  requests: string[];
  errors: string[];
  close: () => Promise<void>;
}

/** Opens the lab at `search` + the share link, serves the classifier's folder, and trains one step. */
async function trainOneStep(fx: ReturnType<typeof useLab>, search: string, shot: string): Promise<Trained> {
  const context = await fx.browser.newContext({ viewport: { width: 1280, height: 900 } });
  const served: string[] = [];
  await context.route('**/reward-models/tiny/*', async (route) => {
    const file = new URL(route.request().url()).pathname.split('/').pop() ?? '';
    served.push(file);
    const bytes = folder.files.get(file);
    if (!bytes) await route.fulfill({ status: 404, body: 'not found' });
    else
      await route.fulfill({
        status: 200,
        body: Buffer.from(bytes),
        contentType: 'application/octet-stream',
      });
  });
  const requests: string[] = [];
  context.on('request', (r) => requests.push(r.url()));
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(fx.site.url + search + shareLinkWithRewardModel());
  await page.getByTestId('adapter-facts').waitFor({ timeout: 60_000 });

  await page.getByRole('button', { name: 'Step', exact: true }).click();
  await page.waitForFunction(
    () => document.querySelector('[data-testid="step-count"]')?.textContent === '1',
    undefined,
    { timeout: 180_000 },
  );
  await page.screenshot({ path: screenshotPath(shot) });
  expect(
    await page
      .getByRole('alert')
      .filter({ hasText: /Paused:|The run stopped/ })
      .count(),
  ).toBe(0);
  return { page, served, requests, errors, close: () => context.close() };
}

/** The model panel's reward-model line, found as a screen reader would (region, then list item). */
async function providerLine(page: Page, shot: string): Promise<{ text: string; provider: string | null }> {
  const region = page.getByRole('region', { name: 'Reward models' });
  const item = region.getByRole('listitem').filter({ hasText: /^Reward model tiny / });
  await item.waitFor({ timeout: 30_000 });
  await region.scrollIntoViewIfNeeded();
  await region.screenshot({ path: screenshotPath(shot) });
  return { text: (await item.textContent()) ?? '', provider: await item.getAttribute('data-provider') };
}

/** The inspector's `tiny` column of the step's groups: the classifier's probability for each completion. */
async function tinyScores(page: Page): Promise<number[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll('.groups table')].flatMap((table) => {
      const heads = [...table.querySelectorAll('thead th')].map((th) => th.textContent);
      const col = heads.indexOf('tiny');
      if (col < 0) return [];
      return [...table.querySelectorAll('tbody tr')].map((tr) =>
        Number(tr.querySelectorAll('td')[col]?.textContent),
      );
    }),
  );
}

describe('an ONNX reward model in the lab', () => {
  const fx = useLab('/');

  it('trains a step with the classifier as a reward on WebGPU; ort files come from our own origin', async () => {
    const run = await trainOneStep(fx, '', 'lab-reward-model-step');
    const line = await providerLine(run.page, 'lab-reward-model-provider');
    console.log(`lab says: ${line.text}`);
    expect(line.text).toBe('Reward model tiny (label GOOD): onnxruntime-web on WebGPU');
    expect(line.provider).toBe('webgpu');
    const scores = await tinyScores(run.page);
    expect(scores.length).toBeGreaterThan(0);
    for (const p of scores) expect(p > 0 && p < 1).toBe(true);
    expect(run.served).toContain('model.onnx');
    expect(run.served).toContain('tokenizer.json');
    const ort = run.requests.filter((u) => /ort-wasm-simd-threaded/.test(u));
    console.log(`onnxruntime-web files fetched: ${ort.map((u) => new URL(u).pathname).join(', ')}`);
    expect(ort.some((u) => u.endsWith('.wasm'))).toBe(true);
    const origin = new URL(fx.site.url).origin;
    expect(
      run.requests.filter((u) => !u.startsWith(origin) && !u.startsWith('data:') && !u.startsWith('blob:')),
    ).toEqual([]);
    expect(run.errors).toEqual([]);
    await run.close();
  });

  it('ort-cpu-fallback=0: WebGPU refuses the classifier, the lab shows WebAssembly and why, the step trains', async () => {
    const run = await trainOneStep(fx, '?ort-cpu-fallback=0', 'lab-reward-model-fallback-step');
    const line = await providerLine(run.page, 'lab-reward-model-provider-fallback');
    console.log(`lab says: ${line.text}`);
    expect(line.provider).toBe('wasm');
    // onnxruntime's own refusal: a node assigned to the CPU while CPU fallback is disabled.
    expect(line.text).toMatch(
      /^Reward model tiny \(label GOOD\): onnxruntime-web on WebAssembly \(WebGPU refused: .*(CPU|fallback).*\)$/i,
    );
    // The step trained with the model's reward: every completion has a probability from it.
    const scores = await tinyScores(run.page);
    expect(scores.length).toBeGreaterThan(0);
    for (const p of scores) expect(p > 0 && p < 1).toBe(true);
    expect(run.errors).toEqual([]);
    await run.close();
  });
});
