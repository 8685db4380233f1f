/**
 * PPO's value head (ReFT, docs/ALGORITHMS.md "PPO with a value head"): V = h·w + b on the policy's final
 * normalised hidden state at each completion position, trained by the same AdamW as the policy
 * (engine/optim/adamw.ts) with moments of its own. It is not part of the HF checkpoint (transformers'
 * causal-LM classes have no value head); the trainer state keeps it (trainer-state.ts). Its gradient
 * is clipped by its own norm rather than jointly with the policy's.
 */
import type { Runtime, Tensor } from '../../kernels/runtime/index.js';
import type { ModelConfig } from '../model/config.js';
import { linearBackward, linearForward } from '../model/gpu/linear.js';
import { GpuParams } from '../model/gpu/params.js';
import { type AdamwConfig, type AdamwState, adamwDispose, adamwInit, adamwUpdate } from '../optim/adamw.js';

export class ValueHead {
  /** `value_head.weight` [C,1] and `value_head.bias` [1], zero at the start. */
  readonly params: GpuParams;
  private readonly grads: GpuParams;
  /** The head's AdamW state; `update` replaces it, the trainer state saves and restores it. */
  optimizer: AdamwState;

  constructor(
    readonly rt: Runtime,
    model: ModelConfig,
  ) {
    const C = model.hiddenSize;
    const specs = [
      { name: 'value_head.weight', shape: [C, 1] },
      { name: 'value_head.bias', shape: [1] },
    ];
    this.params = GpuParams.uploadSpecs(
      rt,
      model,
      specs,
      new Map(specs.map((s) => [s.name, new Float32Array(s.shape[0])])),
    );
    this.grads = GpuParams.zerosLike(this.params, '.grad');
    this.optimizer = adamwInit(this.params);
  }

  get weight(): Tensor {
    return this.params.get('value_head.weight');
  }

  get bias(): Tensor {
    return this.params.get('value_head.bias');
  }

  /** V [N] for hidden states [N,C]. */
  forward(hidden: Tensor): Tensor {
    return linearForward(this.rt, hidden, {
      weight: this.weight,
      bias: this.bias,
      orientation: 'in_out',
    }).reshapeOwned([hidden.shape[0]]);
  }

  /** Accumulates d/dw, d/db from dV [N] and returns d/dhidden [N,C]. */
  backward(hidden: Tensor, dValues: Tensor): Tensor {
    return linearBackward(
      this.rt,
      dValues.reshape([dValues.size, 1]),
      hidden,
      { weight: this.weight, bias: this.bias, orientation: 'in_out' },
      {
        dweight: this.grads.get('value_head.weight'),
        dbias: this.grads.get('value_head.bias'),
      },
    );
  }

  zeroGrad(): void {
    this.grads.zero();
  }

  /** One AdamW update of the head (the policy's hyper-parameters); refused, like the policy's, when not finite. */
  async update(config: AdamwConfig): Promise<boolean> {
    const r = await adamwUpdate(this.optimizer, this.params, this.grads, config);
    this.optimizer = r.state;
    return r.applied;
  }

  /** Fresh AdamW moments and step count, weights kept (a new stage that keeps the head). */
  resetOptimizer(): void {
    adamwDispose(this.optimizer);
    this.optimizer = adamwInit(this.params);
  }

  dispose(): void {
    this.params.dispose();
    this.grads.dispose();
    adamwDispose(this.optimizer);
  }
}
