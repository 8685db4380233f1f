/**
 * Test fixture (imported only by tests; onnx-proto is a devDependency): a tiny but valid ONNX
 * sequence classifier written with onnx-proto, its float64 CPU reference, and a reward-model folder
 * (model.onnx, tokenizer.json of a character tokenizer, config.json with id2label) holding it.
 * Network: logits = mean over attended positions of E[input_ids] (masked sum / count) @ W + b.
 */

import type { onnx as Onnx } from 'onnx-proto';
import onnxProto from 'onnx-proto';
import { type CheckpointFs, memoryFs } from '../model/checkpoint.js';
import type { CharTokenizer } from '../tokenizers/char-tokenizer.js';

// onnx-proto is CommonJS: a default import works in Node's ESM loader as well as in Vite.
const { onnx } = onnxProto;

export interface TinyClassifier {
  /** V: vocabulary, C: embedding width, L: labels. */
  V: number;
  C: number;
  L: number;
  /** [V,C], [C,L], [L] row-major; float32-representable values. */
  embedding: Float32Array;
  weight: Float32Array;
  bias: Float32Array;
}

/** Weights uniform in [-scale, scale) from `random` (a seeded generator in [0,1)). */
export function tinyClassifier(
  V: number,
  C: number,
  L: number,
  random: () => number,
  scale = 1,
): TinyClassifier {
  const draw = (n: number) => Float32Array.from({ length: n }, () => (2 * random() - 1) * scale);
  return { V, C, L, embedding: draw(V * C), weight: draw(C * L), bias: draw(L) };
}

const FLOAT = onnx.TensorProto.DataType.FLOAT;
const INT64 = onnx.TensorProto.DataType.INT64;

function floatTensor(name: string, dims: number[], data: Float32Array): Onnx.ITensorProto {
  return { name, dims, dataType: FLOAT, floatData: Array.from(data) };
}

function int64Tensor(name: string, values: number[]): Onnx.ITensorProto {
  return { name, dims: [values.length], dataType: INT64, int64Data: values };
}

function valueInfo(name: string, elemType: number, dims: (number | string)[]): Onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/** model.onnx bytes (IR 8, opset 13) of the network; inputs input_ids / attention_mask int64 [B,T]. */
export function tinyClassifierOnnx(m: TinyClassifier): Uint8Array {
  const node = (
    opType: string,
    input: string[],
    output: string[],
    attribute: Onnx.IAttributeProto[] = [],
  ) => ({
    opType,
    input,
    output,
    attribute,
    name: output[0],
  });
  const intAttr = (name: string, i: number): Onnx.IAttributeProto => ({
    name,
    type: onnx.AttributeProto.AttributeType.INT,
    i,
  });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'tabrl-test',
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'tiny_classifier',
      node: [
        node('Gather', ['embedding', 'input_ids'], ['embedded']), // [B,T,C]
        node('Cast', ['attention_mask'], ['mask_f'], [intAttr('to', FLOAT)]), // [B,T]
        node('Unsqueeze', ['mask_f', 'axis_2'], ['mask_3d']), // [B,T,1]
        node('Mul', ['embedded', 'mask_3d'], ['masked']), // [B,T,C]
        node('ReduceSum', ['masked', 'axis_1'], ['summed'], [intAttr('keepdims', 0)]), // [B,C]
        node('ReduceSum', ['mask_f', 'axis_1'], ['count'], [intAttr('keepdims', 1)]), // [B,1]
        node('Div', ['summed', 'count'], ['pooled']), // [B,C]
        node('MatMul', ['pooled', 'weight'], ['projected']), // [B,L]
        node('Add', ['projected', 'bias'], ['logits']), // [B,L]
      ],
      initializer: [
        floatTensor('embedding', [m.V, m.C], m.embedding),
        floatTensor('weight', [m.C, m.L], m.weight),
        floatTensor('bias', [m.L], m.bias),
        int64Tensor('axis_1', [1]),
        int64Tensor('axis_2', [2]),
      ],
      input: [
        valueInfo('input_ids', INT64, ['batch', 'sequence']),
        valueInfo('attention_mask', INT64, ['batch', 'sequence']),
      ],
      output: [valueInfo('logits', FLOAT, ['batch', m.L])],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** The same network in float64: logits [L] of one token list (all attended). */
export function tinyClassifierLogits(m: TinyClassifier, ids: readonly number[]): Float64Array {
  const pooled = new Float64Array(m.C);
  for (const id of ids) for (let c = 0; c < m.C; c++) pooled[c] += m.embedding[id * m.C + c];
  for (let c = 0; c < m.C; c++) pooled[c] /= ids.length;
  const logits = new Float64Array(m.L);
  for (let l = 0; l < m.L; l++) {
    let s = m.bias[l];
    for (let c = 0; c < m.C; c++) s += pooled[c] * m.weight[c * m.L + l];
    logits[l] = s;
  }
  return logits;
}

/** A reward-model folder in memory: the classifier over `tokenizer`'s ids, labels named `labels`. */
export function tinyRewardModelFolder(
  m: TinyClassifier,
  tokenizer: CharTokenizer,
  labels: readonly string[],
): CheckpointFs & { files: Map<string, Uint8Array> } {
  if (tokenizer.vocabSize !== m.V)
    throw new Error(`tokenizer has ${tokenizer.vocabSize} ids, classifier ${m.V}`);
  const json = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
  const config = {
    architectures: ['TinyForSequenceClassification'],
    id2label: Object.fromEntries(labels.map((name, i) => [String(i), name])),
    label2id: Object.fromEntries(labels.map((name, i) => [name, i])),
    pad_token_id: tokenizer.padId,
  };
  return memoryFs(
    new Map([
      ['model.onnx', tinyClassifierOnnx(m)],
      ['tokenizer.json', json(tokenizer.toJSON())],
      ['tokenizer_config.json', json(tokenizer.tokenizerConfig())],
      ['config.json', json(config)],
    ]),
  );
}
