/**
 * LoRA adapters on the GPU, attached to a base parameter set rather than copied into it: the transformer
 * asks `loraWeightsFor(params, module)` at every linear layer, so the same base tensors run with adapters
 * (the policy) or without (`baseView`: the KL reference, no second copy of the weights). Adapter tensors
 * live in their own GpuParams, which is what the optimizer and the gradient buffers are shaped after.
 */
import type { Runtime } from '../../../kernels/runtime/index.js';
import type { ModelConfig } from '../config.js';
import { type LoraOptions, loraAName, loraBName, loraModules, loraParamSpecs, loraScale } from '../lora.js';
import type { LoraWeights } from './linear.js';
import { GpuParams } from './params.js';

export class GpuLora {
  /** Adapted module paths. */
  readonly modules: ReadonlySet<string>;
  readonly scale: number;
  /** Off: the layers run as the base model (used by tests and "compare with the base"). */
  enabled = true;

  constructor(
    readonly options: LoraOptions,
    /** `<module>.lora_A.weight` [r,in] and `<module>.lora_B.weight` [out,r]. */
    readonly params: GpuParams,
  ) {
    this.modules = new Set(loraModules(params.config, options).map((m) => m.path));
    this.scale = loraScale(options);
  }

  /** Uploads adapter values (every adapter tensor must be present). */
  static upload(
    rt: Runtime,
    config: ModelConfig,
    options: LoraOptions,
    values: ReadonlyMap<string, ArrayLike<number>>,
  ): GpuLora {
    return new GpuLora(options, GpuParams.uploadSpecs(rt, config, loraParamSpecs(config, options), values));
  }

  dispose(): void {
    this.params.dispose();
  }
}

const attached = new WeakMap<GpuParams, GpuLora>();

/** Makes `base` run with `lora` on its adapted layers (until detached). */
export function attachLora(base: GpuParams, lora: GpuLora): void {
  if (
    lora.params.config.family !== base.config.family ||
    lora.params.config.numLayers !== base.config.numLayers
  )
    throw new Error('attachLora: the adapters were built for another model');
  attached.set(base, lora);
}

export function detachLora(base: GpuParams): void {
  attached.delete(base);
}

export function loraOf(params: GpuParams): GpuLora | undefined {
  return attached.get(params);
}

/** The adapter of one linear layer when `params` carries enabled adapters for it. */
export function loraWeightsFor(params: GpuParams, module: string): LoraWeights | undefined {
  const lora = attached.get(params);
  if (!lora?.enabled || !lora.modules.has(module)) return undefined;
  return { a: lora.params.get(loraAName(module)), b: lora.params.get(loraBName(module)), scale: lora.scale };
}

/**
 * The base model without adapters, sharing `base`'s tensors (no copy). Disposing the view frees nothing;
 * the tensors stay owned by `base`.
 */
export function baseView(base: GpuParams): GpuParams {
  return GpuParams.view(base);
}

/**
 * The base with a frozen copy of `adapters` attached (θ_ref of a LoRA run's later stage, docs/ALGORITHMS.md
 * "The reference θ_ref"): a view of the base, so only the adapters are copied; `dispose` frees the copy.
 * `values` (a resume) uploads saved adapter values instead of copying the live ones.
 */
export function frozenAdapterView(
  base: GpuParams,
  adapters: GpuLora,
  values?: ReadonlyMap<string, ArrayLike<number>>,
): GpuParams {
  const copy = values
    ? GpuLora.upload(base.rt, base.config, adapters.options, values)
    : new GpuLora(adapters.options, adapters.params.clone('.ref'));
  const view = GpuParams.view(base);
  attachLora(view, copy);
  const disposeView = view.dispose.bind(view);
  view.dispose = () => {
    disposeView();
    copy.dispose();
  };
  return view;
}
