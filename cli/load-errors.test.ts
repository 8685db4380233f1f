/**
 * Load failures speak to a person: for each kind of broken file (an HTML page in its place, empty,
 * cut short, not JSON, a safetensors header that lies about sizes, a config that disagrees with the
 * weights) the first line of the message names the file and where it is, says what is wrong and what
 * to do, with no raw parser numbers; the CLI prints that line as it is.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveRunConfig } from '../engine/config/resolve.js';
import { CheckpointError, readCheckpoint, writeCheckpoint } from '../engine/model/checkpoint.js';
import { nodeCheckpointFs } from '../engine/model/checkpoint-node.js';
import { modelPreset } from '../engine/model/config.js';
import { initParams } from '../engine/model/init.js';
import { checkpointTokenizer } from '../engine/train/policy-source.js';
import { rng } from '../kernels/testing/random.js';
import { tabrl } from './cli-run.testing.js';
import { loadDatasetRows } from './lib/dataset.js';

const PAGE =
  '<!doctype html>\n<html><head><title>TabRL</title></head><body><div id="root"></div></body></html>\n';

let dir: string;
let good: Map<string, Uint8Array>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tabrl-load-errors-'));
  const config = modelPreset('llama-micro');
  await writeCheckpoint(nodeCheckpointFs(join(dir, 'good')), {
    config,
    params: initParams(config, rng(3)),
    tokenizer: { version: '1.0', model: { type: 'BPE', vocab: { a: 0 }, merges: [] } },
    tokenizerConfig: null,
    trainerState: null,
  });
  good = new Map();
  for (const f of ['config.json', 'model.safetensors', 'tokenizer.json'])
    good.set(f, new Uint8Array(await readFile(join(dir, 'good', f))));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** A copy of the good folder with one file replaced (null: removed), read back; the refusal's first line. */
async function refusal(name: string, file: string, bytes: Uint8Array | string | null): Promise<string> {
  const folder = join(dir, name);
  const fs = nodeCheckpointFs(folder);
  for (const [f, b] of good) if (f !== file) await fs.writeFile(f, b);
  if (bytes !== null)
    await fs.writeFile(file, typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes);
  const err = await readCheckpoint(fs).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, name).toBeInstanceOf(CheckpointError);
  const first = (err as Error).message.split('\n')[0];
  expect(first, name).toContain(`${file} (${join(folder, file)}): `);
  expect(first, `${name}: no raw parser numbers`).not.toMatch(/\d{10,}/);
  return first;
}

/** The safetensors file with its 8-byte header length set to `n`. */
function withHeaderLength(bytes: Uint8Array, n: number): Uint8Array {
  const out = bytes.slice();
  new DataView(out.buffer).setBigUint64(0, BigInt(n), true);
  return out;
}

describe('load errors name the file, the cause and a fix', () => {
  it('an HTML page instead of config.json or the weights', async () => {
    expect(await refusal('html-config', 'config.json', PAGE)).toMatch(
      /an HTML page arrived instead of the JSON file\. The server answered with a web page.*check the name/,
    );
    expect(await refusal('html-weights', 'model.safetensors', PAGE)).toMatch(
      /an HTML page arrived instead of the safetensors file\. .*check the name/,
    );
  });

  it('an empty file', async () => {
    expect(await refusal('empty-config', 'config.json', '')).toMatch(
      /the file is empty\. Copy the file again/,
    );
    expect(await refusal('empty-weights', 'model.safetensors', '')).toMatch(
      /not a safetensors file: an empty file \(0 bytes\)\. Copy the file again/,
    );
  });

  it('a file cut short', async () => {
    const weights = good.get('model.safetensors') as Uint8Array;
    expect(await refusal('cut-weights', 'model.safetensors', weights.subarray(0, 200))).toMatch(
      /the file is cut short \(200 bytes, fewer than its header says\)\. Copy the file again/,
    );
    const config = good.get('config.json') as Uint8Array;
    expect(await refusal('cut-config', 'config.json', config.subarray(0, 40))).toMatch(
      /not valid JSON \(40 bytes of text beginning "\{.*a truncated download.*\)\. Copy the file again/,
    );
  });

  it('not JSON, and JSON that is not an object', async () => {
    expect(await refusal('binary-tokenizer', 'tokenizer.json', new Uint8Array([0, 1, 2, 250, 251]))).toMatch(
      /not valid JSON \(5 bytes of binary data; .*\)\. Copy the file again/,
    );
    expect(await refusal('array-config', 'config.json', '[1, 2]')).toMatch(
      /expected a JSON object, found an array\. Copy the file again/,
    );
  });

  it('a safetensors header that lies about sizes', async () => {
    const weights = good.get('model.safetensors') as Uint8Array;
    const huge = await refusal('huge-header', 'model.safetensors', withHeaderLength(weights, 2 ** 62));
    expect(huge).toMatch(/not a readable safetensors file \(.*binary data\)\. Copy the file again/);
    expect(
      await refusal('long-header', 'model.safetensors', withHeaderLength(weights, weights.length)),
    ).toMatch(/the file is cut short/);
  });

  it('a config.json that disagrees with the weights', async () => {
    const config = JSON.parse(new TextDecoder().decode(good.get('config.json')));
    const folder = join(dir, 'wider');
    const fs = nodeCheckpointFs(folder);
    for (const [f, b] of good) await fs.writeFile(f, b);
    await fs.writeFile(
      'config.json',
      new TextEncoder().encode(JSON.stringify({ ...config, hidden_size: 48 })),
    );
    const msg = await readCheckpoint(fs).then(
      () => '',
      (e: Error) => e.message,
    );
    expect(msg).toMatch(
      new RegExp(
        `^model\\.safetensors \\(${join(folder, 'model.safetensors').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\): tensor "model\\.embed_tokens\\.weight" does not fit config\\.json \\(shape \\[\\d+,\\d+\\] but the config needs \\[\\d+,48\\]\\)\\. Use the config\\.json that was saved with these weights`,
      ),
    );
  });

  it('a tokenizer.json that the tokenizer library cannot read', async () => {
    const folder = join(dir, 'bad-tokenizer');
    const fs = nodeCheckpointFs(folder);
    for (const [f, b] of good) await fs.writeFile(f, b);
    await fs.writeFile('tokenizer.json', new TextEncoder().encode('{"model": {"type": "Mystery"}}'));
    const ckpt = await readCheckpoint(fs);
    expect(() => checkpointTokenizer(ckpt, (f) => join(folder, f))).toThrow(
      new RegExp(
        `^tokenizer\\.json \\(${folder.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}/tokenizer\\.json\\): .*cannot load it.*\\. TabRL reads the tokenizer\\.json`,
      ),
    );
  });

  it('a dataset path that holds an HTML page', async () => {
    const page = join(dir, 'page.jsonl');
    await writeFile(page, PAGE);
    const config = resolveRunConfig({ task: { name: 'dataset', source: page } } as never);
    await expect(loadDatasetRows(config)).rejects.toThrow(
      `dataset ${page}: an HTML page arrived instead of the JSONL dataset. Static hosts answer a file that is not there with a web page: check the path or URL`,
    );
  });

  it('the CLI prints the person-readable line first', async () => {
    const folder = join(dir, 'cli-html');
    const fs = nodeCheckpointFs(folder);
    for (const [f, b] of good) await fs.writeFile(f, b);
    await fs.writeFile('config.json', new TextEncoder().encode(PAGE));
    const run = await tabrl(['generate', '--model', folder, '--prompt', 'a']);
    expect(run.code).toBe(1);
    expect(run.stderr.split('\n')[0]).toBe(
      `tabrl: config.json (${join(folder, 'config.json')}): an HTML page arrived instead of the JSON file. ` +
        'The server answered with a web page, as static hosts do for a file that is not there: check the name and that the folder was deployed whole',
    );
  }, 60_000);
});
