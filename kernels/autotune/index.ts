/** The autotuner's public surface (browser-safe; the Node file store is `./file-store.js`). */
export {
  type AutotuneOptions,
  Autotuner,
  autotunerFor,
  configureAutotuner,
  type Syncable,
  type TuneJob,
} from './autotuner.js';
export { type AutotuneStore, type Choices, defaultStore, localStorageStore, memoryStore } from './store.js';
