/**
 * The first thing in the setup column: Presets and the Experiments gallery as two tabs (WAI-ARIA
 * tabs: arrow keys, Home and End move between them). A share link of an experiment opens the second.
 */
import { type KeyboardEvent, useRef } from 'react';
import { type SetupTab, useUiStore } from '../../state/ui-store.js';
import { ExperimentGallery } from '../experiments/ExperimentGallery.js';
import { PresetGallery } from './PresetGallery.js';

const TABS: { id: SetupTab; label: string }[] = [
  { id: 'presets', label: 'Presets' },
  { id: 'experiments', label: 'Experiments' },
];

export function SetupTabs() {
  const tab = useUiStore((s) => s.setupTab);
  const setTab = useUiStore((s) => s.setSetupTab);
  const refs = useRef<(HTMLButtonElement | null)[]>([]);
  const onKey = (e: KeyboardEvent) => {
    // from the tab with focus (the selected one, unless the mouse moved focus elsewhere)
    const focused = refs.current.indexOf(document.activeElement as HTMLButtonElement | null);
    const i = focused >= 0 ? focused : TABS.findIndex((t) => t.id === tab);
    const to =
      e.key === 'ArrowRight'
        ? (i + 1) % TABS.length
        : e.key === 'ArrowLeft'
          ? (i + TABS.length - 1) % TABS.length
          : e.key === 'Home'
            ? 0
            : e.key === 'End'
              ? TABS.length - 1
              : -1;
    if (to < 0) return;
    e.preventDefault();
    setTab(TABS[to].id);
    refs.current[to]?.focus();
  };
  return (
    <div className="setup-tabs">
      <div role="tablist" aria-label="Start from" className="tablist" onKeyDown={onKey}>
        {TABS.map((t, i) => (
          <button
            key={t.id}
            ref={(el) => {
              refs.current[i] = el;
            }}
            type="button"
            role="tab"
            id={`setup-tab-${t.id}`}
            aria-selected={tab === t.id}
            aria-controls={`setup-panel-${t.id}`}
            tabIndex={tab === t.id ? 0 : -1}
            onClick={() => setTab(t.id)}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`setup-panel-${tab}`} aria-labelledby={`setup-tab-${tab}`}>
        {tab === 'presets' ? <PresetGallery /> : <ExperimentGallery />}
      </div>
    </div>
  );
}
