import { deflateSync, strToU8 } from 'fflate';
import { describe, expect, it } from 'vitest';
import {
  base64UrlToBytes,
  bytesToBase64Url,
  decodeSharePayload,
  encodeSharePayload,
  MAX_SHARE_CHARS,
  SHARE_SCHEMA_VERSION,
} from './codec.js';
import { buildShareUrl, hubBaseUrl, readLabUrlFlags } from './fragment.js';

const encodeRaw = (value: unknown) => bytesToBase64Url(deflateSync(strToU8(JSON.stringify(value))));

describe('share codec', () => {
  it('round-trips a config and its kernel variants exactly', () => {
    const config = { preset: 'smoke', seed: 1234567, learning_rate: 3e-4, nested: { a: [1, 2, 3] } };
    const variants = { 'matmul:8x128x32': 'rowwise', 'softmax:64x32': 'onepass' };
    const encoded = encodeSharePayload(config, variants);
    expect(encoded).toMatch(/^[A-Za-z0-9_-]+$/);
    const decoded = decodeSharePayload(encoded);
    expect(decoded).toEqual({
      ok: true,
      payload: { v: SHARE_SCHEMA_VERSION, config, kernel_variants: variants },
    });
  });

  it('base64url round-trips every byte value and lengths 0..5', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    expect(Array.from(base64UrlToBytes(bytesToBase64Url(all)))).toEqual(Array.from(all));
    for (let n = 0; n <= 5; n++) {
      const bytes = all.subarray(250, 250 + n);
      expect(Array.from(base64UrlToBytes(bytesToBase64Url(bytes)))).toEqual(Array.from(bytes));
    }
  });

  it('refuses malformed links with a message that says what is wrong', () => {
    const cases: [string, RegExp][] = [
      ['', /empty/],
      ['abc$%', /malformed.*characters/],
      ['AAAAAAAA', /malformed/],
      [bytesToBase64Url(deflateSync(strToU8('not json{'))), /not JSON/],
      [encodeRaw([1, 2]), /not an object/],
      [encodeRaw({ v: 99, config: {} }), /schema version 99.*reads version 1/],
      [encodeRaw({ config: {} }), /schema version undefined/],
      [encodeRaw({ v: 1 }), /no run configuration/],
      [encodeRaw({ v: 1, config: {}, kernel_variants: { a: 3 } }), /kernel_variants/],
    ];
    for (const [text, why] of cases) {
      const r = decodeSharePayload(text);
      if (r.ok) throw new Error(`accepted ${JSON.stringify(text)}`);
      expect(r.error, `for ${JSON.stringify(text)}`).toMatch(why);
    }
  });

  it('refuses links over 32 KB before decoding, and deflate bombs after 256 KB', () => {
    const long = 'A'.repeat(MAX_SHARE_CHARS + 1);
    const r = decodeSharePayload(long);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/too long \(32769 characters/);
    const bomb = encodeRaw({ v: 1, config: { pad: 'x'.repeat(400_000) } });
    expect(bomb.length).toBeLessThan(MAX_SHARE_CHARS);
    const b = decodeSharePayload(bomb);
    expect(b.ok).toBe(false);
    if (!b.ok) expect(b.error).toMatch(/more than 256 KB/);
  });
});

describe('lab URL flags', () => {
  it('reads c=, hide= and presenter from the fragment or the query', () => {
    expect(readLabUrlFlags('#c=abc_-&hide=algorithm,learning_rate')).toEqual({
      share: 'abc_-',
      hide: ['algorithm', 'learning_rate'],
      presenter: false,
      hub: null,
    });
    expect(readLabUrlFlags('', '?hide=presets&presenter=1')).toEqual({
      share: null,
      hide: ['presets'],
      presenter: true,
      hub: null,
    });
    expect(readLabUrlFlags('#presenter=0', '?presenter=1').presenter).toBe(false);
  });

  it('hub= names a hub mirror, resolved against the page; only http(s)', () => {
    const page = 'http://127.0.0.1:4173/tabrl/';
    expect(hubBaseUrl(readLabUrlFlags('', '?hub=hub/').hub, page)).toBe('http://127.0.0.1:4173/tabrl/hub');
    expect(hubBaseUrl(readLabUrlFlags('#hub=https://hf-mirror.com', '').hub, page)).toBe(
      'https://hf-mirror.com',
    );
    expect(hubBaseUrl(readLabUrlFlags('', '?hub=javascript:alert(1)').hub, page)).toBe(null);
    expect(hubBaseUrl(null, page)).toBe(null);
  });

  it('builds a link that keeps the page path (sub-paths included) and drops the old fragment', () => {
    const url = buildShareUrl('https://example.org/tabrl/?x=1#c=old', 'NEW', ['lr']);
    expect(url).toBe('https://example.org/tabrl/?x=1#c=NEW&hide=lr');
    const back = readLabUrlFlags(new URL(url).hash, new URL(url).search);
    expect(back.share).toBe('NEW');
    expect(back.hide).toEqual(['lr']);
  });
});
