/**
 * A model ready to run: config, parameters on the GPU and the transformer that reads them. The CLI's
 * `forward`/`grads`, SFT and the RL trainer all go through this.
 */
import type { Runtime } from '../../../kernels/runtime/index.js';
import type { ModelConfig } from '../config.js';
import { disposeBatch, layoutSequences, uploadLayout } from './batch.js';
import { crossEntropyTrainingPass } from './head.js';
import { nextTokenTargets } from './lm-loss.js';
import { GpuParams, type UploadOptions } from './params.js';
import { GpuTransformer } from './transformer.js';

export class GpuModel {
  readonly transformer: GpuTransformer;

  constructor(
    readonly rt: Runtime,
    readonly config: ModelConfig,
    readonly params: GpuParams,
  ) {
    this.transformer = new GpuTransformer(rt, config);
  }

  /** Uploads weights; `frozenWeights: 'f16'` halves the matrices of a base that will not train (LoRA). */
  static load(
    rt: Runtime,
    config: ModelConfig,
    values: ReadonlyMap<string, ArrayLike<number>>,
    options: UploadOptions = {},
  ): GpuModel {
    return new GpuModel(rt, config, GpuParams.upload(rt, config, values, options));
  }

  /** Logits [B,T,V] for equal-length rows (no padding), as `transformers` computes them. */
  async logits(inputIds: readonly (readonly number[])[]): Promise<Float32Array> {
    const T = checkRows(inputIds);
    const batch = uploadLayout(this.rt, layoutSequences(inputIds, null, 0, 0, T));
    const { logits, hidden } = this.transformer.forward(this.params, batch);
    const out = await this.rt.readF32(logits);
    logits.dispose();
    hidden.dispose();
    disposeBatch(batch);
    return out;
  }

  /**
   * Mean next-token cross-entropy over positions 0..T-2 of every row (optionally masked) and the
   * gradient of every parameter, by HF name.
   */
  async lossAndGrads(
    inputIds: readonly (readonly number[])[],
    lossMask?: readonly (readonly number[])[],
  ): Promise<{ loss: number; grads: Map<string, Float32Array> }> {
    const T = checkRows(inputIds);
    const rt = this.rt;
    const batch = uploadLayout(rt, layoutSequences(inputIds, null, 0, 0, T));
    const { targets, count } = nextTokenTargets(inputIds, lossMask);
    const targetT = rt.upload(targets, [targets.length], 'targets', 'i32');
    const grads = GpuParams.zerosLike(this.params, '.grad');
    const loss = crossEntropyTrainingPass(this.transformer, this.params, grads, batch, targetT, count);
    const lossValue = (await rt.readF32(loss))[0];
    const values = await grads.download();
    for (const t of [loss, targetT]) t.dispose();
    grads.dispose();
    disposeBatch(batch);
    return { loss: lossValue, grads: values };
  }

  dispose(): void {
    this.params.dispose();
  }
}

function checkRows(inputIds: readonly (readonly number[])[]): number {
  if (inputIds.length === 0) throw new Error('input_ids must have at least one row');
  const T = inputIds[0].length;
  if (T === 0) throw new Error('input_ids rows must not be empty');
  inputIds.forEach((row, i) => {
    if (row.length !== T)
      throw new Error(`input_ids rows must have equal lengths: row 0 has ${T}, row ${i} has ${row.length}`);
  });
  return T;
}
