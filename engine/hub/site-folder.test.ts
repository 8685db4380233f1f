/**
 * Shipped folders served the way real static hosts serve them: a host that answers every missing path
 * with index.html (status 200, text/html, as Vite's dev and preview servers do), under a sub-path.
 * The loader asks only for what files.json lists, takes HTML for absent where no list exists, refuses
 * a required file that is a page, and drops HTML pages a hub cache kept from an earlier visit.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CheckpointError, readCheckpoint } from '../model/checkpoint.js';
import { manifestOfFolder } from '../model/checkpoint-node.js';
import { MANIFEST_FILE, parseFolderManifest } from '../model/folder-manifest.js';
import { memoryHubCache } from './cache.js';
import { hubCheckpointFs } from './download.js';
import { siteFolderFs } from './site-folder.js';

const PUBLIC_MODELS = resolve(import.meta.dirname, '../../public/models');
const INDEX_HTML = '<!doctype html>\n<html lang="en"><head><title>TabRL</title></head><body></body></html>\n';

/** The files of a shipped folder, as a Map. */
function shipped(name: string): Map<string, Uint8Array> {
  const dir = join(PUBLIC_MODELS, name);
  return new Map(readdirSync(dir).map((f) => [f, new Uint8Array(readFileSync(join(dir, f)))]));
}

/**
 * A static host with the single-page-app fallback: `files` under `/tabrl/models/NAME/`, index.html for
 * anything else. `htmlType` false serves the page as application/octet-stream (a host that guesses
 * types from the extension), so only its first bytes give it away. Every request is logged.
 */
function spaHost(name: string, files: Map<string, Uint8Array>, htmlType = true) {
  const requests: string[] = [];
  const prefix = `http://127.0.0.1:9/tabrl/models/${name}/`;
  const fetchFn = async (url: string) => {
    requests.push(url.startsWith(prefix) ? url.slice(prefix.length) : url);
    const file = url.startsWith(prefix) ? files.get(url.slice(prefix.length)) : undefined;
    if (file) return new Response(file.slice(), { headers: { 'content-type': 'application/octet-stream' } });
    return new Response(INDEX_HTML, {
      headers: { 'content-type': htmlType ? 'text/html; charset=utf-8' : 'application/octet-stream' },
    });
  };
  return { requests, fetchFn };
}

describe('shipped folders on static hosts', () => {
  it('each shipped folder has a files.json that lists exactly its files', async () => {
    for (const name of readdirSync(PUBLIC_MODELS)) {
      const dir = join(PUBLIC_MODELS, name);
      const listed = parseFolderManifest(new Uint8Array(readFileSync(join(dir, MANIFEST_FILE))));
      expect(listed, `${dir}/${MANIFEST_FILE}: run node --import tsx scripts/list-files.mts ${dir}`).toEqual(
        await manifestOfFolder(dir),
      );
    }
  });

  it('requests only the files files.json lists, under a sub-path, behind an index.html fallback', async () => {
    const host = spaHost('arithmetic-sft', shipped('arithmetic-sft'));
    const fs = siteFolderFs('http://127.0.0.1:9/tabrl/', '/models/arithmetic-sft', host.fetchFn);
    const ckpt = await readCheckpoint(fs);
    expect(ckpt.config.family).toBe('gpt2');
    expect(ckpt.trainerState).toBeNull();
    expect(ckpt.tokenizer).not.toBeNull();
    expect(host.requests.sort()).toEqual([
      'config.json',
      'files.json',
      'model.safetensors',
      'tokenizer.json',
      'tokenizer_config.json',
    ]);
  });

  it('without files.json, HTML pages in place of optional files count as absent (by type or by bytes)', async () => {
    for (const htmlType of [true, false]) {
      const files = shipped('arithmetic-sft');
      files.delete(MANIFEST_FILE);
      const host = spaHost('arithmetic-sft', files, htmlType);
      const ckpt = await readCheckpoint(
        siteFolderFs('http://127.0.0.1:9/tabrl/', 'models/arithmetic-sft', host.fetchFn),
      );
      expect(ckpt.trainerState, `htmlType ${htmlType}`).toBeNull();
      expect(ckpt.tokenizerConfig?.chat_template).toBeUndefined();
      expect(host.requests).toContain('trainer_state.safetensors'); // probed, and the page taken as absent
    }
  });

  it('a required file that is an HTML page is refused with the URL, the cause and what to do', async () => {
    const files = shipped('arithmetic-sft');
    files.delete(MANIFEST_FILE);
    files.delete('config.json');
    const host = spaHost('arithmetic-sft', files);
    const err = await readCheckpoint(
      siteFolderFs('http://127.0.0.1:9/tabrl/', '/models/arithmetic-sft', host.fetchFn),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckpointError);
    const first = (err as Error).message.split('\n')[0];
    expect(first).toContain('config.json (http://127.0.0.1:9/tabrl/models/arithmetic-sft/config.json)');
    expect(first).toMatch(/HTML page/);
    expect(first).toMatch(/check the model name or path/);
  });

  it('a listed file that arrives cut short is refused by name, with both sizes', async () => {
    const files = shipped('arithmetic-sft');
    const weights = files.get('model.safetensors') as Uint8Array;
    files.set('model.safetensors', weights.subarray(0, 1000));
    const host = spaHost('arithmetic-sft', files);
    await expect(
      readCheckpoint(siteFolderFs('http://127.0.0.1:9/tabrl/', '/models/arithmetic-sft', host.fetchFn)),
    ).rejects.toThrow(
      /model\.safetensors \(.*\): 1000 bytes arrived where files\.json lists 3227552 \(truncated\)/,
    );
  });

  it('a hub cache entry that is an HTML page (kept by an earlier visit) is dropped and fetched again', async () => {
    const files = shipped('arithmetic-sft');
    const base = 'http://127.0.0.1:9/hub';
    const cache = memoryHubCache();
    const url = (f: string) => `${base}/tiny/model/resolve/main/${f}`;
    await cache.put(url('config.json'), new TextEncoder().encode(INDEX_HTML));
    await cache.put(url('tokenizer.json'), new TextEncoder().encode(INDEX_HTML));
    const asked: string[] = [];
    const fetchFn = async (u: string) => {
      asked.push(u.slice(u.lastIndexOf('/') + 1));
      const f = files.get(u.slice(u.lastIndexOf('/') + 1));
      return f ? new Response(f.slice()) : new Response('missing', { status: 404 });
    };
    const ckpt = await readCheckpoint(
      hubCheckpointFs('tiny/model', { baseUrl: base, cache, fetch: fetchFn }),
    );
    expect(ckpt.config.family).toBe('gpt2');
    expect(asked).toContain('config.json');
    expect(asked).toContain('tokenizer.json');
    expect(new TextDecoder().decode((await cache.get(url('config.json'))) as Uint8Array)).toMatch(/^\{/);
  });

  it('a hub mirror that answers a missing file with a page has that file taken as absent, not cached', async () => {
    const files = shipped('arithmetic-sft');
    const cache = memoryHubCache();
    const fetchFn = async (u: string) => {
      const f = files.get(u.slice(u.lastIndexOf('/') + 1));
      return f
        ? new Response(f.slice())
        : new Response(INDEX_HTML, { headers: { 'content-type': 'text/html' } });
    };
    const ckpt = await readCheckpoint(
      hubCheckpointFs('tiny/model', { baseUrl: 'http://127.0.0.1:9/hub', cache, fetch: fetchFn }),
    );
    expect(ckpt.trainerState).toBeNull();
    for (const [key, bytes] of cache.entries)
      expect(new TextDecoder().decode(bytes), key).not.toMatch(/<html/);
  });
});
