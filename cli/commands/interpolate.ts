/**
 * `tabrl interpolate`: WiSE-FT-style weight interpolation of two checkpoint folders
 * (docs/ALGORITHMS.md, "Weight interpolation"). engine/model/interpolate.ts checks and computes; this
 * wraps it: resolves run folders to their checkpoint/, copies A's non-weight files, writes files.json.
 * Everything is computed before the first byte is written, so a refusal leaves --out untouched.
 */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { nodeCheckpointFs } from '../../engine/model/checkpoint-node.js';
import { folderManifest, MANIFEST_FILE, manifestBytes } from '../../engine/model/folder-manifest.js';
import { checkAlpha, interpolateCheckpoints } from '../../engine/model/interpolate.js';
import { parseArgs, required } from '../lib/args.js';
import { REPO_ROOT } from '../lib/training.js';
import { modelNameFromArg } from './eval.js';

const USAGE = `usage: npm run tabrl -- interpolate --from A --to B --alpha α --out DIR
  --from, --to  HF checkpoint folders, run folders (their checkpoint/) or shipped /models/NAME, with equal
                config.json architecture, tokenizer.json, tensor names, dtypes and shapes
  --alpha       in [0, 1.5]: each float tensor is (1 − α)·A + α·B (float64, rounded once to its dtype)
  --out         a new (or empty) folder: A's files with the interpolated model.safetensors`;

/** Files of A that describe the weights (rewritten) or the training (meaningless for the new model). */
const NOT_COPIED = /^(model.*\.safetensors|model\.safetensors\.index\.json|trainer_state\..*|files\.json)$/;

function folderOf(arg: string): string {
  const name = modelNameFromArg(arg);
  return name.startsWith('/models/') && existsSync(join(REPO_ROOT, 'public', name))
    ? join(REPO_ROOT, 'public', name)
    : resolve(name);
}

export async function run(argv: string[]): Promise<number> {
  const args = parseArgs(argv, ['help']);
  if (args.flags.has('help')) {
    console.log(USAGE);
    return 0;
  }
  const alphaText = required(args, 'alpha', USAGE);
  const alpha = Number(alphaText);
  if (alphaText.trim() === '' || Number.isNaN(alpha))
    throw new Error(`--alpha must be a number (got ${alphaText})`);
  checkAlpha(alpha);
  const from = folderOf(required(args, 'from', USAGE));
  const to = folderOf(required(args, 'to', USAGE));
  const out = resolve(required(args, 'out', USAGE));
  if (out === from || out === to) throw new Error(`--out ${out} is one of the inputs; give a new folder`);
  if (existsSync(out) && (await readdir(out)).length > 0)
    throw new Error(`--out ${out} exists and is not empty; give a new folder`);
  const r = await interpolateCheckpoints(
    { fs: nodeCheckpointFs(from), label: `--from ${from}` },
    { fs: nodeCheckpointFs(to), label: `--to ${to}` },
    alpha,
  );
  const files = new Map<string, Uint8Array>([['model.safetensors', r.weights]]);
  for (const entry of await readdir(from, { withFileTypes: true }))
    if (entry.isFile() && !NOT_COPIED.test(entry.name))
      files.set(entry.name, new Uint8Array(await readFile(join(from, entry.name))));
  const fs = nodeCheckpointFs(out);
  for (const [name, bytes] of files) await fs.writeFile(name, bytes);
  await fs.writeFile(MANIFEST_FILE, manifestBytes(await folderManifest(files)));
  console.log(
    `interpolated ${r.floatTensors} float tensors (${r.copiedTensors} non-float copied) at alpha ${alpha}: wrote ${out}`,
  );
  return 0;
}
