/**
 * Shown when a share link's config carries reward code: the code itself, in full, and a choice. The
 * code runs (in training or in a test) only after Accept; Decline loads the rest of the config. The
 * native modal <dialog> makes the page behind it inert, and Start stays disabled until a choice.
 */
import { useEffect, useRef } from 'react';
import { useConsentStore } from '../state/consent-store.js';

export function ConsentDialog() {
  const pending = useConsentStore((s) => s.pending);
  const accept = useConsentStore((s) => s.accept);
  const decline = useConsentStore((s) => s.decline);
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (pending && dialog && !dialog.open) dialog.showModal();
    if (!pending && dialog?.open) dialog.close();
  }, [pending]);
  if (!pending) return null;
  return (
    <dialog
      ref={ref}
      className="card consent"
      aria-labelledby="consent-title"
      aria-describedby="consent-text"
      onCancel={(e) => e.preventDefault()}
    >
      <h2 id="consent-title">This link contains reward code</h2>
      <p id="consent-text">
        The shared configuration scores answers with JavaScript written by whoever made the link. It would run
        in a sandboxed worker of this tab, without network access or access to the page, and nothing runs
        until you accept. Read it first:
      </p>
      {pending.reward_code.map((c) => (
        <figure key={c.name} className="consent-code">
          <figcaption>
            <code>{c.name}</code>
            {pending.reward_funcs.includes(c.name) ? ' (used in reward_funcs)' : ' (declared, not used)'}
          </figcaption>
          <pre className="mono" data-testid="consent-code">
            {c.source}
          </pre>
        </figure>
      ))}
      <div className="buttons">
        <button type="button" className="primary" onClick={accept}>
          Accept
        </button>
        <button type="button" onClick={decline}>
          Decline
        </button>
      </div>
    </dialog>
  );
}
