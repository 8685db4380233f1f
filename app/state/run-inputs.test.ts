import { describe, expect, it } from 'vitest';
import { memoryHubCache } from '../../engine/hub/cache.js';
import { storeLocalModel } from '../../engine/hub/local.js';
import { readDatasetFile } from './dataset-store.js';
import { checkRunInputs, recordRunInputs } from './run-inputs.js';

const bytes = (s: string) => new TextEncoder().encode(s);
const config = (model: string, source: string) => ({
  model: { name: model, overrides: {} },
  task: { name: 'dataset', source },
  reward_funcs: ['correct'],
  reward_models: [],
});

function dropped(name: string, text: string) {
  const out = readDatasetFile(name, text);
  if (!out.ok) throw new Error(out.refused.errors.join('; '));
  return out.dataset;
}

describe('a saved run asks for the local files it read, checked by SHA-256', () => {
  it('records the dropped dataset and model folder, then names each that is missing or changed', async () => {
    const cache = memoryHubCache();
    await storeLocalModel(
      cache,
      'local:mine',
      new Map([
        ['config.json', bytes('{"model_type":"gpt2"}')],
        ['model.safetensors', bytes('weights')],
      ]),
    );
    const data = dropped('a.jsonl', '{"prompt":"1+1=","answer":"2"}\n{"prompt":"2+2=","answer":"4"}\n');
    const cfg = config('local:mine', data.source);
    const inputs = await recordRunInputs(cfg, data.rows, cache);
    expect(inputs.dataset).toMatchObject({ name: 'a.jsonl', source: 'local:a.jsonl', rows: 2 });
    expect(inputs.dataset?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(inputs.folders?.[0].files.map((f) => f.name)).toEqual(['config.json', 'model.safetensors']);

    // everything here and equal: nothing to ask for (the same rows spaced differently match)
    const respaced = dropped(
      'a.jsonl',
      '{"prompt": "1+1=", "answer": "2"}\n\n{"prompt":"2+2=","answer":"4"}',
    );
    expect(await checkRunInputs(inputs, respaced, cache)).toEqual([]);

    // after a reload: no dataset in the tab
    const [noData] = await checkRunInputs(inputs, null, cache);
    expect(noData).toMatch(/Drop the dataset a\.jsonl again/);
    // another file under the same name
    const other = dropped('a.jsonl', '{"prompt":"1+1=","answer":"3"}\n');
    expect((await checkRunInputs(inputs, other, cache))[0]).toMatch(
      /not the file this run trained on.*SHA-256/,
    );
    // the folder replaced, then gone
    await storeLocalModel(cache, 'local:mine', new Map([['model.safetensors', bytes('other weights')]]));
    expect(await checkRunInputs(inputs, data, cache)).toEqual([
      expect.stringMatching(/model folder "mine" changed since the run started \(model\.safetensors\)/),
    ]);
    expect(await checkRunInputs(inputs, data, memoryHubCache())).toEqual([
      expect.stringMatching(/Drop the model folder "mine" again/),
    ]);
  });

  it('records nothing for a run that read only shipped or hub files', async () => {
    const cfg = { model: { name: 'smoke', overrides: {} }, task: { name: 'reversal' }, reward_funcs: [] };
    expect(await recordRunInputs(cfg, undefined, memoryHubCache())).toEqual({});
    expect(await checkRunInputs({}, null, undefined)).toEqual([]);
  });
});
