/** Messages for the user that outlive a click: a refused share link, a full storage quota. */
import { useUiStore } from '../state/ui-store.js';

export function Notices() {
  const notices = useUiStore((s) => s.notices);
  const dismiss = useUiStore((s) => s.dismiss);
  if (notices.length === 0) return null;
  return (
    <div className="notices">
      {notices.map((n) => (
        <section
          key={n.id}
          className={`card notice ${n.kind}`}
          role={n.kind === 'error' ? 'alert' : 'status'}
          aria-label={n.title}
          data-testid={`notice-${n.kind}`}
        >
          <h2>{n.title}</h2>
          <p>{n.text}</p>
          <button type="button" onClick={() => dismiss(n.id)}>
            Dismiss<span className="sr-only"> {n.title}</span>
          </button>
        </section>
      ))}
    </div>
  );
}
