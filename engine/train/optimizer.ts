/**
 * AdamW over a model's parameters with global-norm clipping, and the guard that refuses an update
 * whose gradients hold NaN or Inf before it touches the weights. One small readback per update (the
 * norm and the finite flag): the only way to say "this step was refused" honestly.
 */
import { adamwStep, clipScale } from '../../kernels/ops/adamw/adamw.js';
import { allFinite, globalNorm } from '../../kernels/ops/reduce/reduce.js';
import type { Runtime, Tensor } from '../../kernels/runtime/index.js';
import { GpuParams } from '../model/gpu/params.js';

export interface AdamwConfig {
  learningRate: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** 0 = no clipping. */
  maxGradNorm: number;
}

export interface UpdateResult {
  /** Global gradient norm before clipping (NaN/Inf when refused). */
  gradNorm: number;
  applied: boolean;
}

export class AdamW {
  readonly m: GpuParams;
  readonly v: GpuParams;
  /** Updates applied so far (Adam's bias-correction step is this + 1). */
  steps = 0;

  constructor(
    readonly rt: Runtime,
    params: GpuParams,
  ) {
    if (params.hasHalfWeights)
      throw new Error('AdamW: these parameters are stored as f16; full fine-tuning keeps f32 master weights');
    this.m = GpuParams.zerosLike(params, '.exp_avg');
    this.v = GpuParams.zerosLike(params, '.exp_avg_sq');
  }

  /** Applies one update from `grads` unless they are non-finite. `extra` scalars are read in the same readback. */
  async update(
    params: GpuParams,
    grads: GpuParams,
    config: AdamwConfig,
    extra: Tensor[] = [],
  ): Promise<UpdateResult & { extra: number[] }> {
    const rt = this.rt;
    const list = grads.list();
    const norm = globalNorm(rt, list);
    const finite = allFinite(rt, list);
    const read = await rt.readMany([norm, finite, ...extra]);
    const gradNorm = read[0][0];
    const ok = read[1][0] === 1 && Number.isFinite(gradNorm);
    const extraValues = read.slice(2).map((a) => a[0]);
    if (!ok) {
      norm.dispose();
      finite.dispose();
      return { gradNorm, applied: false, extra: extraValues };
    }
    const scale = config.maxGradNorm > 0 ? clipScale(rt, norm, config.maxGradNorm) : undefined;
    this.steps++;
    for (const spec of params.specs) {
      // a parameter split into row chunks has gradients and moments chunked alike: chunk i with chunk i
      const [p, g, m, v] = [params, grads, this.m, this.v].map((set) => set.chunks(spec.name));
      for (let i = 0; i < p.length; i++) {
        adamwStep(
          rt,
          { param: p[i], grad: g[i], m: m[i], v: v[i] },
          {
            lr: config.learningRate,
            beta1: config.beta1,
            beta2: config.beta2,
            eps: config.eps,
            weightDecay: config.weightDecay,
            step: this.steps,
            gradScale: scale,
          },
        );
      }
    }
    scale?.dispose();
    norm.dispose();
    finite.dispose();
    return { gradNorm, applied: true, extra: extraValues };
  }

  dispose(): void {
    this.m.dispose();
    this.v.dispose();
  }
}
