/**
 * "Bring your own model": a Hugging Face hub id (revision pinnable) or a dropped folder becomes the run's
 * model. The memory estimate is computed from config.json alone, against this tab's adapter limits, and
 * shown before any weights download; a model that cannot fit is refused with that estimate. Downloads
 * show byte progress and land in Cache Storage, where the engine worker then finds them.
 */
import { useMemo, useState } from 'react';
import type { RunConfig } from '../../engine/config/index.js';
import {
  type DownloadProgress,
  hubCheckpointFs,
  localModelName,
  parseHubId,
  prefetchHubModel,
  storeLocalModel,
} from '../../engine/hub/index.js';
import { type ModelConfig, parseHfConfig } from '../../engine/model/config.js';
import {
  type AdapterLimits,
  DEFAULT_BUDGET_BYTES,
  DEFAULT_LIMITS,
  estimateRunMemory,
  formatBytes,
  type MemoryEstimate,
  NAMED_TARGETS,
} from '../../engine/model/memory.js';
import { useConfigStore } from '../state/config-store.js';
import { labHubOptions } from '../state/hub-options.js';
import { useRunsStore } from '../state/runs-store.js';
import { useLabStore } from '../state/store.js';
import { RewardModelsView } from './RewardModelsView.js';

// The panel sits in the narrow setup column: long tensor names and refusals wrap instead of widening it.
const PANEL_STYLE = { minWidth: 0, maxWidth: '100%', overflowWrap: 'anywhere' } as const;
const TABLE_STYLE = { width: '100%', tableLayout: 'fixed', overflowWrap: 'anywhere' } as const;

/** What the lab may use in all (the trainer checks the same): the adapter's limits bound single tensors. */
const BUDGET_BYTES = DEFAULT_BUDGET_BYTES;

export function ModelPanel() {
  const gpu = useLabStore((s) => s.gpu);
  const config = useConfigStore((s) => s.lastValid);
  const setOption = useConfigStore((s) => s.setOption);
  const limits: AdapterLimits =
    gpu.kind === 'ready'
      ? {
          maxStorageBufferBindingSize:
            gpu.facts.limits.maxStorageBufferBindingSize ?? DEFAULT_LIMITS.maxStorageBufferBindingSize,
          maxBufferSize: gpu.facts.limits.maxBufferSize ?? DEFAULT_LIMITS.maxBufferSize,
        }
      : DEFAULT_LIMITS;
  const [id, setId] = useState('');
  const [revision, setRevision] = useState('main');
  const [checked, setChecked] = useState<{
    name: string;
    estimate: MemoryEstimate;
    files?: Map<string, Uint8Array>;
  } | null>(null);
  const [progress, setProgress] = useState<Map<string, DownloadProgress>>(new Map());
  const [status, setStatus] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const estimateFor = (model: ModelConfig) =>
    estimateRunMemory(model, config, { limits, budgetBytes: BUDGET_BYTES });

  const checkHub = async () => {
    const ref = parseHubId(id.trim(), revision.trim() || 'main');
    if (!ref)
      return setStatus(`"${id}" is not a hub id: write org/name, e.g. HuggingFaceTB/SmolLM2-135M-Instruct`);
    setBusy(true);
    setStatus(`reading config.json of ${ref.repo}@${ref.revision}`);
    try {
      const bytes = await hubCheckpointFs(ref, labHubOptions()).readFile('config.json');
      if (!bytes) throw new Error(`${ref.repo}@${ref.revision} has no config.json`);
      const model = parseHfConfig(JSON.parse(new TextDecoder().decode(bytes)));
      setChecked({ name: `${ref.repo}@${ref.revision}`, estimate: estimateFor(model) });
      setStatus(null);
    } catch (e) {
      setStatus((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const downloadAndUse = async () => {
    if (!checked?.estimate.fits) return;
    setBusy(true);
    try {
      if (checked.files) {
        const cache = labHubOptions().cache;
        if (!cache)
          throw new Error('dropped folders need Cache Storage (serve the lab over https or localhost)');
        await storeLocalModel(cache, checked.name, checked.files);
      } else {
        await prefetchHubModel(
          checked.name,
          labHubOptions({ onProgress: (p) => setProgress((m) => new Map(m).set(p.file, p)) }),
        );
      }
      setOption(['model'], { name: checked.name, overrides: {} });
      setStatus(`${checked.name} is the run's model; press Start to train it`);
    } catch (e) {
      setStatus((e as Error).message);
    } finally {
      setBusy(false);
    }
  };

  const dropFiles = async (list: FileList | null) => {
    if (!list || list.length === 0) return;
    const files = new Map<string, Uint8Array>();
    let folder = 'dropped-model';
    for (const f of Array.from(list)) {
      const path = (f as File & { webkitRelativePath?: string }).webkitRelativePath || f.name;
      if (path.includes('/')) folder = path.split('/')[0];
      files.set(f.name, new Uint8Array(await f.arrayBuffer()));
    }
    const cfg = files.get('config.json');
    if (!cfg) return setStatus('the dropped files have no config.json');
    try {
      const model = parseHfConfig(JSON.parse(new TextDecoder().decode(cfg)));
      setChecked({ name: localModelName(folder), estimate: estimateFor(model), files });
      setStatus(null);
    } catch (e) {
      setStatus((e as Error).message);
    }
  };

  return (
    <section
      className="card"
      aria-labelledby="model-panel-title"
      data-testid="model-panel"
      style={PANEL_STYLE}
    >
      <h2 id="model-panel-title">Bring your own model</h2>
      <p className="note">
        A Hugging Face model (gpt2, llama or qwen2 family) by hub id, or a folder with config.json,
        model.safetensors and tokenizer.json. Only config.json is read before the memory check.
      </p>
      <div className="model-row">
        <label>
          Hub model id
          <input
            value={id}
            onChange={(e) => setId(e.target.value)}
            placeholder="HuggingFaceTB/SmolLM2-135M-Instruct"
          />
        </label>
        <label>
          Revision
          <input value={revision} onChange={(e) => setRevision(e.target.value)} size={10} />
        </label>
        <button type="button" onClick={checkHub} disabled={busy || id.trim() === ''}>
          Check memory
        </button>
      </div>
      <div className="model-row">
        <label className="model-drop">
          Choose a model folder
          <input
            type="file"
            multiple
            onChange={(e) => dropFiles(e.target.files)}
            {...{ webkitdirectory: '' }}
          />
        </label>
        <label className="model-drop">
          Or choose its files
          <input type="file" multiple onChange={(e) => dropFiles(e.target.files)} />
        </label>
      </div>
      {status && <p role="status">{status}</p>}
      {checked && <EstimateView name={checked.name} estimate={checked.estimate} />}
      {checked && (
        <button type="button" onClick={downloadAndUse} disabled={busy || !checked.estimate.fits}>
          {checked.files ? 'Use this folder' : 'Download and use'}
        </button>
      )}
      {progress.size > 0 && <DownloadList progress={progress} />}
      <PromptFormatView setting={config.chat_template} />
      <RewardModelsView config={config} />
      <NamedTargets config={config} limits={limits} />
    </section>
  );
}

function EstimateView({ name, estimate: e }: { name: string; estimate: MemoryEstimate }) {
  const rows: [string, number][] = [
    ['weights', e.parts.weights],
    ['gradients', e.parts.gradients],
    ['AdamW moments', e.parts.optimizer],
    ['reference copy', e.parts.reference],
    ['activations (one micro-batch)', e.parts.activations],
    ['logits and their gradient', e.parts.logits],
    ['KV cache (generation)', e.parts.kvCache],
  ];
  return (
    <div data-testid="memory-estimate">
      <h3>
        {name}: {formatBytes(e.total)} ({e.mode === 'lora' ? 'LoRA' : 'full fine-tuning'})
      </h3>
      <table className="estimate" style={TABLE_STYLE}>
        <tbody>
          {rows.map(([k, v]) => (
            <tr key={k}>
              <th scope="row">{k}</th>
              <td>{formatBytes(v)}</td>
            </tr>
          ))}
          <tr>
            <th scope="row">largest tensor</th>
            <td>
              {e.largestTensor.name}: {formatBytes(e.largestTensor.bytes)} (limit{' '}
              {formatBytes(Math.min(e.limits.maxStorageBufferBindingSize, e.limits.maxBufferSize))} per
              buffer)
              {e.splitTensors.map((t) => `; ${t.name} stored as ${t.chunks} row chunks`).join('')}
            </td>
          </tr>
        </tbody>
      </table>
      {e.fits ? (
        <p className="ok">Fits this adapter and the {formatBytes(e.budgetBytes)} budget.</p>
      ) : (
        <p role="alert">Refused: {e.problems.join('; ')}.</p>
      )}
    </div>
  );
}

function DownloadList({ progress }: { progress: Map<string, DownloadProgress> }) {
  return (
    <ul className="downloads" aria-label="Downloads">
      {[...progress.values()].map((p) => (
        <li key={p.file}>
          {p.file} {p.cached ? '(cached)' : ''}
          <progress aria-label={`Download progress ${p.file}`} value={p.loaded} max={p.total ?? undefined} />{' '}
          {formatBytes(p.loaded)}
          {p.total ? ` of ${formatBytes(p.total)}` : ''}
        </li>
      ))}
    </ul>
  );
}

/** Whether the live run's prompts go through its model's chat template, with one prompt as the model sees it. */
function PromptFormatView({ setting }: { setting: RunConfig['chat_template'] }) {
  const format = useRunsStore((s) => s.promptFormat);
  const live = useRunsStore((s) => s.worker.runId);
  const info = format && format.runId === live ? format.info : null;
  let text: string;
  if (!format || !info)
    text =
      setting === 'none'
        ? 'Chat template: off (chat_template is none); prompts go to the model as written.'
        : "Chat template: auto; a model's chat template is used when its tokenizer_config.json has one (shown when the run starts).";
  else if (info.mode === 'template')
    text = `Chat template: in use; each prompt is a user message rendered by ${format.model}'s template${
      info.templateName ? ` "${info.templateName}"` : ''
    }${info.systemPrompt !== null ? ' after the system prompt' : ''}.`;
  else if (info.reason === 'off')
    text = 'Chat template: off (chat_template is none); prompts go to the model as written.';
  else
    text = `Chat template: none; ${format.model} has no chat template, so prompts go to the model as written.`;
  return (
    <section data-testid="prompt-format" aria-label="Prompt format">
      <p>{text}</p>
      {info?.mode === 'template' && info.example && (
        <figure>
          <figcaption>{`The model sees ${JSON.stringify(info.example.prompt)} as:`}</figcaption>
          <pre className="rendered-prompt">{info.example.rendered}</pre>
        </figure>
      )}
    </section>
  );
}

/** Why an estimate is refused, in a few words for a narrow column (the whole reason is the cell's title). */
function shortProblem(e: MemoryEstimate): string {
  if (e.total > e.budgetBytes) return `over the ${formatBytes(e.budgetBytes)} budget`;
  const tensor = /^(.*?) needs .* per-buffer limit/.exec(e.problems[0] ?? '');
  return tensor ? `${tensor[1]} over the per-buffer limit` : (e.problems[0] ?? '');
}

/** The named targets' estimates under the current run settings, full and LoRA, before anything downloads. */
function NamedTargets({ config, limits }: { config: RunConfig; limits: AdapterLimits }) {
  const rows = useMemo(() => {
    const lora = config.lora ?? { rank: 8, alpha: 16, target_modules: ['q', 'k', 'v', 'o'] as const };
    return NAMED_TARGETS.flatMap((t) => {
      const model = parseHfConfig(t.config);
      return (['full', 'lora'] as const).map((mode) => {
        const run = {
          ...config,
          lora: mode === 'lora' ? { ...lora, target_modules: [...lora.target_modules] } : null,
        };
        return { id: t.id, mode, e: estimateRunMemory(model, run, { limits, budgetBytes: BUDGET_BYTES }) };
      });
    });
  }, [config, limits]);
  return (
    <table className="estimate" aria-label="Memory estimates of named models" style={TABLE_STYLE}>
      <caption>Named models under this run's settings</caption>
      <colgroup>
        <col style={{ width: '40%' }} />
        <col style={{ width: '15%' }} />
        <col style={{ width: '21%' }} />
        <col style={{ width: '24%' }} />
      </colgroup>
      <thead style={{ overflowWrap: 'normal' }}>
        <tr>
          <th scope="col">model</th>
          <th scope="col">mode</th>
          <th scope="col">memory</th>
          <th scope="col">this adapter</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => {
          const slash = r.id.indexOf('/');
          return (
            <tr key={`${r.id}-${r.mode}`}>
              {/* break after the organisation, never inside a name */}
              <td style={{ overflowWrap: 'break-word' }}>
                {r.id.slice(0, slash + 1)}
                <wbr />
                {r.id.slice(slash + 1)}
              </td>
              <td>{r.mode === 'lora' ? 'LoRA' : 'full'}</td>
              <td style={{ whiteSpace: 'nowrap' }}>{formatBytes(r.e.total)}</td>
              <td title={r.e.problems.join('; ') || undefined}>
                {r.e.fits ? 'fits' : `refused: ${shortProblem(r.e)}`}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
