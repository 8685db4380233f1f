/**
 * The lab's frame: header, notices, GPU status, then the workspace: presets (and the experiments
 * gallery beside them) and config on the left; run controls, the experiment in view, charts,
 * inspector, try panel and runs on the right. Presenter mode keeps only the controls, four charts and the inspector; URL `hide=` flags can drop whole panels too. On narrow
 * screens (one column) the presets become a sideways strip and the config folds into a closed
 * disclosure, so Start and the first charts are on the first screen of a phone or tablet.
 */

import { type ReactNode, useState } from 'react';
import { useConfigStore } from '../state/config-store.js';
import { useLabStore } from '../state/store.js';
import { useUiStore } from '../state/ui-store.js';
import { AdapterPanel } from './AdapterPanel.js';
import { ConsentDialog } from './ConsentDialog.js';
import { ChartGrid } from './charts/ChartGrid.js';
import { ConfigPanel } from './config/ConfigPanel.js';
import { SetupTabs } from './config/SetupTabs.js';
import { ExperimentPanel } from './experiments/ExperimentPanel.js';
import { Header } from './Header.js';
import { NARROW_SCREEN, useMediaQuery } from './hooks/useMediaQuery.js';
import { GroupInspector } from './inspector/GroupInspector.js';
import { ModelExports } from './ModelExports.js';
import { ModelPanel } from './ModelPanel.js';
import { Notices } from './Notices.js';
import { NoWebGpu } from './NoWebGpu.js';
import { RunControls } from './RunControls.js';
import { RunList } from './runs/RunList.js';
import { ShareButton } from './ShareButton.js';
import { TeacherGuide } from './TeacherGuide.js';
import { TryPanel } from './TryPanel.js';

function GpuStatus() {
  const gpu = useLabStore((s) => s.gpu);
  switch (gpu.kind) {
    case 'probing':
      return (
        <section className="card" aria-busy="true" aria-live="polite">
          <h2>Looking for a GPU…</h2>
          <div
            className="progress indeterminate"
            role="progressbar"
            aria-label="Requesting a WebGPU adapter"
          />
        </section>
      );
    case 'ready':
      return null;
    case 'unavailable':
      return <NoWebGpu detail={gpu.message} />;
    case 'error':
      return (
        <section className="card error" role="alert">
          <h2>The GPU engine stopped</h2>
          <p>{gpu.message}</p>
          <p>Reload the page to try again. Nothing you saved is lost.</p>
        </section>
      );
    default:
      return gpu satisfies never;
  }
}

/** Config and model panels: always open on wide screens (no summary shown), closed at first on narrow ones. */
function SetupDisclosure({ children }: { children: ReactNode }) {
  const narrow = useMediaQuery(NARROW_SCREEN);
  const [openWhenNarrow, setOpenWhenNarrow] = useState(false);
  const toFix = useConfigStore((s) => s.errors.length);
  return (
    <details
      className="setup-details"
      open={!narrow || openWhenNarrow}
      onToggle={(e) => narrow && setOpenWhenNarrow(e.currentTarget.open)}
    >
      <summary>
        Configuration and model
        {toFix > 0 && <span className="setup-to-fix"> ({toFix} to fix)</span>}
      </summary>
      <div className="setup-details-body">{children}</div>
    </details>
  );
}

export function App() {
  const gpu = useLabStore((s) => s.gpu);
  const presenter = useUiStore((s) => s.presenter);
  const view = useUiStore((s) => s.view);
  const hidden = useUiStore((s) => s.hidden);
  const shows = (panel: string) => !hidden.includes(panel);
  return (
    <div className={`app${presenter ? ' presenter' : ''}`}>
      <button
        type="button"
        className="skip-link"
        onClick={() =>
          document.querySelector<HTMLButtonElement>('.run-controls button:not(:disabled)')?.focus()
        }
      >
        Skip to run controls
      </button>
      <Header />
      <ConsentDialog />
      <main className="main">
        <Notices />
        <GpuStatus />
        {view === 'guide' ? (
          <TeacherGuide />
        ) : (
          <div className={`workspace${presenter ? ' wide' : ''}`}>
            {!presenter && (shows('presets') || shows('config')) && (
              <aside className="setup" aria-label="Setup">
                {shows('presets') && <SetupTabs />}
                {shows('config') && (
                  <SetupDisclosure>
                    <ConfigPanel />
                    <ModelPanel />
                  </SetupDisclosure>
                )}
              </aside>
            )}
            <div className="lab">
              <div className="toolbar">
                <RunControls />
                {shows('share') && <ShareButton />}
              </div>
              <ExperimentPanel />
              <ChartGrid />
              {shows('inspector') && <GroupInspector />}
              {!presenter && shows('try') && <TryPanel />}
              {!presenter && shows('runs') && <RunList />}
              {!presenter && shows('runs') && <ModelExports />}
              {!presenter && gpu.kind === 'ready' && <AdapterPanel facts={gpu.facts} />}
            </div>
          </div>
        )}
      </main>
    </div>
  );
}
