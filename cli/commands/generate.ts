/**
 * `tabrl generate`: completions of a checkpoint folder for free-form prompts, sampled on the GPU by the
 * same KV-cache sampler the trainer uses (sampleWithKvCache). Randomness is the Philox stream of
 * `--seed`, so the same command prints the same completions on the same adapter.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { readCheckpoint } from '../../engine/model/checkpoint.js';
import { type Guidance, sampleWithKvCache } from '../../engine/model/gpu/generate.js';
import { GpuModel } from '../../engine/model/gpu/model.js';
import { standaloneStream } from '../../engine/rl/streams.js';
import { PromptFormat } from '../../engine/tokenizers/prompt-format.js';
import { checkpointTokenizer } from '../../engine/train/policy-source.js';
import { adapterName, type Runtime } from '../../kernels/runtime/index.js';
import { integer, one, parseArgs, required } from '../lib/args.js';
import { cliRuntime } from '../lib/gpu.js';
import { guidanceArg, loadReference } from '../lib/guidance.js';
import { openCheckpointOnDisk } from '../lib/training.js';
import { modelNameFromArg } from './eval.js';

const USAGE = `usage: npm run tabrl -- generate --model DIR [--prompt TEXT ...] [--prompts-file FILE] [--samples n]
                                 [--temperature T] [--top-k K] [--top-p P] [--min-p P] [--greedy]
                                 [--max-new-tokens N] [--seed S] [--chat-template auto|none] [--system TEXT]
                                 [--guidance w [--reference DIR]] [--json FILE]
  --model         an HF checkpoint folder, a run folder (its checkpoint/ is used) or a shipped /models/NAME
  --prompts-file  one prompt per line (a JSON line {"prompt": ...} also works)
  --chat-template auto: each prompt is a user message rendered by the model's chat template when its
                  tokenizer_config.json has one (as training does); none: prompts as written
  --system        a system message before each prompt (needs a chat template)
  --guidance      sample from (1 - w)·reference + w·policy logits, w in [0, 2] (default 1: the policy);
                  log-probs are under the mix
  --reference     the reference folder (same tokenizer); default: the θ_ref the run checkpoint saved
  defaults: 1 sample, temperature 1, no top-k/top-p/min-p, max-new-tokens 32 (fewer when the model's
  positions run out), seed 0`;

export interface GeneratedCompletion {
  text: string;
  /** Completion token ids, EOS included when drawn. */
  tokens: number[];
  /** Log-prob of each token under softmax(z/T), as the trainer records it. */
  logprobs: number[];
  truncated: boolean;
}

/** Prompts of a --prompts-file: one per non-empty line, or `{"prompt": ...}` JSON lines. */
export function parsePromptsFile(text: string): string[] {
  return text
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '')
    .map((line) => {
      if (line.trimStart().startsWith('{')) {
        const row = JSON.parse(line) as { prompt?: unknown };
        if (typeof row.prompt !== 'string') throw new Error(`--prompts-file: no "prompt" string in ${line}`);
        return row.prompt;
      }
      return line;
    });
}

function numberArg(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new Error(`--${name} must be a number (got ${value})`);
  return n;
}

/** `shared`: a runtime the caller owns (tests), used instead of a new one and not destroyed. */
export async function run(argv: string[], shared?: Runtime): Promise<number> {
  const args = parseArgs(argv, ['help', 'greedy']);
  if (args.flags.has('help')) {
    console.log(USAGE);
    return 0;
  }
  const modelName = modelNameFromArg(required(args, 'model', USAGE));
  const prompts = [...(args.values.get('prompt') ?? [])];
  const file = one(args, 'prompts-file');
  if (file !== undefined) prompts.push(...parsePromptsFile(await readFile(file, 'utf8')));
  if (prompts.length === 0) throw new Error(`give at least one --prompt or a --prompts-file\n${USAGE}`);
  const samples = integer(args, 'samples') ?? 1;
  if (samples < 1) throw new Error('--samples must be at least 1');
  const temperature = numberArg(one(args, 'temperature'), 'temperature', 1);
  if (!(temperature > 0)) throw new Error(`--temperature must be > 0 (got ${temperature})`);
  const topP = numberArg(one(args, 'top-p'), 'top-p', 1);
  if (!(topP > 0 && topP <= 1)) throw new Error(`--top-p must be in (0, 1] (got ${topP})`);
  const minP = numberArg(one(args, 'min-p'), 'min-p', 0);
  if (!(minP >= 0 && minP < 1)) throw new Error(`--min-p must be in [0, 1) (got ${minP})`);
  const topK = integer(args, 'top-k') ?? 0;
  const seed = integer(args, 'seed') ?? 0;
  const jsonPath = one(args, 'json');
  const chatTemplate = one(args, 'chat-template') ?? 'auto';
  if (chatTemplate !== 'auto' && chatTemplate !== 'none')
    throw new Error(`--chat-template must be auto or none (got ${chatTemplate})`);

  const folder = openCheckpointOnDisk(modelName);
  const ckpt = await readCheckpoint(folder);
  const tokenizer = checkpointTokenizer(ckpt, (f) => folder.where?.(f) ?? f);
  const format = PromptFormat.forRun(tokenizer, {
    chat_template: chatTemplate,
    system_prompt: one(args, 'system') ?? null,
  });
  const rows = prompts.map((p) => format.encode(p));
  const room = ckpt.config.maxPositions - Math.max(...rows.map((r) => r.length));
  if (room < 1) throw new Error(`a prompt fills all ${ckpt.config.maxPositions} positions of the model`);
  const maxNewTokens = integer(args, 'max-new-tokens') ?? Math.min(32, room);
  const weight = guidanceArg(one(args, 'guidance'));
  if (weight === 1 && one(args, 'reference') !== undefined)
    throw new Error('--reference is used only with --guidance w (w ≠ 1)');
  const reference = weight !== 1 ? await loadReference(ckpt, modelName, one(args, 'reference')) : null;

  const rt = shared ?? (await cliRuntime());
  console.error(`tabrl generate: ${adapterName(rt.facts)}${rt.facts.isSoftware ? ' (software)' : ''}`);
  const model = GpuModel.load(rt, ckpt.config, ckpt.params);
  const refModel = reference ? GpuModel.load(rt, reference.config, reference.values) : null;
  if (reference) console.error(`tabrl generate: guidance w = ${weight}, reference ${reference.source}`);
  const guidance: Guidance | undefined = refModel ? { weight, model: refModel } : undefined;
  let results: { prompt: string; completions: GeneratedCompletion[] }[];
  try {
    const gen = await sampleWithKvCache(
      model,
      rows.flatMap((ids) => Array.from({ length: samples }, () => ids)),
      {
        temperature,
        topK,
        topP,
        minP,
        greedy: args.flags.has('greedy'),
        maxNewTokens,
        seed,
        step: standaloneStream(),
        eos: tokenizer.eosId,
        pad: tokenizer.padId ?? 0,
        guidance,
      },
    );
    const eos = tokenizer.eosId;
    results = prompts.map((prompt, p) => ({
      prompt,
      completions: Array.from({ length: samples }, (_, s) => {
        const r = p * samples + s;
        const ids = gen.tokens[r];
        const body = ids[ids.length - 1] === eos ? ids.slice(0, -1) : ids;
        return {
          text: tokenizer.decode(body, { skipSpecialTokens: true }),
          tokens: ids,
          logprobs: gen.logprobs[r],
          truncated: gen.truncated[r],
        };
      }),
    }));
  } finally {
    model.dispose();
    refModel?.dispose();
    if (!shared) rt.destroy();
  }
  for (const { prompt, completions } of results) {
    console.log(prompt);
    for (const c of completions)
      console.log(`  ${JSON.stringify(c.text)}${c.truncated ? ' (truncated)' : ''}`);
  }
  if (jsonPath) {
    await writeFile(jsonPath, `${JSON.stringify(results)}\n`);
    console.error(`tabrl generate: wrote ${jsonPath}`);
  }
  return 0;
}
