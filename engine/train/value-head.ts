/**
 * PPO's value head (ReFT, docs/ALGORITHMS.md "PPO with a value head"): V = h·w + b on the policy's final
 * normalised hidden state at each completion position, trained with its own AdamW moments. It is not
 * part of the HF checkpoint (transformers' causal-LM classes have no value head); TabRL keeps it, with
 * its moments and step count, in the trainer state (trainer-state.ts). Its gradient is clipped by its own norm rather than jointly with the policy's.
 */
import { adamwStep, clipScale } from '../../kernels/ops/adamw/adamw.js';
import { globalNorm } from '../../kernels/ops/reduce/reduce.js';
import type { Runtime, Tensor } from '../../kernels/runtime/index.js';
import { linearBackward, linearForward } from '../model/gpu/linear.js';

export class ValueHead {
  readonly weight: Tensor; // [C,1]
  readonly bias: Tensor; // [1]
  private readonly grads: { weight: Tensor; bias: Tensor };
  private readonly moments: Tensor[];
  private steps = 0;
  /** Names of the head's tensors in the trainer state, in `moments` order after weight and bias. */
  private static readonly MOMENTS = [
    'exp_avg.weight',
    'exp_avg.bias',
    'exp_avg_sq.weight',
    'exp_avg_sq.bias',
  ];

  constructor(
    readonly rt: Runtime,
    hidden: number,
  ) {
    this.weight = rt.zeros([hidden, 1], 'value_head.weight');
    this.bias = rt.zeros([1], 'value_head.bias');
    this.grads = {
      weight: rt.zeros([hidden, 1], 'value_head.weight.grad'),
      bias: rt.zeros([1], 'value_head.bias.grad'),
    };
    this.moments = [hidden, 1, hidden, 1].map((n, i) => rt.zeros([n], `value_head.moment${i}`));
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
      { dweight: this.grads.weight, dbias: this.grads.bias },
    );
  }

  zeroGrad(): void {
    this.rt.fill(this.grads.weight);
    this.rt.fill(this.grads.bias);
  }

  /** One AdamW step on the head (same hyper-parameters as the policy). */
  step(h: {
    lr: number;
    beta1: number;
    beta2: number;
    eps: number;
    weightDecay: number;
    maxGradNorm: number;
  }): void {
    const rt = this.rt;
    const norm = globalNorm(rt, [this.grads.weight, this.grads.bias]);
    const scale = h.maxGradNorm > 0 ? clipScale(rt, norm, h.maxGradNorm) : undefined;
    this.steps++;
    const pairs: [Tensor, Tensor, Tensor, Tensor][] = [
      [
        this.weight.reshape([this.weight.size]),
        this.grads.weight.reshape([this.weight.size]),
        this.moments[0],
        this.moments[2],
      ],
      [this.bias, this.grads.bias, this.moments[1], this.moments[3]],
    ];
    for (const [param, grad, m, v] of pairs) {
      adamwStep(
        rt,
        { param, grad, m, v },
        {
          lr: h.lr,
          beta1: h.beta1,
          beta2: h.beta2,
          eps: h.eps,
          weightDecay: h.weightDecay,
          step: this.steps,
          gradScale: scale,
        },
      );
    }
    scale?.dispose();
    norm.dispose();
  }

  /** AdamW updates applied to the head so far. */
  get optimizerSteps(): number {
    return this.steps;
  }

  /** weight, bias and the four moment tensors by name (ValueHead.MOMENTS), flat. */
  async download(): Promise<Map<string, Float32Array>> {
    const names = ['weight', 'bias', ...ValueHead.MOMENTS];
    const values = await this.rt.readMany([this.weight, this.bias, ...this.moments]);
    return new Map(names.map((n, i) => [n, values[i] as Float32Array]));
  }

  /** Overwrites the head, its moments and its step count with saved ones (names as `download`). */
  write(values: ReadonlyMap<string, ArrayLike<number>>, steps: number): void {
    const targets: [string, Tensor][] = [
      ['weight', this.weight],
      ['bias', this.bias],
      ...ValueHead.MOMENTS.map((n, i): [string, Tensor] => [n, this.moments[i]]),
    ];
    for (const [name, t] of targets) {
      const v = values.get(name);
      if (!v || v.length !== t.size)
        throw new Error(`value head: trainer state ${name} missing or not ${t.size} values`);
      this.rt.write(t, v);
    }
    this.steps = steps;
  }

  dispose(): void {
    for (const t of [this.weight, this.bias, this.grads.weight, this.grads.bias, ...this.moments])
      t.dispose();
  }
}
