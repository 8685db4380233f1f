/** The adapter facts the engine worker reported: what this tab will train on. */
import type { AdapterFacts } from '../../engine/device.js';

const SHOWN_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
] as const;

function formatLimit(name: string, value: number): string {
  if (/Size$/.test(name) && value >= 1024 * 1024) return `${(value / 1024 / 1024).toFixed(0)} MiB`;
  if (/Size$/.test(name) && value >= 1024) return `${(value / 1024).toFixed(0)} KiB`;
  return String(value);
}

export function AdapterPanel({ facts }: { facts: AdapterFacts }) {
  return (
    <section className="card" aria-labelledby="adapter-title" data-testid="adapter-facts">
      <h2 id="adapter-title">GPU adapter</h2>
      {facts.isSoftware && (
        <p className="note">
          This is a software adapter: it works everywhere but is 100 to 1000 times slower than a real GPU.
          Training the micro presets still takes only minutes.
        </p>
      )}
      <dl className="facts">
        <dt>Vendor</dt>
        <dd data-fact="vendor">{facts.vendor || 'unknown'}</dd>
        <dt>Architecture</dt>
        <dd data-fact="architecture">{facts.architecture || 'unknown'}</dd>
        <dt>Description</dt>
        <dd data-fact="description">{facts.description || '—'}</dd>
        <dt>Fallback adapter</dt>
        <dd data-fact="fallback">{facts.isFallbackAdapter ? 'yes' : 'no'}</dd>
        {SHOWN_LIMITS.map((name) => (
          <div key={name} className="fact-row">
            <dt>{name}</dt>
            <dd data-fact={name}>{formatLimit(name, facts.limits[name])}</dd>
          </div>
        ))}
        <dt>Features</dt>
        <dd data-fact="features">{facts.features.join(', ') || 'none'}</dd>
      </dl>
    </section>
  );
}
