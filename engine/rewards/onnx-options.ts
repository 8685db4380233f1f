/**
 * The `reward_models` part of RunConfig: a learned reward given by a sequence-classification ONNX model
 * (a folder with model.onnx, tokenizer.json and config.json, as `optimum` exports them). It lives
 * beside the reward code, as tasks/options.ts does, so the option and its implementation change
 * together; engine/config imports it.
 */

import { z } from 'zod';

export const REWARD_MODEL_INPUTS = ['prompt_completion', 'completion'] as const;
export type RewardModelInput = (typeof REWARD_MODEL_INPUTS)[number];

export const REWARD_MODEL_OUTPUTS = ['probability', 'logit'] as const;
export type RewardModelOutput = (typeof REWARD_MODEL_OUTPUTS)[number];

export const rewardModelOptions = z.strictObject({
  name: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,31}$/, { error: 'must be a lowercase identifier (letters, digits, _)' })
    .describe('Name used in reward_funcs and in the rewards/<name>/mean metric'),
  path: z
    .string()
    .min(1)
    .describe(
      "Folder with model.onnx, tokenizer.json, config.json: a shipped path ('/reward-models/x') or a folder",
    ),
  label: z
    .union([z.int().min(0), z.string().min(1)])
    .default(1)
    .describe("Which class is the reward: an index, or a name from config.json's id2label"),
  output: z
    .enum(REWARD_MODEL_OUTPUTS)
    .default('probability')
    .describe('probability: softmax of the logits at the label; logit: the raw logit'),
  input: z
    .enum(REWARD_MODEL_INPUTS)
    .default('prompt_completion')
    .describe('What the classifier reads: prompt followed by completion, or the completion alone'),
  max_length: z
    .int()
    .min(1)
    .max(8192)
    .default(512)
    .describe('Tokens per text at most; longer ones keep their last max_length tokens'),
  batch_size: z.int().min(1).max(1024).default(64).describe('Texts per model call'),
});

export type RewardModelOptions = z.infer<typeof rewardModelOptions>;
