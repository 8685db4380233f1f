/**
 * The "model" rows of `tabrl bench`: whole training steps and whole decodes of real models rather
 * than single kernels. A training step is what the trainer's SFT step runs (engine/train/steps.ts):
 * zero grads, crossEntropyTrainingPass (forward, the LM head in pieces, backward), AdamW with its
 * finite-and-norm readback; its peer is the same step in tfjs autodiff (peers/tfjs-gpt2.ts) on the
 * same weights and tokens, interleaved step by step. Decode is sampleWithKvCache. Steps are seconds
 * long on a software adapter, so these rows take one warm-up and one timed run (modelBenchSpecs).
 */

import { type ModelConfig, modelPreset, parameterCount, parseHfConfig } from '../engine/model/config.js';
import { disposeBatch, layoutSequences, uploadLayout } from '../engine/model/gpu/batch.js';
import { sampleWithKvCache } from '../engine/model/gpu/generate.js';
import { crossEntropyTrainingPass } from '../engine/model/gpu/head.js';
import { nextTokenTargets } from '../engine/model/gpu/lm-loss.js';
import { GpuModel } from '../engine/model/gpu/model.js';
import { GpuParams } from '../engine/model/gpu/params.js';
import { initParams } from '../engine/model/init.js';
import { type AdamwConfig, adamwDispose, adamwInit, adamwUpdate } from '../engine/optim/adamw.js';
import { standaloneStream } from '../engine/rl/streams.js';
import { autotunerFor } from '../kernels/autotune/autotuner.js';
import type { Runtime } from '../kernels/runtime/runtime.js';
import { rng } from '../kernels/testing/random.js';
import type { BenchRow } from './case.js';
import { median } from './kernels.js';
import type { TfjsPeer } from './peers/tfjs.js';
import { tfjsGpt2TrainStep } from './peers/tfjs-gpt2.js';

/** GPT-2 family, n_embd 384, 6 layers, 6 heads, 64 positions, vocab 32: 10.7M parameters. */
export function tenMillionConfig(): ModelConfig {
  return parseHfConfig({
    model_type: 'gpt2',
    n_embd: 384,
    n_layer: 6,
    n_head: 6,
    n_positions: 64,
    vocab_size: 32,
    layer_norm_epsilon: 1e-5,
    bos_token_id: 1,
    eos_token_id: 1,
    pad_token_id: 0,
  });
}

export interface ModelBenchSpec {
  label: string;
  config: ModelConfig;
  /** Training batch: rows x tokens. */
  trainRows: number;
  trainTokens: number;
  /** Decode batch: rows, prompt tokens, new tokens. */
  decodeRows: number;
  promptTokens: number;
  newTokens: number;
  /** Time the same step in tfjs autodiff (default model only: the peer is slow). */
  peer: boolean;
  warmup: number;
  timed: number;
}

/**
 * `timed`: timed runs per side of each row (the row is their median); one by default, because on
 * SwiftShader the default model's tfjs step alone takes a minute or two (`tabrl bench --model-runs 3`).
 */
export function modelBenchSpecs(timed = 1): ModelBenchSpec[] {
  // One warm-up (pipelines, autotuning, tfjs's shader compiles) in every mode.
  const runs = { warmup: 1, timed };
  const shared = { trainRows: 64, trainTokens: 48, decodeRows: 64, promptTokens: 16, newTokens: 32 };
  // The 10.7M model at 64 rows would take minutes a step in software; 8 rows keep the suite under 20.
  const small = { trainRows: 8, trainTokens: 48, decodeRows: 8, promptTokens: 16, newTokens: 32 };
  return [
    { label: 'default', config: modelPreset('default'), ...shared, peer: true, ...runs },
    { label: '10M', config: tenMillionConfig(), ...small, peer: false, ...runs },
  ];
}

const ADAMW: AdamwConfig = {
  learningRate: 1e-3,
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  weightDecay: 0, // tfjs's Adam has none; with 0 both sides run the same update
  maxGradNorm: 1,
};

export interface ModelBenchOptions {
  quick?: boolean;
  /** Keeps rows whose "model name shape" contains this text. */
  filter?: string;
  peer: TfjsPeer | null;
  log?: (line: string) => void;
  specs?: readonly ModelBenchSpec[];
  /** Timed runs per side of each default spec (modelBenchSpecs); ignored with `specs`. */
  timed?: number;
}

/** What the loss check found: ours and the peer's loss on the same weights and tokens. */
export interface LossAgreement {
  label: string;
  ours: number[];
  peer: number[];
}

function randomIds(seed: number, rows: number, tokens: number, vocab: number): number[][] {
  const r = rng(seed);
  return Array.from({ length: rows }, () =>
    Array.from({ length: tokens }, () => 2 + Math.floor(r() * (vocab - 2))),
  );
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await run();
  return performance.now() - t0;
}

/** Training and decode rows for one model; `agreement` receives the first steps' losses on both sides. */
async function benchModel(
  rt: Runtime,
  s: ModelBenchSpec,
  o: ModelBenchOptions,
  agreements: LossAgreement[],
): Promise<BenchRow[]> {
  const cfg = s.config;
  const params = parameterCount(cfg);
  const values = initParams(cfg, rng(7));
  const model = GpuModel.load(rt, cfg, values);
  const grads = GpuParams.zerosLike(model.params, '.grad');
  let optimizer = adamwInit(model.params);
  const ids = randomIds(8, s.trainRows, s.trainTokens, cfg.vocabSize);
  const { targets, count } = nextTokenTargets(ids);
  const batch = uploadLayout(rt, layoutSequences(ids, null, 0, 0, s.trainTokens));
  const targetT = rt.upload(targets, [targets.length], 'bench.targets', 'i32');
  const rows: BenchRow[] = [];
  const tfPeer = s.peer && o.peer ? o.peer : null;
  const peerStep = tfPeer
    ? tfjsGpt2TrainStep(tfPeer.tf, cfg, values, ids, targets, count, {
        lr: ADAMW.learningRate,
        beta1: ADAMW.beta1,
        beta2: ADAMW.beta2,
        eps: ADAMW.eps,
        maxGradNorm: ADAMW.maxGradNorm,
      })
    : null;
  const agreement: LossAgreement = { label: s.label, ours: [], peer: [] };
  let dispatches = 0;
  const oursStep = async () => {
    const d0 = rt.stats().dispatches;
    grads.zero();
    const loss = crossEntropyTrainingPass(model.transformer, model.params, grads, batch, targetT, count);
    const upd = await adamwUpdate(optimizer, model.params, grads, ADAMW, [loss]);
    optimizer = upd.state;
    loss.dispose();
    await rt.sync();
    dispatches = rt.stats().dispatches - d0;
    agreement.ours.push(upd.extra[0]);
  };
  const peerRun = peerStep
    ? async () => {
        const r = await peerStep.step();
        await tfPeer?.sync();
        agreement.peer.push(r.loss);
      }
    : null;
  try {
    const trainShape = `${(params / 1e6).toFixed(2)}M params, ${s.trainRows}x${s.trainTokens} tokens`;
    const want = (name: string, shape: string) =>
      !o.filter || `model ${name} ${shape}`.toLowerCase().includes(o.filter.toLowerCase());
    const trainName = `train step ${s.label}`;
    if (want(trainName, trainShape)) {
      for (let i = 0; i < s.warmup; i++) {
        await oursStep();
        if (i === 0) await autotunerFor(rt).tunePending(); // the variants a real run would pick
        if (peerRun) await peerRun();
      }
      const oursMs: number[] = [];
      const peerMs: number[] = [];
      for (let i = 0; i < s.timed; i++) {
        const oursFirst = i % 2 === 0;
        if (oursFirst) oursMs.push(await timed(oursStep));
        if (peerRun) peerMs.push(await timed(peerRun));
        if (!oursFirst) oursMs.push(await timed(oursStep));
      }
      const tokens = s.trainRows * s.trainTokens;
      const ours_ms = median(oursMs);
      const peer_ms = peerRun ? median(peerMs) : null;
      const row: BenchRow = {
        section: 'model',
        name: trainName,
        shape: trainShape,
        ours_ms,
        peer: peerRun && tfPeer ? tfPeer.name : null,
        peer_ms,
        ratio: peer_ms === null ? null : peer_ms / ours_ms,
        tokens_per_second: tokens / (ours_ms / 1000),
        dispatches,
      };
      if (peer_ms !== null) row.peer_tokens_per_second = tokens / (peer_ms / 1000);
      rows.push(row);
      o.log?.(
        `${row.name}: ours ${ours_ms.toFixed(0)} ms, peer ${peer_ms?.toFixed(0) ?? '-'} ms (median of runs: ours ${oursMs.map((x) => x.toFixed(0)).join(', ')}; peer ${peerMs.map((x) => x.toFixed(0)).join(', ') || '-'}), ${dispatches} dispatches`,
      );
      if (peerRun) agreements.push(agreement);
    }
    const decodeName = `decode ${s.label}`;
    const decodeShape = `${s.decodeRows} rows, prompt ${s.promptTokens} + ${s.newTokens} new`;
    if (want(decodeName, decodeShape)) {
      const prompts = randomIds(9, s.decodeRows, s.promptTokens, cfg.vocabSize);
      let generated = 0;
      const decode = async () => {
        const g = await sampleWithKvCache(model, prompts, {
          maxNewTokens: s.newTokens,
          seed: 3,
          step: standaloneStream(),
          eos: -1, // never drawn: every row decodes all newTokens
          pad: 0,
          temperature: 1,
          topK: 0,
          topP: 1,
          minP: 0,
          greedy: false,
          finishCheckEvery: s.newTokens,
        });
        generated = g.tokens.reduce((n, t) => n + t.length, 0);
      };
      for (let i = 0; i < s.warmup; i++) {
        await decode();
        if (i === 0) await autotunerFor(rt).tunePending();
      }
      const ms: number[] = [];
      for (let i = 0; i < s.timed; i++) ms.push(await timed(decode));
      const ours_ms = median(ms);
      rows.push({
        section: 'model',
        name: decodeName,
        shape: decodeShape,
        ours_ms,
        peer: null,
        peer_ms: null,
        ratio: null,
        tokens_per_second: generated / (ours_ms / 1000),
      });
      o.log?.(`${decodeName}: ${ours_ms.toFixed(0)} ms for ${generated} new tokens`);
    }
  } finally {
    peerStep?.dispose();
    disposeBatch(batch);
    targetT.dispose();
    adamwDispose(optimizer);
    grads.dispose();
    model.dispose();
  }
  return rows;
}

/** Every model row, and the loss agreement of each peer-compared training row. */
export async function runModelBench(
  rt: Runtime,
  o: ModelBenchOptions,
): Promise<{ rows: BenchRow[]; agreements: LossAgreement[] }> {
  const rows: BenchRow[] = [];
  const agreements: LossAgreement[] = [];
  for (const s of o.specs ?? modelBenchSpecs(o.timed)) rows.push(...(await benchModel(rt, s, o, agreements)));
  return { rows, agreements };
}
