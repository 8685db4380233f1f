/**
 * Which execution provider each of a run's reward models ended on, as plain data: the session records
 * it, the worker posts it to the page, the lab and the CLI print the same sentence. Kept apart from
 * onnx-model.ts so that the page can read it without pulling in onnxruntime-web.
 */

import type { OrtExecutionProvider, OrtProviderRefusal } from './onnx-runtime.js';

/** One loaded reward model: its config entry's name and label, and where onnxruntime-web runs it. */
export interface RewardModelInfo {
  name: string;
  /** The label as configured (an index or an id2label name). */
  label: number | string;
  /** The class index that label resolved to. */
  labelIndex: number;
  executionProvider: OrtExecutionProvider;
  /** Providers that refused the model before it, with onnxruntime-web's message (empty: first choice). */
  refused: OrtProviderRefusal[];
}

/** WebGPU and WebAssembly, as the sentence names them. */
export function providerName(provider: OrtExecutionProvider): string {
  switch (provider) {
    case 'webgpu':
      return 'WebGPU';
    case 'wasm':
      return 'WebAssembly';
    default:
      return provider satisfies never;
  }
}

/**
 * The sentence the lab shows and the CLI prints:
 * {name 'tiny', label 'GOOD', executionProvider 'webgpu'} -> 'Reward model tiny (label GOOD): onnxruntime-web on WebGPU';
 * on 'wasm' after WebGPU refused with message m -> '... on WebAssembly (WebGPU refused: m)'.
 */
export function describeRewardModel(info: RewardModelInfo): string {
  const refusals = info.refused.map((r) => `${providerName(r.provider)} refused: ${r.message}`);
  return (
    `Reward model ${info.name} (label ${info.label}): onnxruntime-web on ${providerName(info.executionProvider)}` +
    (refusals.length > 0 ? ` (${refusals.join('; ')})` : '')
  );
}
