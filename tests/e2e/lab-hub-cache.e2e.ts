/**
 * Loading a model by hub id in Chromium, against a stand-in hub served beside the app (`?hub=hub`: the
 * same origin, so the page's Content-Security-Policy allows it) that counts requests and sends files
 * slowly: the panel shows byte progress, the files land in Cache Storage, the engine worker reads them
 * from there, and after a reload the same load and step happen with no request reaching the hub, with
 * the same first step (the model's chat template in use, as the panel says).
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { presetConfig } from '../../engine/config/index.js';
import { encodeSharePayload } from '../../engine/config/share-link.js';
import { hubRoute, tinyCheckpoint } from '../../engine/hub/fixtures.js';
import type { StepMetrics, StepSamples } from '../../engine/train/session-types.js';
import { launchChromium, type StaticSite, screenshotPath, serveDist } from './harness.js';

const TEMPLATE =
  '{% for m in messages %}[{{ m.content }}]{{ eos_token }}{% endfor %}{% if add_generation_prompt %}:{% endif %}';

/** A tiny llama (char tokenizer over TabRL's alphabet) whose tokenizer_config.json has a chat template. */
function tinyChatModel(): Map<string, Uint8Array> {
  const files = new Map(tinyCheckpoint('llama', 11).files);
  const config = JSON.parse(new TextDecoder().decode(files.get('tokenizer_config.json')));
  files.set(
    'tokenizer_config.json',
    new TextEncoder().encode(JSON.stringify({ ...config, chat_template: TEMPLATE })),
  );
  return files;
}

/** Step 0 of every saved run, oldest first, from the lab's IndexedDB. */
async function savedFirstSteps(page: Page): Promise<{ metrics: StepMetrics; samples: StepSamples }[]> {
  return page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((ok, fail) => {
      const r = indexedDB.open('tabrl-runs');
      r.onsuccess = () => ok(r.result);
      r.onerror = () => fail(r.error);
    });
    const all = <T>(store: string) =>
      new Promise<T[]>((ok, fail) => {
        const r = db.transaction(store).objectStore(store).getAll();
        r.onsuccess = () => ok(r.result as T[]);
        r.onerror = () => fail(r.error);
      });
    const runs = (await all<{ id: string; createdAt: number }>('runs')).sort(
      (a, b) => a.createdAt - b.createdAt,
    );
    const metrics = await all<{ runId: string; step: number; row: StepMetrics }>('metrics');
    const samples = await all<{ runId: string; step: number; samples: StepSamples }>('samples');
    db.close();
    return runs.map((run) => ({
      metrics: metrics.find((m) => m.runId === run.id && m.step === 0)!.row,
      samples: samples.find((s) => s.runId === run.id && s.step === 0)!.samples,
    }));
  });
}

describe('a hub model in the lab: progress, Cache Storage, a reload downloads nothing', () => {
  const repo = 'tiny/llama-chat';
  const files = tinyChatModel();
  const requests: string[] = [];
  let site: StaticSite;
  let browser: Browser;
  beforeAll(async () => {
    // 12 chunks 200 ms apart: each file takes over 2 s, long enough to see and photograph its progress bar
    const route = hubRoute(new Map([[`${repo}@main`, files]]), requests, {
      prefix: '/hub',
      chunks: 12,
      delayMs: 200,
    });
    site = await serveDist('/', route);
    browser = await launchChromium({ webgpu: true });
  });
  afterAll(async () => {
    await browser?.close();
    await site?.close();
  });

  async function loadByHubId(page: Page, screenshot?: string): Promise<void> {
    const panel = page.getByTestId('model-panel');
    await panel.getByLabel('Hub model id').fill(repo);
    await panel.getByRole('button', { name: 'Check memory' }).click();
    await panel.getByTestId('memory-estimate').waitFor({ timeout: 30_000 });
    expect(await panel.getByTestId('memory-estimate').textContent()).toMatch(/Fits this adapter/);
    await panel.getByRole('button', { name: 'Download and use' }).click();
    const weights = panel.getByRole('progressbar', { name: 'Download progress model.safetensors' });
    if (screenshot) {
      // mid-download: the bar is on screen with part of the bytes in
      await page.waitForFunction(
        () => {
          const bar = document.querySelector<HTMLProgressElement>(
            'progress[aria-label="Download progress model.safetensors"]',
          );
          return bar !== null && bar.value > 0 && bar.value < bar.max;
        },
        undefined,
        { timeout: 30_000 },
      );
      expect(await weights.isVisible()).toBe(true);
      await page.screenshot({ path: screenshotPath(screenshot) });
    }
    await panel
      .getByText(`${repo}@main is the run's model`)
      .waitFor({ timeout: 60_000 })
      .catch(async (e) => {
        throw new Error(`${e.message}\npanel: ${await panel.textContent()}`);
      });
    const bar = await weights.evaluate((el) => [
      (el as HTMLProgressElement).value,
      (el as HTMLProgressElement).max,
    ]);
    expect(bar).toEqual([files.get('model.safetensors')!.length, files.get('model.safetensors')!.length]);
  }

  async function stepOnce(page: Page): Promise<void> {
    await page.getByRole('button', { name: 'Step', exact: true }).click();
    await page.waitForFunction(
      () => Number(document.querySelector('[data-testid="step-count"]')?.textContent) >= 1,
      undefined,
      { timeout: 180_000 },
    );
  }

  it('downloads once with progress; after a reload the same load and step come from the cache', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const config = { ...presetConfig('smoke'), max_steps: 3, eval_every: 0 };
    await page.goto(`${site.url}?hub=hub#c=${encodeSharePayload(config, {})}`);
    await page.getByTestId('adapter-facts').waitFor({ timeout: 60_000 });

    await loadByHubId(page, 'lab-hub-download-progress');
    // chat_template.jinja (where newer transformers saves a template) is asked for too; this repo keeps its
    // template in tokenizer_config.json, so the answer is a 404 that Cache Storage remembers as absent
    const once = [
      'config.json',
      'tokenizer.json',
      'tokenizer_config.json',
      'chat_template.jinja',
      'model.safetensors',
    ].map((f) => `/${repo}/resolve/main/${f}`);
    expect([...requests].sort()).toEqual([...once].sort());
    expect(await page.evaluate(async () => (await (await caches.open('tabrl-hub-v1')).keys()).length)).toBe(
      5,
    );

    await stepOnce(page);
    // the worker opened the model from Cache Storage: it asked the hub only for what the repo lacks
    // (a resumable trainer state), once, and Cache Storage remembers those as absent
    const lacking = requests.slice(once.length);
    expect(lacking.sort()).toEqual([
      `/${repo}/resolve/main/trainer_state.json`,
      `/${repo}/resolve/main/trainer_state.safetensors`,
    ]);
    const format = page.getByTestId('prompt-format');
    expect(await format.textContent()).toMatch(
      /Chat template: in use; each prompt is a user message rendered by tiny\/llama-chat@main's template/,
    );
    expect(await format.locator('pre').textContent()).toMatch(/^\[\{[012]{2}\}=\]<eos>:$/);
    await format.screenshot({ path: screenshotPath('lab-hub-prompt-format') });

    await page.reload();
    await page.getByTestId('adapter-facts').waitFor({ timeout: 60_000 });
    const before = requests.length;
    await loadByHubId(page);
    expect(await page.getByTestId('model-panel').getByText('model.safetensors (cached)').count()).toBe(1);
    await stepOnce(page);
    expect(requests.slice(before)).toEqual([]);
    await page.screenshot({ path: screenshotPath('lab-hub-after-reload') });

    // the cached model gives the run the same first step: same prompts as rendered, completions, rewards
    const [first, second] = await savedFirstSteps(page);
    expect(second.samples.groups.map((g) => g.rendered_prompt)).toEqual(
      first.samples.groups.map((g) => `[${g.prompt}]<eos>:`),
    );
    const tokens = (s: StepSamples) => s.groups.map((g) => g.completions.map((c) => c.tokens));
    expect(tokens(second.samples)).toEqual(tokens(first.samples));
    expect(second.metrics.reward).toBe(first.metrics.reward);
    expect(second.metrics.entropy).toBeCloseTo(first.metrics.entropy, 5);
    expect(second.metrics.loss).toBeCloseTo(first.metrics.loss, 5);
    expect(errors).toEqual([]);
    await page.close();
  });
});
