/**
 * The preset cards, first thing in the setup: what each shows and the paper behind it. On narrow
 * screens (styles.css) the list becomes one row that scrolls sideways, each description cut to a few
 * lines with a More button, so Start and the charts stay on the first screen below it.
 */
import { useEffect, useRef, useState } from 'react';
import { PRESETS, type Preset } from '../../../engine/config/index.js';
import { useConfigStore } from '../../state/config-store.js';

function PresetCard({ preset, chosen, onUse }: { preset: Preset; chosen: boolean; onUse: () => void }) {
  const [expanded, setExpanded] = useState(false);
  const descriptionId = `preset-${preset.name}-description`;
  return (
    <li className={`preset card${chosen ? ' chosen' : ''}`} data-preset={preset.name}>
      <h3>{preset.title}</h3>
      <p id={descriptionId} className={expanded ? 'expanded' : undefined}>
        {preset.description}
      </p>
      <div className="preset-foot">
        {preset.paper && (
          <a href={preset.paper.url} target="_blank" rel="noreferrer" title={preset.paper.title}>
            Paper<span className="sr-only">: {preset.paper.title}</span>
          </a>
        )}
        <button
          type="button"
          className="preset-more"
          aria-expanded={expanded}
          aria-controls={descriptionId}
          onClick={() => setExpanded(!expanded)}
        >
          {expanded ? 'Less' : 'More'}
          <span className="sr-only"> about {preset.title}</span>
        </button>
        <button type="button" aria-pressed={chosen} onClick={onUse}>
          {chosen ? 'In use' : 'Use'}
          <span className="sr-only"> preset {preset.title}</span>
        </button>
      </div>
    </li>
  );
}

export function PresetGallery() {
  const presetName = useConfigStore((s) => s.presetName);
  const choosePreset = useConfigStore((s) => s.choosePreset);
  const listRef = useRef<HTMLUListElement>(null);
  // where the list scrolls sideways (narrow screens), open it at the card in use, not at the first
  useEffect(() => {
    const list = listRef.current;
    const chosen = list?.querySelector<HTMLElement>('.preset.chosen');
    if (list && chosen && list.scrollWidth > list.clientWidth)
      list.scrollLeft = chosen.offsetLeft - list.offsetLeft - 12;
  }, []);
  return (
    <section className="presets" aria-labelledby="presets-title">
      <h2 id="presets-title">Presets</h2>
      <ul className="preset-list" ref={listRef}>
        {PRESETS.map((p) => (
          <PresetCard
            key={p.name}
            preset={p}
            chosen={p.name === presetName}
            onUse={() => choosePreset(p.name)}
          />
        ))}
      </ul>
    </section>
  );
}
