/**
 * A learned reward in the lab, end to end in Chromium: a share link whose config lists an ONNX reward
 * model (a tiny classifier written by the test, served next to the site as /reward-models/tiny/)
 * trains a step in the engine's worker, where onnxruntime-web loads its WebAssembly from the site's
 * own ort/ folder (requests are recorded: nothing goes to another origin).
 */
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

describe('an ONNX reward model in the lab', () => {
  const fx = useLab('/');

  it('trains a step with the classifier as a reward; ort files come from our own origin', async () => {
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
    await page.goto(fx.site.url + shareLinkWithRewardModel());
    await page.getByTestId('adapter-facts').waitFor({ timeout: 60_000 });

    await page.getByRole('button', { name: 'Step', exact: true }).click();
    await page.waitForFunction(
      () => document.querySelector('[data-testid="step-count"]')?.textContent === '1',
      undefined,
      { timeout: 180_000 },
    );
    await page.screenshot({ path: screenshotPath('lab-reward-model-step') });
    expect(
      await page
        .getByRole('alert')
        .filter({ hasText: /Paused:|The run stopped/ })
        .count(),
    ).toBe(0);
    expect(served).toContain('model.onnx');
    expect(served).toContain('tokenizer.json');
    const ort = requests.filter((u) => /ort-wasm-simd-threaded/.test(u));
    console.log(`onnxruntime-web files fetched: ${ort.map((u) => new URL(u).pathname).join(', ')}`);
    expect(ort.some((u) => u.endsWith('.wasm'))).toBe(true);
    const origin = new URL(fx.site.url).origin;
    expect(
      requests.filter((u) => !u.startsWith(origin) && !u.startsWith('data:') && !u.startsWith('blob:')),
    ).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });
});
