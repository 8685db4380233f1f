/**
 * The default model's training step written in tfjs-core ops, the peer of the "model" rows: token +
 * position embedding gather, pre-LN blocks (layernorm, fused qkv, causal softmax attention, output
 * projection, GELU(tanh) MLP), final layernorm, tied head, mean next-token softmax cross-entropy;
 * gradients by `tf.variableGrads`, global-norm clipping, one readback of loss and norm before the
 * update (as our AdamW guard does), then `AdamOptimizer`. Weights come from the same host values as
 * ours (Hugging Face GPT-2 names, Conv1D [in,out] layout), so the first step's loss can be compared.
 */
import type { ModelConfig } from '../../engine/model/config.js';
import { paramSpecs } from '../../engine/model/param-names.js';

type Tf = typeof import('@tensorflow/tfjs-core');
type T = import('@tensorflow/tfjs-core').Tensor;
type Variable = import('@tensorflow/tfjs-core').Variable;

export interface TfjsTrainStep {
  /** One step; resolves to the loss before the update and the gradient norm before clipping. */
  step(): Promise<{ loss: number; gradNorm: number }>;
  dispose(): void;
}

export interface TfjsTrainOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  maxGradNorm: number;
}

let instance = 0;

/** ids [B][T] (every position real), targets [B*T] (-1 = ignored), count of counted targets. */
export function tfjsGpt2TrainStep(
  tf: Tf,
  config: ModelConfig,
  values: ReadonlyMap<string, Float32Array>,
  ids: readonly (readonly number[])[],
  targets: Int32Array,
  count: number,
  o: TfjsTrainOptions,
): TfjsTrainStep {
  if (config.family !== 'gpt2' || !config.tieWordEmbeddings)
    throw new Error('tfjsGpt2TrainStep: only tied-embedding GPT-2 configs');
  const { hiddenSize: C, numHeads: H, headDim: D, vocabSize: V, normEps: eps } = config;
  const B = ids.length;
  const T = ids[0].length;
  const N = B * T;
  const prefix = `gpt2peer${instance++}/`;
  const vars = new Map<string, Variable>();
  for (const s of paramSpecs(config)) {
    const v = values.get(s.name);
    if (!v) throw new Error(`tfjsGpt2TrainStep: no value for ${s.name}`);
    vars.set(s.name, tf.variable(tf.tensor(v, s.shape), true, prefix + s.name));
  }
  const p = (name: string) => vars.get(name) as Variable;
  const idT = tf.tensor1d(Int32Array.from(ids.flat()), 'int32');
  const posT = tf.tensor1d(
    Int32Array.from({ length: N }, (_, i) => i % T),
    'int32',
  );
  const onehot = new Float32Array(N * V);
  targets.forEach((t, i) => {
    if (t >= 0) onehot[i * V + t] = 1;
  });
  const labels = tf.tensor2d(onehot, [N, V]);
  const maskData = new Float32Array(T * T);
  for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) maskData[i * T + j] = -1e9;
  const causal = tf.tensor2d(maskData, [T, T]);
  const gc = Math.sqrt(2 / Math.PI);

  const layernorm = (x: T, base: string) => {
    const { mean, variance } = tf.moments(x, -1, true);
    const y = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps)));
    return tf.add(tf.mul(y, p(`${base}.weight`)), p(`${base}.bias`));
  };
  const linear = (x: T, base: string) => tf.add(tf.matMul(x, p(`${base}.weight`)), p(`${base}.bias`));
  const heads = (x: T) => tf.transpose(tf.reshape(x, [B, T, H, D]), [0, 2, 1, 3]); // [B,H,T,D]
  const gelu = (x: T) =>
    tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(tf.mul(gc, tf.add(x, tf.mul(0.044715, tf.pow(x, 3)))))));

  const loss = (): T => {
    let x = tf.add(tf.gather(p('transformer.wte.weight'), idT), tf.gather(p('transformer.wpe.weight'), posT));
    for (let l = 0; l < config.numLayers; l++) {
      const h = `transformer.h.${l}`;
      const qkv = linear(layernorm(x, `${h}.ln_1`), `${h}.attn.c_attn`);
      const [q, k, v] = tf.split(qkv, 3, 1).map(heads);
      const att = tf.softmax(tf.add(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(D)), causal));
      const o = tf.reshape(tf.transpose(tf.matMul(att, v), [0, 2, 1, 3]), [N, C]);
      x = tf.add(x, linear(o, `${h}.attn.c_proj`));
      const f = gelu(linear(layernorm(x, `${h}.ln_2`), `${h}.mlp.c_fc`));
      x = tf.add(x, linear(f, `${h}.mlp.c_proj`));
    }
    const logits = tf.matMul(layernorm(x, 'transformer.ln_f'), p('transformer.wte.weight'), false, true);
    const perRow = tf.neg(tf.sum(tf.mul(tf.logSoftmax(logits), labels), -1));
    return tf.div(tf.sum(perRow), count);
  };

  const opt = tf.train.adam(o.lr, o.beta1, o.beta2, o.eps);
  const varList = [...vars.values()];
  return {
    async step() {
      const { lossNorm, scaled } = tf.tidy(() => {
        const { value, grads } = tf.variableGrads(
          loss as () => import('@tensorflow/tfjs-core').Scalar,
          varList,
        );
        const list = Object.values(grads);
        // pairwise, not tf.addN: one addN over 52 tensors exceeds WebGPU's storage-buffer limit
        const norm = tf.sqrt(list.map((g) => tf.sum(tf.square(g))).reduce((a, b) => tf.add(a, b)));
        const scale = tf.minimum(1, tf.div(o.maxGradNorm, tf.add(norm, 1e-6)));
        const scaledGrads = Object.entries(grads).map(([name, g]) => ({ name, tensor: tf.mul(g, scale) }));
        return { lossNorm: tf.stack([value, norm]), scaled: scaledGrads };
      });
      const [lossValue, gradNorm] = await lossNorm.data();
      lossNorm.dispose();
      if (Number.isFinite(gradNorm)) opt.applyGradients(scaled);
      for (const g of scaled) g.tensor.dispose();
      return { loss: lossValue, gradNorm };
    },
    dispose() {
      for (const v of varList) v.dispose();
      for (const t of [idT, posT, labels, causal]) t.dispose();
      opt.dispose();
    },
  };
}
