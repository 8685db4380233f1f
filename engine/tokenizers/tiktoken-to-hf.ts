/**
 * Builds a Hugging Face byte-level BPE tokenizer.json from tiktoken's BPE ranks (as the npm package
 * js-tiktoken ships them), so tests can check our HF loading against tiktoken's ids without downloading
 * anything. Merges are recovered the way tiktoken's own converter does: each multi-byte token's merge is
 * the pair left when BPE runs on its bytes using only lower ranks.
 */

/** GPT-2's bytes_to_unicode: printable bytes map to themselves, the rest to U+0100 onwards. */
export function bytesToUnicode(): string[] {
  const table: string[] = new Array(256);
  let n = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    table[b] = String.fromCodePoint(printable ? b : 256 + n++);
  }
  return table;
}

/** tiktoken's compressed rank text ("<first> <offset> <b64> <b64> ..." lines) -> token bytes by rank. */
export function parseTiktokenRanks(bpeRanks: string): Uint8Array[] {
  const byRank: Uint8Array[] = [];
  for (const line of bpeRanks.split('\n')) {
    if (!line) continue;
    const [, offsetText, ...tokens] = line.split(' ');
    const offset = Number.parseInt(offsetText, 10);
    tokens.forEach((b64, i) => {
      byRank[offset + i] = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    });
  }
  return byRank;
}

/** The two parts BPE leaves when merging `bytes` with ranks below `maxRank` (null if not exactly two). */
function lastMerge(
  bytes: Uint8Array,
  ranks: Map<string, number>,
  maxRank: number,
): [Uint8Array, Uint8Array] | null {
  let parts: Uint8Array[] = Array.from(bytes, (b) => Uint8Array.of(b));
  while (parts.length > 1) {
    let best = -1;
    let bestRank = maxRank;
    for (let i = 0; i + 1 < parts.length; i++) {
      const r = ranks.get(key(concat(parts[i], parts[i + 1])));
      if (r !== undefined && r < bestRank) {
        bestRank = r;
        best = i;
      }
    }
    if (best < 0) break;
    parts = [...parts.slice(0, best), concat(parts[best], parts[best + 1]), ...parts.slice(best + 2)];
  }
  return parts.length === 2 ? [parts[0], parts[1]] : null;
}

const key = (b: Uint8Array) => b.join(',');
function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

export interface ByteLevelLayout {
  /** GPT-2: the ByteLevel pre-tokenizer with its built-in regex. Qwen2/cl100k: a Split regex, then ByteLevel without regex. */
  splitRegex?: string;
}

/** An HF tokenizer.json for a tiktoken byte-level BPE encoding. */
export function tiktokenToHfJson(
  encoding: { bpe_ranks: string; special_tokens: Record<string, number> },
  layout: ByteLevelLayout = {},
): Record<string, unknown> {
  const byRank = parseTiktokenRanks(encoding.bpe_ranks);
  const ranks = new Map<string, number>();
  byRank.forEach((b, r) => {
    if (b) ranks.set(key(b), r);
  });
  const u = bytesToUnicode();
  const text = (b: Uint8Array) => Array.from(b, (x) => u[x]).join('');
  const vocab: Record<string, number> = {};
  const merges: [string, string][] = [];
  byRank.forEach((b, rank) => {
    if (!b) return;
    vocab[text(b)] = rank;
    if (b.length < 2) return;
    const pair = lastMerge(b, ranks, rank);
    if (!pair) throw new Error(`tiktoken rank ${rank}: no merge produces it`);
    merges.push([text(pair[0]), text(pair[1])]);
  });
  const byteLevel = {
    type: 'ByteLevel',
    add_prefix_space: false,
    trim_offsets: true,
    use_regex: !layout.splitRegex,
  };
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: Object.entries(encoding.special_tokens).map(([content, id]) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: null,
    pre_tokenizer: layout.splitRegex
      ? {
          type: 'Sequence',
          pretokenizers: [
            { type: 'Split', pattern: { Regex: layout.splitRegex }, behavior: 'Isolated', invert: false },
            byteLevel,
          ],
        }
      : byteLevel,
    post_processor: { ...byteLevel, trim_offsets: false },
    decoder: { ...byteLevel, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges,
    },
  };
}
