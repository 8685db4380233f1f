/**
 * `tabrl export`: a run folder (what `tabrl train` writes) leaves TabRL as an HF folder `transformers`
 * loads (LoRA merged), a PEFT adapter folder (LoRA runs), or a TRL GRPOTrainer script with the run's
 * settings; and `--estimate MODEL` prints the memory a run of a model would need, reading only its
 * config.json (a folder or a hub id), as the trainer checks before downloading weights.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { parseRunConfig, type RunConfig } from '../../engine/config/index.js';
import { exportHfFolder, peftAdapterFiles, trlScript } from '../../engine/export/index.js';
import { hubCheckpointFs, parseHubId } from '../../engine/hub/index.js';
import { readCheckpoint } from '../../engine/model/checkpoint.js';
import { nodeCheckpointFs } from '../../engine/model/checkpoint-node.js';
import { parseHfConfig } from '../../engine/model/config.js';
import { describeEstimate, estimateRunMemory } from '../../engine/model/memory.js';
import { one, parseArgs } from '../lib/args.js';
import { loadDatasetRows } from '../lib/dataset.js';

const USAGE = `usage: npm run tabrl -- export --run DIR (--hf OUT_DIR | --peft OUT_DIR | --trl FILE.py)
       npm run tabrl -- export --estimate MODEL [--run DIR] [--budget-gib G] [--binding-mib M]
  --run        a run folder written by \`tabrl train\` (config.json + checkpoint/)
  --hf         write config.json, model.safetensors, tokenizer.json, tokenizer_config.json (LoRA merged)
  --peft       write adapter_config.json + adapter_model.safetensors (runs with lora set)
  --trl        write a Python script for TRL's GRPOTrainer with the run's settings and prompts
  --estimate   an HF folder or hub id (org/name[@revision]): memory of a run of it (the run's config, or
               the defaults), against --binding-mib (default 128) and --budget-gib (default 4)`;

async function runConfigOf(dir: string): Promise<RunConfig> {
  const r = parseRunConfig(JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')));
  if (!r.ok) throw new Error(`${dir}/config.json: ${r.errors.join('; ')}`);
  return r.config;
}

async function write(dir: string, files: Map<string, Uint8Array>): Promise<void> {
  const fs = nodeCheckpointFs(dir);
  for (const [name, bytes] of files) await fs.writeFile(name, bytes);
}

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['help']);
  if (args.flags.has('help')) {
    console.log(USAGE);
    return 0;
  }
  const runDir = one(args, 'run');
  const estimate = one(args, 'estimate');
  if (estimate) {
    const config = runDir ? await runConfigOf(runDir) : (parseRunConfig({}) as { config: RunConfig }).config;
    const ref = parseHubId(estimate);
    const local = nodeCheckpointFs(estimate);
    const bytes =
      (await local.readFile('config.json')) ??
      (ref ? await hubCheckpointFs(ref).readFile('config.json') : null);
    if (!bytes) throw new Error(`${estimate}: no config.json (not a folder here, nor a hub id)`);
    const model = parseHfConfig(JSON.parse(new TextDecoder().decode(bytes)));
    const binding = Number(one(args, 'binding-mib') ?? 128) * 2 ** 20;
    const e = estimateRunMemory(model, config, {
      limits: { maxStorageBufferBindingSize: binding, maxBufferSize: binding },
      budgetBytes: Number(one(args, 'budget-gib') ?? 4) * 2 ** 30,
    });
    console.log(describeEstimate(e));
    console.log(e.fits ? 'fits' : `refused: ${e.problems.join('; ')}`);
    return e.fits ? 0 : 1;
  }
  if (!runDir) throw new Error(`--run or --estimate is required\n${USAGE}`);
  const config = await runConfigOf(runDir);
  const ckpt = await readCheckpoint(nodeCheckpointFs(join(runDir, 'checkpoint')));
  const hf = one(args, 'hf');
  const peft = one(args, 'peft');
  const trl = one(args, 'trl');
  if (!hf && !peft && !trl) throw new Error(`one of --hf, --peft, --trl is required\n${USAGE}`);
  if (hf) {
    if (!ckpt.tokenizer) throw new Error(`${runDir}/checkpoint has no tokenizer.json`);
    await exportHfFolder(
      {
        config: ckpt.config,
        params: ckpt.params,
        nameLayout: ckpt.nameLayout,
        tokenizer: ckpt.tokenizer,
        tokenizerConfig: ckpt.tokenizerConfig,
      },
      nodeCheckpointFs(hf),
    );
    console.log(`wrote the HF folder ${hf}`);
  }
  if (peft) {
    if (!config.lora) throw new Error(`${runDir} is not a LoRA run (its config has lora: null)`);
    const tensors = ckpt.trainerState?.tensors ?? new Map();
    const adapters = new Map(
      [...tensors].filter(([k]) => k.startsWith('lora.')).map(([k, v]) => [k.slice('lora.'.length), v.data]),
    );
    const lora = {
      rank: config.lora.rank,
      alpha: config.lora.alpha,
      targetModules: config.lora.target_modules,
    };
    await write(
      peft,
      peftAdapterFiles({ config: ckpt.config, lora, adapters, baseModel: config.model.name }),
    );
    console.log(`wrote the PEFT adapter ${peft}`);
  }
  if (trl) {
    const modelPath = hf ? relative(join(trl, '..'), hf) || '.' : join(runDir, 'checkpoint');
    await writeFile(
      trl,
      trlScript(config, { modelConfig: ckpt.config, modelPath, datasetRows: await loadDatasetRows(config) }),
    );
    console.log(`wrote the TRL script ${trl}`);
  }
  return 0;
}
