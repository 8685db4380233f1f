/**
 * `tabrl bench --device-check`: the prepared measurement for a machine with a real GPU, in one command
 * that fits in 8 minutes on an H100/H200-class device. Four parts: matmul GFLOP/s against tfjs-webgpu
 * and the device's fp32 peak (matmul.ts, peaks.ts); training and decode tokens/s of the default model
 * and a 10M-parameter GPT-2 (model-bench.ts); one LoRA GRPO step of SmolLM2-135M and Qwen2.5-0.5B built
 * from their real config.json with random weights (grpo.ts); the default card's time to learn at a
 * reduced size (learning.ts). Sizes come in three classes chosen by adapter: `full` on hardware,
 * `small` on a software adapter (minutes on SwiftShader), `tiny` for CI (every path, smallest shapes).
 */

import { DEFAULT_PRESET, presetConfig } from '../../engine/config/presets.js';
import type { CheckpointFs } from '../../engine/model/checkpoint.js';
import { modelPreset } from '../../engine/model/config.js';
import { type LearningReport, runLearningBench } from '../../engine/train/learning.js';
import type { AdapterFacts } from '../../kernels/runtime/adapter.js';
import type { Runtime } from '../../kernels/runtime/runtime.js';
import type { BenchRow } from '../case.js';
import qwenConfig from '../fixtures/qwen2.5-0.5b.config.json';
import smolConfig from '../fixtures/smollm2-135m.config.json';
import { type ModelBenchSpec, runModelBench, tenMillionConfig } from '../model-bench.js';
import type { TfjsPeer } from '../peers/tfjs.js';
import { type GrpoCheckRow, type GrpoCheckSpec, runGrpoCheck } from './grpo.js';
import { type MatmulCheckRow, runMatmulCheck, type TimingMethod } from './matmul.js';
import { type DevicePeak, devicePeak } from './peaks.js';

export const CHECK_SIZES = ['tiny', 'small', 'full'] as const;
export type CheckSize = (typeof CHECK_SIZES)[number];

export interface CheckSizes {
  matmul: {
    square: number[];
    modelBatch: number;
    modelShapes: number;
    warmup: number;
    timed: number;
    repsFlops: number;
  };
  models: ModelBenchSpec[];
  grpo: Omit<GrpoCheckSpec, 'label' | 'fixture' | 'hfConfig' | 'overrides'> & {
    /** config.json fields replaced in both models ({} = the real architectures). */
    overrides: Record<string, number>;
  };
  /** The default card (DEFAULT_PRESET); tiny runs the smoke card, whose setup takes seconds, not minutes. */
  learning: { preset: string; prompts: number; every: number; steps: number };
}

/** `full` on hardware, `small` on software adapters (SwiftShader, lavapipe, WARP). */
export function defaultSize(facts: Pick<AdapterFacts, 'isSoftware' | 'isFallbackAdapter'>): CheckSize {
  return facts.isSoftware || facts.isFallbackAdapter ? 'small' : 'full';
}

function modelSpecs(
  d: [train: number, tokens: number, decode: number, prompt: number, fresh: number],
  m10: [train: number, tokens: number, decode: number, prompt: number, fresh: number],
  runs: { warmup: number; timed: number },
  peer: boolean,
): ModelBenchSpec[] {
  const spec = (label: string, config: ModelBenchSpec['config'], s: typeof d, withPeer: boolean) => ({
    label,
    config,
    trainRows: s[0],
    trainTokens: s[1],
    decodeRows: s[2],
    promptTokens: s[3],
    newTokens: s[4],
    peer: withPeer,
    ...runs,
  });
  return [spec('default', modelPreset('default'), d, peer), spec('10M', tenMillionConfig(), m10, false)];
}

/** The sizes of each class (printed by the command and written into its report). */
export function checkSizes(size: CheckSize): CheckSizes {
  switch (size) {
    case 'full':
      return {
        matmul: {
          square: [1024, 2048, 4096],
          modelBatch: 64,
          modelShapes: 18,
          warmup: 2,
          timed: 10,
          repsFlops: 2e10,
        },
        models: modelSpecs([64, 48, 64, 16, 32], [64, 48, 64, 16, 32], { warmup: 1, timed: 3 }, true),
        grpo: { prompts: 4, generations: 8, newTokens: 64, rank: 8, warmupSteps: 1, overrides: {} },
        learning: { preset: DEFAULT_PRESET, prompts: 200, every: 10, steps: 100 },
      };
    case 'small':
      return {
        matmul: {
          square: [256, 512, 1024],
          modelBatch: 16,
          modelShapes: 18,
          warmup: 1,
          timed: 3,
          repsFlops: 0,
        },
        models: modelSpecs([16, 48, 16, 16, 16], [4, 48, 4, 16, 16], { warmup: 1, timed: 1 }, false),
        grpo: {
          prompts: 1,
          generations: 2,
          newTokens: 8,
          rank: 8,
          warmupSteps: 0,
          overrides: { num_hidden_layers: 1 },
        },
        learning: { preset: DEFAULT_PRESET, prompts: 32, every: 2, steps: 2 },
      };
    case 'tiny':
      return {
        matmul: { square: [16, 32], modelBatch: 1, modelShapes: 3, warmup: 1, timed: 1, repsFlops: 0 },
        models: modelSpecs([1, 8, 1, 4, 2], [1, 8, 1, 4, 2], { warmup: 1, timed: 1 }, false),
        grpo: {
          prompts: 1,
          generations: 2,
          newTokens: 4,
          rank: 8,
          warmupSteps: 0,
          overrides: {
            num_hidden_layers: 1,
            hidden_size: 64,
            intermediate_size: 128,
            num_attention_heads: 4,
            num_key_value_heads: 2,
            vocab_size: 320,
          },
        },
        learning: { preset: 'smoke', prompts: 4, every: 1, steps: 1 },
      };
    default:
      throw size satisfies never;
  }
}

/** What `--json` writes. */
export interface DeviceCheckReport {
  format: 'tabrl-device-check-v1';
  size: CheckSize;
  adapter: Pick<
    AdapterFacts,
    'vendor' | 'architecture' | 'device' | 'description' | 'isFallbackAdapter' | 'isSoftware'
  >;
  peak: DevicePeak;
  timing: TimingMethod;
  sizes: CheckSizes;
  matmul: MatmulCheckRow[];
  models: BenchRow[];
  grpo: GrpoCheckRow[];
  learning: LearningReport;
  /** Seconds each part took, and all of them. */
  seconds: { matmul: number; models: number; grpo: number; learning: number; total: number };
}

export interface DeviceCheckOptions {
  size: CheckSize;
  peer: TfjsPeer | null;
  /** Time matmuls by the wall clock even where timestamps exist. */
  wallClock?: boolean;
  /** Opens the default card's warm start (the CLI maps /models/... to public/). */
  openCheckpoint: (name: string) => CheckpointFs;
  log?: (line: string) => void;
}

export async function runDeviceCheck(rt: Runtime, o: DeviceCheckOptions): Promise<DeviceCheckReport> {
  const sizes = checkSizes(o.size);
  const peak = devicePeak(rt.facts);
  const timing: TimingMethod = rt.hasTimestamps && !o.wallClock ? 'gpu-timestamps' : 'wall-clock+fence';
  const log = o.log ?? (() => {});
  const clock = () => performance.now() / 1000;
  const t0 = clock();
  log(`matmul (${timing})`);
  const matmul = await runMatmulCheck(rt, {
    ...sizes.matmul,
    timing,
    peer: o.peer,
    peakTflops: peak.fp32_tflops,
    log,
  });
  const t1 = clock();
  log('models: training and decode');
  const models = (await runModelBench(rt, { peer: o.peer, specs: sizes.models, log: (l) => log(`  ${l}`) }))
    .rows;
  const t2 = clock();
  const grpo: GrpoCheckRow[] = [];
  for (const [label, fixture, hfConfig] of [
    ['SmolLM2-135M', 'bench/fixtures/smollm2-135m.config.json', smolConfig],
    ['Qwen2.5-0.5B', 'bench/fixtures/qwen2.5-0.5b.config.json', qwenConfig],
  ] as const) {
    log(`LoRA GRPO step: ${label}`);
    const row = await runGrpoCheck(rt, { ...sizes.grpo, label, fixture, hfConfig });
    log(
      `  ${row.step_seconds.toFixed(2)} s (generate ${row.generate_seconds.toFixed(2)}, score ${row.score_seconds.toFixed(3)}, ` +
        `reference ${row.reference_seconds.toFixed(2)}, train ${row.train_seconds.toFixed(2)}), peak ${(row.peak_bytes / 2 ** 20).toFixed(0)} MiB`,
    );
    grpo.push(row);
  }
  const t3 = clock();
  log(`time to learn: preset ${sizes.learning.preset}`);
  const learning = await runLearningBench({
    rt,
    ...sizes.learning,
    config: presetConfig(sizes.learning.preset),
    openCheckpoint: o.openCheckpoint,
    onEval: (e) =>
      log(`  step ${e.steps}: pass@1 ${e.passAt1.toFixed(4)} after ${e.seconds.toFixed(1)} s of steps`),
  });
  const t4 = clock();
  const { vendor, architecture, device, description, isFallbackAdapter, isSoftware } = rt.facts;
  return {
    format: 'tabrl-device-check-v1',
    size: o.size,
    adapter: { vendor, architecture, device, description, isFallbackAdapter, isSoftware },
    peak,
    timing,
    sizes,
    matmul,
    models,
    grpo,
    learning,
    seconds: { matmul: t1 - t0, models: t2 - t1, grpo: t3 - t2, learning: t4 - t3, total: t4 - t0 },
  };
}
