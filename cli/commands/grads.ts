/** `tabrl grads --model DIR --tokens FILE.json --out FILE.safetensors` (see model-io.ts). */
export { runGrads as run } from './model-io.js';
