/**
 * The op registry: every kernel family TabRL dispatches, one line each, readable in one screen
 * (tfjs register_all_kernels.ts). Each folder holds the WGSL, its dispatch wrapper, a float64
 * reference with the same signature, and the tests that hold them together.
 */
export * from './adamw/adamw.js';
export * from './attention/attention.js';
export * from './copy/copy.js';
export * from './cross_entropy/cross_entropy.js';
export * from './elementwise/elementwise.js';
export * from './embedding/embedding.js';
export * from './gelu/gelu.js';
export * from './layernorm/layernorm.js';
export * from './matmul/matmul.js';
export * from './policy_loss/policy_loss.js';
export * from './reduce/reduce.js';
export * from './rmsnorm/rmsnorm.js';
export * from './rope/rope.js';
export * from './sample/sample.js';
export * from './sft_loss/sft_loss.js';
export * from './softmax/softmax.js';
export * from './swiglu/swiglu.js';
export * from './token_logprob/token_logprob.js';
