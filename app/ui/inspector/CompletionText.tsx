/**
 * One completion as text, never as HTML: each token (its decoded `piece` when the trainer sends
 * pieces) is a React text node, shaded by its log-prob or its entropy on the inspector's toggle.
 * Without pieces the whole text is shown unshaded. Under prefix sampling the first `prefix_length`
 * tokens were the gold completion's, forced: they sit in a `.forced-prefix` span (another style, a
 * tooltip, and "forced prefix:" / "model wrote:" for screen readers), apart from what the model wrote.
 */
import type { ReactNode } from 'react';
import type { SampledCompletion } from '../../../engine/train/session-types.js';
import type { TokenShading } from '../../state/ui-store.js';

/** 0..1 darkness: unlikely tokens (low log-prob) and uncertain ones (high entropy) are darker. */
export function shadeOf(c: SampledCompletion, i: number, shading: TokenShading): number {
  switch (shading) {
    case 'logprob':
      return Math.min(1, Math.max(0, -(c.logprobs[i] ?? 0) / 4));
    case 'entropy':
      return Math.min(1, Math.max(0, (c.entropies[i] ?? 0) / 3));
    case 'none':
      return 0;
    default:
      return shading satisfies never;
  }
}

const FORCED_TITLE = "forced prefix: the gold completion's tokens, not written by the model";

/** The forced prefix, then what the model wrote; `rest` alone when the completion has no prefix. */
function withPrefix(prefix: ReactNode, rest: ReactNode, length: number): ReactNode {
  if (length <= 0) return rest;
  return (
    <>
      <span className="forced-prefix" title={FORCED_TITLE}>
        <span className="sr-only">forced prefix: </span>
        {prefix}
      </span>
      <span className="sr-only"> model wrote: </span>
      {rest}
    </>
  );
}

export function CompletionText({
  completion,
  shading,
}: {
  completion: SampledCompletion;
  shading: TokenShading;
}) {
  const pieces = completion.pieces;
  const forced = completion.prefix_length ?? 0;
  const hasPieces = Boolean(pieces && pieces.length > 0);
  if (!pieces || !hasPieces || shading === 'none') {
    // the prefix's text is its pieces' text; without pieces it cannot be told apart
    const head = hasPieces ? (pieces ?? []).slice(0, forced).join('') : '';
    const split = hasPieces && forced > 0 && completion.text.startsWith(head);
    return (
      <span className="completion-text">
        {split ? withPrefix(head, completion.text.slice(head.length), forced) : completion.text}
      </span>
    );
  }
  const spans = pieces.map((piece, i) => {
    const shade = shadeOf(completion, i, shading);
    const title = `log-prob ${(completion.logprobs[i] ?? Number.NaN).toFixed(2)}, entropy ${(completion.entropies[i] ?? Number.NaN).toFixed(2)}`;
    return (
      <span
        // biome-ignore lint/suspicious/noArrayIndexKey: tokens are positional and never reordered.
        key={i}
        className="tok"
        title={title}
        style={{ backgroundColor: `rgba(224, 122, 0, ${(shade * 0.55).toFixed(3)})` }}
      >
        {piece}
      </span>
    );
  });
  return (
    <span className="completion-text">{withPrefix(spans.slice(0, forced), spans.slice(forced), forced)}</span>
  );
}
