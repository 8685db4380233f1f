import { describe, expect, it } from 'vitest';
import { createRng } from '../rl/random';
import { createTask } from '../tasks';
import { taskOptions } from '../tasks/options';
import { CharTokenizer } from '../tokenizers/char-tokenizer';
import type { RewardInput } from './builtin';
import { describeRewardModel } from './onnx-info';
import {
  classifierText,
  labelReward,
  OnnxRewardModel,
  padBatch,
  type RewardModelText,
  readRewardModelFiles,
  resolveLabel,
} from './onnx-model';
import { type RewardModelOptions, rewardModelOptions } from './onnx-options';
import { disposeRewardFunctions, loadRewardModels, prepareBatchRewards } from './onnx-rewards';
import {
  type TinyClassifier,
  tinyClassifier,
  tinyClassifierLogits,
  tinyRewardModelFolder,
} from './onnx-test-model';
import { runRewards, scoreRunRewards } from './sandbox';
import { scoreCompletions } from './score';

const LABELS = ['NEGATIVE', 'NEUTRAL', 'POSITIVE'];
const tokenizer = new CharTokenizer({ alphabet: '0123456789+=ab' });
const rng = createRng(7);
const net: TinyClassifier = tinyClassifier(tokenizer.vocabSize, 5, LABELS.length, () => rng.next(), 1.5);
const folder = tinyRewardModelFolder(net, tokenizer, LABELS);

const options = (over: Partial<RewardModelOptions> = {}): RewardModelOptions =>
  rewardModelOptions.parse({ name: 'tiny', path: '/reward-models/tiny', ...over });

/** Completions of several lengths, an empty one and one longer than max_length 12 below. */
const TEXTS: RewardModelText[] = [
  { prompt: '12+34=', completion: '46' },
  { prompt: '12+34=', completion: '' },
  { prompt: '1+1=', completion: 'ab' },
  { prompt: '7=', completion: '9999999999999999' },
  { prompt: '', completion: 'a' },
  { prompt: '5+5=', completion: '10' },
  { prompt: '0=', completion: 'bbbaaab0' },
];

/** The reward the classifier should give, in float64 from the same weights and tokenization rules. */
function expected(o: RewardModelOptions, text: RewardModelText, labelIndex: number): number {
  let ids = tokenizer.encode(classifierText(o.input, text)).slice(-o.max_length);
  if (ids.length === 0) ids = [tokenizer.padId];
  return labelReward(tinyClassifierLogits(net, ids), labelIndex, o.output);
}

function expectScores(got: number[], want: number[], atol: number): void {
  const bad = got.flatMap((g, i) =>
    Math.abs(g - want[i]) > atol ? [`#${i}: got ${g}, want ${want[i]}`] : [],
  );
  if (bad.length > 0)
    throw new Error(`${bad.length} scores differ by > ${atol}:\n  ${bad.slice(0, 5).join('\n  ')}`);
  expect(got.length).toBe(want.length);
}

describe('reward-model helpers (hand-computed)', () => {
  it('classifierText joins prompt and completion or takes the completion', () => {
    expect(classifierText('prompt_completion', { prompt: '12+34=', completion: '46' })).toBe('12+34=46');
    expect(classifierText('completion', { prompt: '12+34=', completion: '46' })).toBe('46');
  });

  it('padBatch right-pads, keeps the last max_length tokens, gives an empty text one attended pad', () => {
    expect(padBatch([[5, 6, 7], [8]], 0, 8)).toEqual({
      ids: [5, 6, 7, 8, 0, 0],
      mask: [1, 1, 1, 1, 0, 0],
      rows: 2,
      length: 3,
    });
    expect(padBatch([[1, 2, 3, 4, 5], []], 9, 2)).toEqual({
      ids: [4, 5, 9, 9],
      mask: [1, 1, 1, 0],
      rows: 2,
      length: 2,
    });
  });

  it('resolveLabel takes an index or an id2label name (exact, then any case)', () => {
    const id2label = { '0': 'NEGATIVE', '1': 'POSITIVE' };
    expect(resolveLabel(1, id2label, 2)).toBe(1);
    expect(resolveLabel('POSITIVE', id2label, 2)).toBe(1);
    expect(resolveLabel('negative', id2label, 2)).toBe(0);
    expect(resolveLabel('1', null, 2)).toBe(1);
    expect(() => resolveLabel(2, id2label, 2)).toThrow(/outside the model's 2 classes/);
    expect(() => resolveLabel('happy', id2label, 2)).toThrow(
      /not in config.json's id2label \("NEGATIVE", "POSITIVE"\)/,
    );
  });

  it('labelReward: softmax([0, ln 3]) at 1 = 0.75; logit mode returns the logit', () => {
    expect(labelReward([0, Math.log(3)], 1, 'probability')).toBeCloseTo(0.75, 14);
    expect(labelReward([1000, 1000 + Math.log(3)], 1, 'probability')).toBeCloseTo(0.75, 12);
    expect(labelReward([0.5, -2], 1, 'logit')).toBe(-2);
  });
});

describe('OnnxRewardModel through onnxruntime-web (WASM in Node)', () => {
  it('scores a batch like the float64 network: probability of a named label, prompt + completion', async () => {
    const o = options({ label: 'POSITIVE', batch_size: 3, max_length: 12 });
    const model = await OnnxRewardModel.load(o, () => folder);
    try {
      expect(model.executionProvider).toBe('wasm');
      expect(model.numLabels).toBe(3);
      expect(model.labelIndex).toBe(2);
      const got = await model.score(TEXTS);
      const want = TEXTS.map((t) => expected(o, t, 2));
      expectScores(got, want, 1e-5);
      // Not a constant: the texts get different rewards.
      expect(Math.max(...got) - Math.min(...got)).toBeGreaterThan(0.05);
    } finally {
      model.dispose();
    }
  });

  it('scores raw logits of an index label on the completion alone, one batch', async () => {
    const o = options({ label: 0, output: 'logit', input: 'completion' });
    const model = await OnnxRewardModel.load(o, () => folder);
    try {
      const got = await model.score(TEXTS);
      expectScores(
        got,
        TEXTS.map((t) => expected(o, t, 0)),
        1e-5,
      );
      // Completion-only: the two '46'-free texts with the same completion score the same.
      expect(got[0]).not.toBeCloseTo(got[5], 3);
    } finally {
      model.dispose();
    }
  });

  it('refuses a label the model does not have, and a folder without model.onnx', async () => {
    await expect(OnnxRewardModel.load(options({ label: 'HAPPY' }), () => folder)).rejects.toThrow(
      /reward model "tiny" \(\/reward-models\/tiny\): label "HAPPY" is not in config.json's id2label/,
    );
    await expect(OnnxRewardModel.load(options({ label: 3 }), () => folder)).rejects.toThrow(
      /outside the model's 3/,
    );
    const noModel = tinyRewardModelFolder(net, tokenizer, LABELS);
    noModel.files.delete('model.onnx');
    await expect(readRewardModelFiles(noModel, '"x"')).rejects.toThrow(
      /reward model "x": model\.onnx: not found\. A reward model folder holds/,
    );
  });
});

describe('reward models as reward functions', () => {
  const task = createTask(taskOptions.parse({ name: 'addition' }));
  const inputs: RewardInput[] = TEXTS.map((t) => ({
    prompt: t.prompt,
    completion: t.completion,
    sample: { prompt: t.prompt, answer: '46', gold: '46', tag: null },
    task,
  }));

  it('loads the models reward_funcs names, leaves the rest to runRewards, scores with weights', async () => {
    const tinyOptions = options({ label: 'POSITIVE' });
    const config = {
      reward_funcs: ['correct', 'tiny'],
      reward_weights: [1, 0.5],
      reward_models: [tinyOptions, options({ name: 'unused', path: '/nowhere' })],
      reward_code: [],
    };
    const models = await loadRewardModels(config, (path) => {
      expect(path).toBe('/reward-models/tiny');
      return folder;
    });
    try {
      expect(models.functions.map((f) => [f.name, f.weight])).toEqual([['tiny', 0.5]]);
      expect(models.others).toEqual({ reward_funcs: ['correct'], reward_weights: [1] });
      const funcs = [...runRewards({ ...config, ...models.others }).builtin, ...models.functions];
      expect(scoreCompletions(funcs, inputs).errors[0].message).toMatch(/must await prepareBatchRewards/);
      const r = await scoreRunRewards(await prepareBatchRewards(funcs, inputs), undefined, inputs);
      expect(r.errors).toEqual([]);
      const tiny = TEXTS.map((t) => expected(tinyOptions, t, 2));
      const correct = inputs.map((x) => (x.completion === '46' ? 1 : 0));
      expectScores(
        Array.from(r.rewards),
        tiny.map((v, i) => correct[i] + 0.5 * v),
        1e-5,
      );
      expect(r.metrics['rewards/tiny/mean']).toBeCloseTo(tiny.reduce((a, b) => a + b, 0) / tiny.length, 5);
      expect(r.metrics['rewards/correct/mean']).toBeCloseTo(1 / 7, 12);
    } finally {
      disposeRewardFunctions(models.functions);
    }
  });

  it('a model that fails (a character its tokenizer lacks) fails every sample by name', async () => {
    const { functions } = await loadRewardModels(
      { reward_funcs: ['tiny'], reward_weights: null, reward_models: [options()] },
      () => folder,
    );
    try {
      const odd = [...inputs, { ...inputs[0], completion: 'xyz' }];
      const r = scoreCompletions(await prepareBatchRewards(functions, odd), odd);
      expect(r.errors).toHaveLength(odd.length);
      expect(r.errors[0].fn).toBe('tiny');
      expect(r.errors[0].message).toMatch(/threw: char tokenizer: character "x"/);
    } finally {
      disposeRewardFunctions(functions);
    }
  });

  it("reports each model's provider: WASM first here; WebGPU refused where the runtime has no such backend", async () => {
    const config = {
      reward_funcs: ['correct', 'tiny', 'second'],
      reward_weights: null,
      reward_models: [options({ label: 'POSITIVE' }), options({ name: 'second', label: 0 })],
    };
    const first = await loadRewardModels(config, () => folder);
    disposeRewardFunctions(first.functions);
    expect(first.info).toEqual([
      { name: 'tiny', label: 'POSITIVE', labelIndex: 2, executionProvider: 'wasm', refused: [] },
      { name: 'second', label: 0, labelIndex: 0, executionProvider: 'wasm', refused: [] },
    ]);
    expect(first.info.map(describeRewardModel)).toEqual([
      'Reward model tiny (label POSITIVE): onnxruntime-web on WebAssembly',
      'Reward model second (label 0): onnxruntime-web on WebAssembly',
    ]);
    // Node's onnxruntime-web build has no WebGPU backend: asked for it first, it refuses for real.
    const fallback = await loadRewardModels(config, () => folder, { providers: ['webgpu', 'wasm'] });
    try {
      expect(fallback.info.map((i) => i.executionProvider)).toEqual(['wasm', 'wasm']);
      for (const info of fallback.info) {
        expect(info.refused).toHaveLength(1);
        expect(info.refused[0].provider).toBe('webgpu');
        expect(info.refused[0].message).toMatch(/webgpu/i);
        expect(describeRewardModel(info)).toBe(
          `Reward model ${info.name} (label ${info.label}): onnxruntime-web on WebAssembly (WebGPU refused: ${info.refused[0].message})`,
        );
      }
      // the fallen-back models score as the first ones do
      const r = await prepareBatchRewards(fallback.functions, inputs);
      expect(r[0].fn(inputs[0])).toBeCloseTo(expected(options({ label: 'POSITIVE' }), TEXTS[0], 2), 5);
      expect(r[1].fn(inputs[0])).toBeCloseTo(expected(options({ label: 0 }), TEXTS[0], 0), 5);
    } finally {
      disposeRewardFunctions(fallback.functions);
    }
    await expect(loadRewardModels(config, () => folder, { providers: ['webgpu'] })).rejects.toThrow(
      /onnxruntime-web could not load the model \(webgpu: /,
    );
  });

  it('refuses a model without a way to open folders, and mismatched weights', async () => {
    await expect(
      loadRewardModels({ reward_funcs: ['tiny'], reward_weights: null, reward_models: [options()] }),
    ).rejects.toThrow(/cannot open folders/);
    await expect(
      loadRewardModels({ reward_funcs: ['tiny'], reward_weights: [1, 2], reward_models: [options()] }),
    ).rejects.toThrow(/2 entries for 1/);
  });
});
