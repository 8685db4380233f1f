/** The preset cards, first thing in the config panel: what each shows and the paper behind it. */
import { PRESETS } from '../../../engine/config/index.js';
import { useConfigStore } from '../../state/config-store.js';

export function PresetGallery() {
  const presetName = useConfigStore((s) => s.presetName);
  const choosePreset = useConfigStore((s) => s.choosePreset);
  return (
    <section className="presets" aria-labelledby="presets-title">
      <h2 id="presets-title">Presets</h2>
      <ul className="preset-list">
        {PRESETS.map((p) => (
          <li
            key={p.name}
            className={`preset card${p.name === presetName ? ' chosen' : ''}`}
            data-preset={p.name}
          >
            <h3>{p.title}</h3>
            <p>{p.description}</p>
            <div className="preset-foot">
              {p.paper && (
                <a href={p.paper.url} target="_blank" rel="noreferrer" title={p.paper.title}>
                  Paper<span className="sr-only">: {p.paper.title}</span>
                </a>
              )}
              <button type="button" aria-pressed={p.name === presetName} onClick={() => choosePreset(p.name)}>
                {p.name === presetName ? 'In use' : 'Use'}
                <span className="sr-only"> preset {p.title}</span>
              </button>
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}
