/**
 * Hub loading against a local HTTP server standing in for huggingface.co: id parsing and URLs, every
 * tiny layout read through readCheckpoint with byte progress, the cache serving a reload with no
 * request, pinned revisions, and 404 / HTTP error handling.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryFs, readCheckpoint } from '../model/checkpoint.js';
import { tokenizerFromJSON } from '../tokenizers/load.js';
import { PromptFormat } from '../tokenizers/prompt-format.js';
import { dirHubCache } from './cache-node.js';
import { type LocalHub, startLocalHub, TINY_LAYOUTS, tinyCheckpoint } from './fixtures.js';
import {
  type DownloadProgress,
  hubCheckpointFs,
  hubFileUrl,
  localCheckpointFs,
  localModelName,
  memoryHubCache,
  parseHubId,
  prefetchHubModel,
  storeLocalModel,
} from './index.js';

describe('hub ids', () => {
  it('parses org/name with an optional revision and builds resolve URLs', () => {
    expect(parseHubId('HuggingFaceTB/SmolLM2-135M-Instruct')).toEqual({
      repo: 'HuggingFaceTB/SmolLM2-135M-Instruct',
      revision: 'main',
    });
    expect(parseHubId('Qwen/Qwen2.5-0.5B-Instruct@7ae557604adf67be50417f59c2c2f167def9a775')?.revision).toBe(
      '7ae557604adf67be50417f59c2c2f167def9a775',
    );
    expect(parseHubId('org/name', 'v1.0')?.revision).toBe('v1.0');
    for (const bad of ['smoke', '/models/arithmetic-sft', './a/b', 'a/b/c', 'a/../b', 'org/-x', 'org/x@']) {
      expect(parseHubId(bad), bad).toBe(null);
    }
    expect(hubFileUrl({ repo: 'Qwen/Qwen2.5-0.5B-Instruct', revision: 'main' }, 'config.json')).toBe(
      'https://huggingface.co/Qwen/Qwen2.5-0.5B-Instruct/resolve/main/config.json',
    );
    expect(hubFileUrl({ repo: 'a/b', revision: 'refs/pr/1' }, 'x.json', 'http://127.0.0.1:9/')).toBe(
      'http://127.0.0.1:9/a/b/resolve/refs%2Fpr%2F1/x.json',
    );
  });
});

describe('hub downloads from a local server', () => {
  let hub: LocalHub;
  const tiny = new Map(TINY_LAYOUTS.map((l) => [l, tinyCheckpoint(l, 7)]));
  beforeAll(async () => {
    const repos = new Map([...tiny].map(([l, c]) => [`tiny/${l}@main`, c.files]));
    const other = tinyCheckpoint('gpt2', 99);
    repos.set('tiny/gpt2@v2', other.files);
    hub = await startLocalHub(repos);
  });
  afterAll(() => hub.close());

  it.each(TINY_LAYOUTS)(
    'reads the %s layout with progress, then reloads from the cache without a request',
    async (layout) => {
      const cache = memoryHubCache();
      const progress: DownloadProgress[] = [];
      const options = { baseUrl: hub.baseUrl, cache, onProgress: (p: DownloadProgress) => progress.push(p) };
      const before = hub.requests.length;
      const ckpt = await readCheckpoint(hubCheckpointFs(`tiny/${layout}`, options));
      const want = tiny.get(layout)!;
      expect(ckpt.config.family).toBe(want.config.family);
      for (const [name, v] of want.params) expect(ckpt.params.get(name), name).toEqual(v);
      expect(ckpt.tokenizer).not.toBe(null);
      const fetched = hub.requests.slice(before);
      expect(fetched.every((p) => p.startsWith(`/tiny/${layout}/resolve/main/`))).toBe(true);
      // byte progress: each downloaded weights file ends with loaded = total = its size
      const weightFiles = [...want.files.keys()].filter((f) => f.endsWith('.safetensors'));
      for (const f of weightFiles) {
        const last = progress.filter((p) => p.file === f).at(-1);
        expect(last, f).toMatchObject({
          done: true,
          cached: false,
          loaded: want.files.get(f)!.length,
          total: want.files.get(f)!.length,
        });
        expect(progress.filter((p) => p.file === f && !p.done).length, f).toBeGreaterThan(1);
      }
      const mid = hub.requests.length;
      progress.length = 0;
      const again = await readCheckpoint(hubCheckpointFs(`tiny/${layout}`, options));
      // files the first load found absent (optional ones, 404) are remembered too: no request at all
      const absent = fetched.filter((p) => !want.files.has(p.split('/').pop() as string));
      expect(absent.length).toBeGreaterThan(0);
      expect(hub.requests.slice(mid)).toEqual([]);
      expect(progress.every((p) => p.cached)).toBe(true);
      expect(again.params.size).toBe(ckpt.params.size);
    },
  );

  it('pins a revision, caches on disk, and refuses HTTP errors with the URL', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tabrl-hub-'));
    try {
      const cache = dirHubCache(dir);
      const pinned = await readCheckpoint(hubCheckpointFs('tiny/gpt2@v2', { baseUrl: hub.baseUrl, cache }));
      const main = tiny.get('gpt2')!;
      const name = 'transformer.h.0.attn.c_attn.weight';
      expect(pinned.params.get(name)).not.toEqual(main.params.get(name));
      expect(hub.requests.some((p) => p === '/tiny/gpt2/resolve/v2/config.json')).toBe(true);
      const n = hub.requests.length;
      await readCheckpoint(
        hubCheckpointFs('tiny/gpt2', { baseUrl: hub.baseUrl, revision: 'v2', cache: dirHubCache(dir) }),
      );
      const files = main.files; // same names at v2
      expect(hub.requests.slice(n).filter((p) => files.has(p.split('/').pop() as string))).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    await expect(readCheckpoint(hubCheckpointFs('tiny/missing', { baseUrl: hub.baseUrl }))).rejects.toThrow(
      /config\.json \(http:.*\/config\.json\): not found \(HTTP 404\)/,
    );
    const failing = (async () => new Response('no', { status: 503 })) as unknown as (
      u: string,
    ) => Promise<Response>;
    await expect(
      hubCheckpointFs('tiny/gpt2', { baseUrl: hub.baseUrl, fetch: failing }).readFile('config.json'),
    ).rejects.toThrow(
      /config\.json: http:\/\/127\.0\.0\.1:\d+\/tiny\/gpt2\/resolve\/main\/config\.json answered HTTP 503/,
    );
  });

  it('remembers absent files, but not an absent config.json (a repo created after a first try is found)', async () => {
    const cache = memoryHubCache();
    const options = { baseUrl: hub.baseUrl, cache };
    expect(await hubCheckpointFs('tiny/later', options).readFile('config.json')).toBe(null);
    expect(await hubCheckpointFs('tiny/later', options).readFile('trainer_state.json')).toBe(null);
    hub.repos.set('tiny/later@main', tinyCheckpoint('gpt2', 3).files);
    const n = hub.requests.length;
    expect(await hubCheckpointFs('tiny/later', options).readFile('config.json')).not.toBe(null);
    expect(await hubCheckpointFs('tiny/later', options).readFile('trainer_state.json')).toBe(null);
    expect(hub.requests.slice(n)).toEqual(['/tiny/later/resolve/main/config.json']);
  });

  it('prefetches a sharded model into the cache; reading it later needs no network', async () => {
    const cache = memoryHubCache();
    const files = await prefetchHubModel('tiny/qwen2-sharded-bf16', { baseUrl: hub.baseUrl, cache });
    expect(files.sort()).toEqual(
      [...tiny.get('qwen2-sharded-bf16')!.files.keys()].filter((f) => f !== 'generation_config.json').sort(),
    );
    // a server that has nothing: every file must come from the cache (absent optional files 404)
    const empty = (async () => new Response('', { status: 404 })) as unknown as (
      u: string,
    ) => Promise<Response>;
    const ckpt = await readCheckpoint(
      hubCheckpointFs('tiny/qwen2-sharded-bf16', { baseUrl: hub.baseUrl, cache, fetch: empty }),
    );
    expect(ckpt.config.family).toBe('qwen2');
  });
});

describe('chat_template.jinja (where transformers >= 4.5x saves the chat template)', () => {
  const FILE_TEMPLATE =
    "{% for m in messages %}[{{ m['role'] }}] {{ m['content'] }}\n{% endfor %}{% if add_generation_prompt %}[assistant] {% endif %}";
  const CONFIG_TEMPLATE = '{% for m in messages %}{{ m.content }}{% endfor %}';
  const encoder = new TextEncoder();
  const withFiles = (edit: (files: Map<string, Uint8Array>) => void) => {
    const files = new Map(tinyCheckpoint('llama', 4).files);
    edit(files);
    return files;
  };
  const tokenizerConfigOf = (files: Map<string, Uint8Array>) =>
    JSON.parse(new TextDecoder().decode(files.get('tokenizer_config.json'))) as Record<string, unknown>;

  it('is read into tokenizer_config when the config has none, and renders prompts; a missing file is normal', async () => {
    const files = withFiles((f) => f.set('chat_template.jinja', encoder.encode(FILE_TEMPLATE)));
    expect(tokenizerConfigOf(files).chat_template).toBe(undefined);
    const ckpt = await readCheckpoint(memoryFs(files));
    expect(ckpt.tokenizerConfig?.chat_template).toBe(FILE_TEMPLATE);
    // the rest of tokenizer_config.json is kept
    expect(ckpt.tokenizerConfig?.eos_token).toBe(tokenizerConfigOf(files).eos_token);
    const tokenizer = tokenizerFromJSON(ckpt.tokenizer, ckpt.tokenizerConfig);
    const format = PromptFormat.forRun(tokenizer, { chat_template: 'auto', system_prompt: 'be brief' });
    expect(format.render('1+2=')).toBe('[system] be brief\n[user] 1+2=\n[assistant] ');

    const plain = await readCheckpoint(memoryFs(withFiles(() => {})));
    expect(plain.tokenizerConfig).toEqual(tokenizerConfigOf(withFiles(() => {})));
    const raw = PromptFormat.forRun(tokenizerFromJSON(plain.tokenizer, plain.tokenizerConfig), {
      chat_template: 'auto',
      system_prompt: null,
    });
    expect(raw.info().mode).toBe('raw');
  });

  it('wins over a chat_template in tokenizer_config.json (transformers: the file clobbers the config)', async () => {
    const files = withFiles((f) => {
      f.set(
        'tokenizer_config.json',
        encoder.encode(JSON.stringify({ ...tokenizerConfigOf(f), chat_template: CONFIG_TEMPLATE })),
      );
      f.set('chat_template.jinja', encoder.encode(FILE_TEMPLATE));
    });
    expect((await readCheckpoint(memoryFs(files))).tokenizerConfig?.chat_template).toBe(FILE_TEMPLATE);
    files.delete('chat_template.jinja');
    expect((await readCheckpoint(memoryFs(files))).tokenizerConfig?.chat_template).toBe(CONFIG_TEMPLATE);
    // a folder with the file and no tokenizer_config.json still gets its template
    files.delete('tokenizer_config.json');
    files.set('chat_template.jinja', encoder.encode(FILE_TEMPLATE));
    expect((await readCheckpoint(memoryFs(files))).tokenizerConfig).toEqual({ chat_template: FILE_TEMPLATE });
  });

  it('comes from the hub and is prefetched when the repo has it; its absence is remembered', async () => {
    const repos = new Map([
      ['tiny/jinja@main', withFiles((f) => f.set('chat_template.jinja', encoder.encode(FILE_TEMPLATE)))],
      ['tiny/plain@main', withFiles(() => {})],
    ]);
    const hub = await startLocalHub(repos);
    try {
      const cache = memoryHubCache();
      const options = { baseUrl: hub.baseUrl, cache };
      expect(await prefetchHubModel('tiny/jinja', options)).toContain('chat_template.jinja');
      expect(await prefetchHubModel('tiny/plain', options)).not.toContain('chat_template.jinja');
      expect(hub.requests).toContain('/tiny/plain/resolve/main/chat_template.jinja');
      const n = hub.requests.length;
      const ckpt = await readCheckpoint(hubCheckpointFs('tiny/jinja', options));
      expect(ckpt.tokenizerConfig?.chat_template).toBe(FILE_TEMPLATE);
      const plain = await readCheckpoint(hubCheckpointFs('tiny/plain', options));
      expect(plain.tokenizerConfig?.chat_template).toBe(undefined);
      // both from the cache: the file's presence and its absence were both remembered
      expect(hub.requests.slice(n).filter((p) => p.endsWith('/chat_template.jinja'))).toEqual([]);
    } finally {
      await hub.close();
    }
  });
});

describe('dropped model folders', () => {
  it('are stored in the hub cache under local:NAME and read back as a checkpoint folder', async () => {
    const cache = memoryHubCache();
    const name = localModelName('My Model (1)');
    expect(name).toBe('local:My-Model-1');
    const llama = tinyCheckpoint('llama', 2);
    await storeLocalModel(cache, name, llama.files);
    const ckpt = await readCheckpoint(localCheckpointFs(name, cache));
    for (const [k, v] of llama.params) expect(ckpt.params.get(k), k).toEqual(v);
    expect(() => localCheckpointFs('Qwen/x', cache)).toThrow(/not a local model name/);
  });
});
