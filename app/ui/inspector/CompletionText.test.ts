/**
 * Token shading on known tokens: log-prob mode darkens unlikely tokens (0 at log-prob 0, full at -4
 * and below), entropy mode uncertain ones (full at 3 nats), and the rendered spans carry exactly those
 * shades, each token as text (never HTML).
 */
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { SampledCompletion } from '../../../engine/train/session-types.js';
import { CompletionText, shadeOf } from './CompletionText.js';

const completion: SampledCompletion = {
  text: '4<b>2',
  reward: 1,
  rewards: {},
  advantage: 0.5,
  length: 3,
  truncated: false,
  tokens: [5, 6, 7],
  pieces: ['4', '<b>', '2'],
  logprobs: [0, -2, -9],
  entropies: [1.5, 0, 6],
};

describe('token shading', () => {
  it('log-prob and entropy modes on known tokens', () => {
    expect([0, 1, 2].map((i) => shadeOf(completion, i, 'logprob'))).toEqual([0, 0.5, 1]);
    expect([0, 1, 2].map((i) => shadeOf(completion, i, 'entropy'))).toEqual([0.5, 0, 1]);
    expect(shadeOf(completion, 1, 'none')).toBe(0);
  });

  it('renders one shaded span per token, as text', () => {
    const html = renderToStaticMarkup(createElement(CompletionText, { completion, shading: 'logprob' }));
    const alphas = [...html.matchAll(/rgba\(224, 122, 0, ([\d.]+)\)/g)].map((m) => Number(m[1]));
    expect(alphas).toEqual([0, 0.275, 0.55]); // shade × 0.55
    expect(html).toContain('&lt;b&gt;');
    expect(html).not.toContain('<b>');
    const plain = renderToStaticMarkup(createElement(CompletionText, { completion, shading: 'none' }));
    expect(plain).toBe('<span class="completion-text">4&lt;b&gt;2</span>');
  });

  it('prefix sampling: the forced prefix sits apart, styled and named for screen readers, shaded or not', () => {
    const prefixed = { ...completion, prefix_length: 2 };
    for (const shading of ['logprob', 'none'] as const) {
      const html = renderToStaticMarkup(createElement(CompletionText, { completion: prefixed, shading }));
      const forced = html.match(
        /<span class="forced-prefix" title="([^"]+)">(.*?)<span class="sr-only"> model wrote: <\/span>/,
      );
      expect(forced, html).not.toBeNull();
      expect(forced?.[1]).toContain('forced prefix');
      expect(html).toContain('<span class="sr-only">forced prefix: </span>');
      // the prefix holds '4' and '<b>'; '2' comes after "model wrote:"
      const [head, tail] = html.split('model wrote: ');
      expect(head).toContain('&lt;b&gt;');
      expect(tail).not.toContain('&lt;b&gt;');
      expect(tail).toContain('2');
    }
    // no prefix: exactly as before
    const none = renderToStaticMarkup(
      createElement(CompletionText, { completion: { ...completion, prefix_length: 0 }, shading: 'none' }),
    );
    expect(none).toBe('<span class="completion-text">4&lt;b&gt;2</span>');
  });
});
