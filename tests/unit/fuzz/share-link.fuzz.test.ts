/**
 * Share links (`#c=...`) fuzzed along the path a link takes in the lab and the CLI: the fragment's
 * flags, decodeSharePayload, then parseRunConfig on the config it carries. Refusals are
 * `{ok: false, error(s)}` with messages; the CLI's configFromShareLink may throw only its own
 * `--config: ...` Error. Inputs: random text and bytes, deflated random JSON, and every preset's
 * valid link truncated, spliced, with its compressed bytes flipped, or its JSON given wrong values.
 */

import fc from 'fast-check';
import { deflateSync, strToU8 } from 'fflate';
import { describe, expect, it } from 'vitest';
import { readLabUrlFlags } from '../../../app/share/fragment.js';
import { configFromShareLink } from '../../../cli/lib/share.js';
import { PRESETS, parseRunConfig, presetConfig } from '../../../engine/config/index.js';
import {
  bytesToBase64Url,
  decodeSharePayload,
  encodeSharePayload,
  SHARE_SCHEMA_VERSION,
} from '../../../engine/config/share-link.js';
import { family, fuzzParser, fuzzTimeout, type Outcome, refusedWith } from './harness.js';
import { mutatedBytes, mutatedJsonText, randomText, splicedText } from './mutate.js';

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const linkOfText = (text: string) => bytesToBase64Url(deflateSync(strToU8(text)));

/** What the lab does with a fragment (app/share/share-actions.ts applyUrlFlags, without the stores). */
function openInLab(hash: string): Outcome {
  const flags = readLabUrlFlags(hash);
  const decoded = decodeSharePayload(flags.share ?? '');
  if (!decoded.ok) return refusedWith(decoded.error);
  const config = decoded.payload.config as Record<string, unknown>;
  const variants = {
    ...((config.kernel_variants as Record<string, string> | undefined) ?? {}),
    ...decoded.payload.kernel_variants,
  };
  const parsed = parseRunConfig({ ...config, kernel_variants: variants });
  return parsed.ok ? 'parsed' : refusedWith(parsed.errors);
}

/** What `tabrl train --config <link>` does with it. */
function openInCli(link: string): Outcome {
  let config: unknown;
  try {
    config = configFromShareLink(`https://example.org/tabrl/#c=${link}`);
  } catch (e) {
    if (e instanceof Error && e.constructor === Error && e.message.startsWith('--config: ')) return 'refused';
    throw e;
  }
  const parsed = parseRunConfig(config);
  return parsed.ok ? 'parsed' : refusedWith(parsed.errors);
}

const payloads = PRESETS.map((p) => ({
  v: SHARE_SCHEMA_VERSION,
  config: presetConfig(p.name),
  kernel_variants: { 'matmul:8x128x32': 'tiled16' },
}));
const validLinks = payloads.map((p) => encodeSharePayload(p.config, p.kernel_variants));

const links = fc.oneof(
  family('random text', randomText()),
  family('random base64url', fc.string({ unit: fc.constantFrom(...B64URL), maxLength: 4000 })),
  family('random bytes, base64url', fc.uint8Array({ maxLength: 3000 }).map(bytesToBase64Url)),
  family('deflated random JSON', fc.json({ maxDepth: 5 }).map(linkOfText)),
  family(
    'valid link truncated',
    fc.tuple(fc.constantFrom(...validLinks), fc.nat()).map(([l, n]) => l.slice(0, n % l.length)),
  ),
  family(
    'valid link spliced',
    fc.constantFrom(...validLinks).chain((l) => splicedText(l, [...B64URL])),
  ),
  family(
    'valid link, deflate bytes mutated',
    fc
      .constantFrom(...validLinks.map((l) => Buffer.from(l, 'base64url')))
      .chain((b) => mutatedBytes(new Uint8Array(b)))
      .map(bytesToBase64Url),
  ),
  family('valid payload, JSON fields mutated', fc.oneof(...payloads.map(mutatedJsonText)).map(linkOfText)),
);

describe('fuzz: share links', () => {
  it(
    'every link opens in the lab and the CLI or is refused with a message',
    () => {
      let disagree = 0;
      const report = fuzzParser('share link', links, (link) => {
        const lab = openInLab(`#c=${link}&hide=x`);
        if (openInCli(link) !== lab) disagree++;
        return lab;
      });
      // the lab merges config.kernel_variants under the envelope's, the CLI takes the envelope's alone
      console.log(`fuzz share link: the lab and the CLI disagreed on ${disagree} links`);
      expect(report.families['valid payload, JSON fields mutated'].parsed).toBeGreaterThan(0);
    },
    fuzzTimeout(),
  );

  it('regression: a config nested 20,000 levels deep is refused, not a stack overflow', () => {
    const deep = '['.repeat(20_000) + ']'.repeat(20_000);
    const r = decodeSharePayload(linkOfText(`{"v":1,"config":{"seed":${deep}},"kernel_variants":{}}`));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const parsed = parseRunConfig(r.payload.config);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.errors[0]).toMatch(/nested more than \d+ levels/);
  });

  it('regression: a schema version nested 20,000 deep is refused with a message (was a RangeError, found at 100,000 cases)', () => {
    const deep = '['.repeat(20_000) + ']'.repeat(20_000);
    const r = decodeSharePayload(linkOfText(`{"v":${deep},"config":{}}`));
    expect(r).toEqual({
      ok: false,
      error: expect.stringMatching(/schema version \(a value nested more than 64/),
    });
  });
});
