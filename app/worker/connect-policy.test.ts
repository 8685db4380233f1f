import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONNECT_HOSTS, connectAllowed, policedFetch } from './connect-policy';

const SELF = 'http://127.0.0.1:4173';

describe('the engine worker connect policy', () => {
  it("is index.html's connect-src", () => {
    const html = readFileSync(resolve(import.meta.dirname, '../../index.html'), 'utf8');
    const csp = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1] ?? '';
    const connect = csp
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .find((d) => d[0] === 'connect-src');
    expect(connect?.slice(1)).toEqual(["'self'", ...CONNECT_HOSTS]);
  });

  it('allows this site, the hub and its download hosts; refuses other hosts, schemes and ports', () => {
    const ok = (u: string) => connectAllowed(new URL(u, SELF), SELF);
    expect(ok('/datasets/x.jsonl')).toBe(true);
    expect(ok('http://127.0.0.1:4173/tabrl/ort/x.wasm')).toBe(true);
    expect(ok('https://huggingface.co/org/name/resolve/main/config.json')).toBe(true);
    expect(ok('https://cdn-lfs.huggingface.co/repos/x')).toBe(true);
    expect(ok('https://cas-bridge.xethub.hf.co/x')).toBe(true);
    expect(ok('https://hf.co/x')).toBe(false); // *.hf.co does not match hf.co itself
    expect(ok('http://huggingface.co/x')).toBe(false);
    expect(ok('https://huggingface.co.evil.test/x')).toBe(false);
    expect(ok('https://evilhf.co/x')).toBe(false);
    expect(ok('https://huggingface.co:8443/x')).toBe(false);
    expect(ok('http://127.0.0.1:9999/x')).toBe(false);
    expect(ok('https://example.com/data.jsonl')).toBe(false);
  });

  it('refuses before any request and says why; passes allowed requests through', async () => {
    const seen: string[] = [];
    const inner = (async (input: RequestInfo | URL) => {
      seen.push(String(input));
      return new Response('ok');
    }) as typeof fetch;
    const f = policedFetch(inner, SELF);
    await expect(f('https://example.com/x.jsonl')).rejects.toThrow(
      /https:\/\/example.com is not an allowed host: the lab reads only from its own site and the Hugging Face hub/,
    );
    expect(seen).toEqual([]);
    expect(await (await f(`${SELF}/datasets/x.jsonl`)).text()).toBe('ok');
    expect(seen).toEqual([`${SELF}/datasets/x.jsonl`]);
  });
});
