/**
 * The default model's sizes (docs/DESIGN.md: GPT-2 family, n_embd 128, 4 layers, 4 heads, 64 positions,
 * a character vocabulary of about 32) and one RL step's batch: P=8 prompts x G=8 samples, each up
 * to 32 prompt + ~16 completion tokens, so every linear layer sees 64 x 48 = 3072 rows.
 */
export const DEFAULT_MODEL = {
  C: 128, // n_embd
  F: 512, // MLP width, 4*C
  V: 32, // vocabulary
  H: 4, // heads
  D: 32, // head dimension, C/H
  B: 64, // sequences per step, P*G
  T: 48, // tokens per sequence
} as const;

export type ModelSizes = { [K in keyof typeof DEFAULT_MODEL]: number };

/** Rows through every linear layer: B*T. */
export function rows(m: ModelSizes): number {
  return m.B * m.T;
}
