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
});
