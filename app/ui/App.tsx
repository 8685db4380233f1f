/** The lab's frame: header, GPU status, and (once a device is ready) the workspace. */
import { useLabStore } from '../state/store.js';
import { AdapterPanel } from './AdapterPanel.js';
import { Header } from './Header.js';
import { NoWebGpu } from './NoWebGpu.js';

export function App() {
  const gpu = useLabStore((s) => s.gpu);
  return (
    <div className="app">
      <Header />
      <main className="main">
        {gpu.kind === 'probing' && (
          <section className="card" aria-busy="true" aria-live="polite">
            <h2>Looking for a GPU…</h2>
            <div
              className="progress indeterminate"
              role="progressbar"
              aria-label="Requesting a WebGPU adapter"
            />
          </section>
        )}
        {gpu.kind === 'ready' && <AdapterPanel facts={gpu.facts} />}
        {gpu.kind === 'unavailable' && <NoWebGpu detail={gpu.message} />}
        {gpu.kind === 'error' && (
          <section className="card error" role="alert">
            <h2>The GPU engine stopped</h2>
            <p>{gpu.message}</p>
            <p>Reload the page to try again. Nothing you saved is lost.</p>
          </section>
        )}
      </main>
    </div>
  );
}
