import { describe, expect, it } from 'vitest';
import { datasetUrl, fetchDatasetRows } from './dataset-source.js';

const SITE = 'http://127.0.0.1:5173/tabrl/';

/** A fetch that answers from a table of URL -> [status, body] and records what was asked. */
function fakeFetch(table: Record<string, [number, string]>) {
  const asked: string[] = [];
  const fn = (async (input: RequestInfo | URL) => {
    const url = String(input);
    asked.push(url);
    const hit = table[url];
    if (!hit) throw new TypeError('Failed to fetch');
    return new Response(hit[1], { status: hit[0] });
  }) as typeof fetch;
  return { fn, asked };
}

describe('dataset sources the worker fetches', () => {
  it('resolves site paths under the site (sub-path kept) and http(s) URLs as written', () => {
    expect(datasetUrl('/datasets/x.jsonl', SITE)?.href).toBe(`${SITE}datasets/x.jsonl`);
    expect(datasetUrl('datasets/x.jsonl', SITE)?.href).toBe(`${SITE}datasets/x.jsonl`);
    expect(datasetUrl('https://example.org/d.jsonl', SITE)?.href).toBe('https://example.org/d.jsonl');
    expect(datasetUrl('local:x.jsonl', SITE)).toBeNull();
    expect(() => datasetUrl('file:///etc/passwd', SITE)).toThrow(/only http\(s\) URLs/);
  });

  it('fetches and parses rows; says what went wrong otherwise', async () => {
    const { fn, asked } = fakeFetch({
      [`${SITE}datasets/ok.jsonl`]: [200, '{"prompt":"1+1=","answer":2}\n{"prompt":"a","answer":"b"}\n'],
      [`${SITE}datasets/bad.jsonl`]: [200, '{"prompt":"1+1=","answer":2}\noops\n'],
      [`${SITE}datasets/gone.jsonl`]: [404, 'not found'],
      [`${SITE}datasets/page.jsonl`]: [200, '<!doctype html>\n<html><body>the app</body></html>'],
    });
    expect(await fetchDatasetRows('/datasets/ok.jsonl', SITE, fn)).toEqual([
      { prompt: '1+1=', answer: '2' },
      { prompt: 'a', answer: 'b' },
    ]);
    expect(asked).toEqual([`${SITE}datasets/ok.jsonl`]);
    await expect(fetchDatasetRows('/datasets/bad.jsonl', SITE, fn)).rejects.toThrow(
      /dataset \/datasets\/bad.jsonl: 1 bad line: line 2: not valid JSON/,
    );
    await expect(fetchDatasetRows('/datasets/gone.jsonl', SITE, fn)).rejects.toThrow(
      `dataset /datasets/gone.jsonl: ${SITE}datasets/gone.jsonl answered HTTP 404. Check the file's name`,
    );
    await expect(fetchDatasetRows('/datasets/page.jsonl', SITE, fn)).rejects.toThrow(
      `dataset /datasets/page.jsonl (${SITE}datasets/page.jsonl): an HTML page arrived instead of the JSONL dataset. Static hosts`,
    );
    await expect(fetchDatasetRows('https://elsewhere.org/d.jsonl', SITE, fn)).rejects.toThrow(
      /could not fetch https:\/\/elsewhere.org\/d.jsonl \(Failed to fetch\).*Content-Security-Policy/,
    );
    await expect(fetchDatasetRows('local:mine.jsonl', SITE, fn)).rejects.toThrow(
      /dataset mine.jsonl: the file stays on the machine it was dropped on/,
    );
  });
});
