/**
 * One completion as text, never as HTML: each token (its decoded `piece` when the trainer sends
 * pieces) is a React text node, shaded by its log-prob or its entropy on the inspector's toggle.
 * Without pieces the whole text is shown unshaded.
 */
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

export function CompletionText({
  completion,
  shading,
}: {
  completion: SampledCompletion;
  shading: TokenShading;
}) {
  const pieces = completion.pieces;
  if (!pieces || pieces.length === 0 || shading === 'none') {
    return <span className="completion-text">{completion.text}</span>;
  }
  return (
    <span className="completion-text">
      {pieces.map((piece, i) => {
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
      })}
    </span>
  );
}
