/** `tabrl forward --model DIR --tokens FILE.json --out FILE.safetensors` (see model-io.ts). */
export { runForward as run } from './model-io.js';
