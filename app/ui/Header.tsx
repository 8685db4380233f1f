/** The TabRL header: name, one-line promise, view switches (guide, presenter mode), the adapter in use. */
import { useLabStore } from '../state/store.js';
import { useUiStore } from '../state/ui-store.js';

export function Header() {
  const gpu = useLabStore((s) => s.gpu);
  const presenter = useUiStore((s) => s.presenter);
  const setPresenter = useUiStore((s) => s.setPresenter);
  const view = useUiStore((s) => s.view);
  const setView = useUiStore((s) => s.setView);
  const adapter =
    gpu.kind === 'ready' ? [gpu.facts.vendor, gpu.facts.architecture].filter(Boolean).join(' · ') : null;
  return (
    <header className="header">
      <div className="brand">
        <svg viewBox="0 0 32 32" width="28" height="28" aria-hidden="true">
          <rect width="32" height="32" rx="6" fill="#1d3557" />
          <path
            d="M6 24 L12 14 L17 19 L26 7"
            stroke="#f1c453"
            strokeWidth="3"
            fill="none"
            strokeLinecap="round"
          />
        </svg>
        <h1>TabRL</h1>
        {!presenter && (
          <span className="tagline">
            reinforcement fine-tuning of language models, in this tab, on your GPU
          </span>
        )}
      </div>
      <nav className="header-nav" aria-label="Views">
        <button
          type="button"
          aria-pressed={view === 'guide'}
          onClick={() => setView(view === 'guide' ? 'lab' : 'guide')}
        >
          Teacher's guide
        </button>
        <button type="button" aria-pressed={presenter} onClick={() => setPresenter(!presenter)}>
          Presenter mode
        </button>
      </nav>
      <p className="header-gpu">
        <span className="sr-only">GPU in use: </span>
        {adapter ?? (gpu.kind === 'probing' ? 'probing GPU…' : 'no GPU')}
      </p>
    </header>
  );
}
