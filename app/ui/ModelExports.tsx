/**
 * Leaving the tab: the current model as an HF folder transformers loads (zip), the LoRA adapter alone
 * in PEFT's layout (zip), and a TRL GRPOTrainer script with this run's settings. The weights come from
 * the worker's checkpoint (merged for LoRA runs; the adapters ride in its trainer state) or, when the
 * worker does not hold the open run (after a reload), from the run's checkpoint saved in this browser
 * with that run's config; the script from the RunConfig alone.
 */
import { zipSync } from 'fflate';
import { useState } from 'react';
import type { RunConfig } from '../../engine/config/index.js';
import { peftAdapterFiles, trlScript } from '../../engine/export/index.js';
import { parseHfConfig } from '../../engine/model/config.js';
import { parseSafetensors } from '../../engine/model/safetensors.js';
import { useConfigStore } from '../state/config-store.js';
import { useCheckpointsStore } from '../state/run-checkpoints.js';
import { useRunsStore } from '../state/runs-store.js';
import { downloadFile, fileStem } from './runs/downloads.js';
import { runWeights, workerHolds } from './runs/run-weights.js';

const HF_FILES = new Set(['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']);

export function ModelExports() {
  const edited = useConfigStore((s) => s.lastValid);
  const active = useRunsStore((s) => (s.activeRunId ? s.runs[s.activeRunId] : undefined));
  const held = useRunsStore((s) => workerHolds(s.worker, s.activeRunId));
  const saved = useCheckpointsStore((s) => (active ? s.saved[active.id] : undefined));
  // the open run's saved checkpoint, when the worker does not hold it (after a reload)
  const fromSaved = active && !held && saved ? saved : undefined;
  const config = fromSaved ? (active?.config as RunConfig) : edited;
  const saveCheckpoint = () => runWeights(active?.id ?? null);
  const [message, setMessage] = useState<string | null>(null);
  const stem = fileStem(config.model.name);
  const run = (what: string, job: () => Promise<void>) => async () => {
    setMessage(`preparing ${what}`);
    try {
      await job();
      setMessage(null);
    } catch (e) {
      setMessage(`${what}: ${(e as Error).message}`);
    }
  };

  const exportHf = run('the HF folder', async () => {
    const files = (await saveCheckpoint()).filter(([name]) => HF_FILES.has(name));
    downloadFile(`${stem}-hf.zip`, zipSync(Object.fromEntries(files)) as BlobPart, 'application/zip');
  });

  const exportPeft = run('the LoRA adapter', async () => {
    const lora = config.lora;
    if (!lora) throw new Error('this run has no LoRA adapters (set lora in the config)');
    const files = new Map(await saveCheckpoint());
    const modelConfig = parseHfConfig(JSON.parse(new TextDecoder().decode(files.get('config.json'))));
    const state = files.get('trainer_state.safetensors');
    if (!state) throw new Error('the checkpoint has no trainer state with the adapters');
    const st = parseSafetensors(state);
    const adapters = new Map(
      [...st.tensors.keys()].filter((k) => k.startsWith('lora.')).map((k) => [k.slice(5), st.float32(k)]),
    );
    const peft = peftAdapterFiles({
      config: modelConfig,
      lora: { rank: lora.rank, alpha: lora.alpha, targetModules: lora.target_modules },
      adapters,
      baseModel: config.model.name,
    });
    downloadFile(
      `${stem}-lora-adapter.zip`,
      zipSync(Object.fromEntries(peft)) as BlobPart,
      'application/zip',
    );
  });

  const exportTrl = run('the TRL script', async () => {
    let modelConfig: ReturnType<typeof parseHfConfig> | undefined;
    if (config.lora) {
      const files = new Map(await saveCheckpoint());
      modelConfig = parseHfConfig(JSON.parse(new TextDecoder().decode(files.get('config.json'))));
    }
    downloadFile(
      `${stem}-trl-grpo.py`,
      trlScript(config, { modelConfig, modelPath: `./${stem}-hf` }),
      'text/x-python',
    );
  });

  return (
    <fieldset className="model-exports">
      <legend>Model exports</legend>
      {fromSaved && (
        <p className="note">
          From the checkpoint of step {fromSaved.step} saved in this browser ({active?.name}).
        </p>
      )}
      <button type="button" onClick={exportHf}>
        Export HF folder
      </button>
      <button type="button" onClick={exportPeft} disabled={!config.lora}>
        Export LoRA adapter
      </button>
      <button type="button" onClick={exportTrl}>
        Export TRL script
      </button>
      {message && <p role="status">{message}</p>}
    </fieldset>
  );
}
