/**
 * `tabrl forward` and `tabrl grads`: run a checkpoint folder on a token file and write safetensors, so
 * anyone can check TabRL's numbers against another implementation (docs/DESIGN.md). Input
 * `{"input_ids": [[...], ...]}` with equal row lengths; `forward` writes `logits` [B,T,V] f32; `grads`
 * writes `loss` (mean next-token cross-entropy over positions 0..T-2 of every row) and one gradient per
 * parameter, named exactly as in the checkpoint (either layout of param-names.ts).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { readCheckpoint } from '../../engine/model/checkpoint.js';
import { nodeCheckpointFs } from '../../engine/model/checkpoint-node.js';
import { GpuModel } from '../../engine/model/gpu/model.js';
import { paramSpecs, storedParamName } from '../../engine/model/param-names.js';
import { writeSafetensors } from '../../engine/model/safetensors.js';
import { parseArgs, required } from '../lib/args.js';
import { cliRuntime } from '../lib/gpu.js';

const USAGE = (cmd: string) =>
  `usage: npm run tabrl -- ${cmd} --model DIR --tokens FILE.json --out FILE.safetensors`;

export async function readTokenFile(path: string, vocabSize: number): Promise<number[][]> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new Error(`--tokens ${path}: cannot read it as JSON (${(e as Error).message})`);
  }
  const ids = (value as { input_ids?: unknown })?.input_ids;
  if (!Array.isArray(ids) || ids.length === 0 || !ids.every((r) => Array.isArray(r))) {
    throw new Error(`--tokens ${path}: expected {"input_ids": [[...], ...]} with at least one row`);
  }
  const rows = ids as unknown[][];
  const T = rows[0].length;
  rows.forEach((row, b) => {
    if (row.length !== T)
      throw new Error(
        `--tokens ${path}: row ${b} has ${row.length} ids, row 0 has ${T} (rows must have equal lengths)`,
      );
    row.forEach((id, t) => {
      if (!Number.isInteger(id) || (id as number) < 0 || (id as number) >= vocabSize) {
        throw new Error(
          `--tokens ${path}: input_ids[${b}][${t}] = ${JSON.stringify(id)} is not an id in [0, ${vocabSize})`,
        );
      }
    });
  });
  return rows as number[][];
}

async function load(argv: string[], cmd: string) {
  const args = parseArgs(argv, ['help']);
  if (args.flags.has('help')) return null;
  const dir = required(args, 'model', USAGE(cmd));
  const tokens = required(args, 'tokens', USAGE(cmd));
  const out = required(args, 'out', USAGE(cmd));
  const ckpt = await readCheckpoint(nodeCheckpointFs(dir));
  const ids = await readTokenFile(tokens, ckpt.config.vocabSize);
  if (ids[0].length > ckpt.config.maxPositions) {
    throw new Error(
      `--tokens: rows of ${ids[0].length} tokens exceed the model's ${ckpt.config.maxPositions} positions`,
    );
  }
  const rt = await cliRuntime();
  const model = GpuModel.load(rt, ckpt.config, ckpt.params);
  return { rt, model, layout: ckpt.nameLayout ?? 'prefixed', ids, out };
}

export async function runForward(argv: string[]): Promise<number> {
  const loaded = await load(argv, 'forward');
  if (!loaded) {
    console.log(USAGE('forward'));
    return 0;
  }
  const { rt, model, ids, out } = loaded;
  const logits = await model.logits(ids);
  const shape = [ids.length, ids[0].length, model.config.vocabSize];
  await writeFile(out, writeSafetensors([{ name: 'logits', shape, data: logits }], { format: 'pt' }));
  console.error(`tabrl forward: wrote logits [${shape}] to ${out}`);
  model.dispose();
  rt.destroy();
  return 0;
}

export async function runGrads(argv: string[]): Promise<number> {
  const loaded = await load(argv, 'grads');
  if (!loaded) {
    console.log(USAGE('grads'));
    return 0;
  }
  const { rt, model, layout, ids, out } = loaded;
  const { loss, grads } = await model.lossAndGrads(ids);
  const tensors = [
    { name: 'loss', shape: [] as number[], data: Float32Array.of(loss) },
    ...paramSpecs(model.config).map((s) => ({
      name: storedParamName(model.config, s.name, layout),
      shape: s.shape,
      data: grads.get(s.name) as Float32Array,
    })),
  ];
  await writeFile(out, writeSafetensors(tensors, { format: 'pt' }));
  console.error(`tabrl grads: loss ${loss.toFixed(6)}; wrote ${tensors.length - 1} gradients to ${out}`);
  model.dispose();
  rt.destroy();
  return 0;
}
