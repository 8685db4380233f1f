/** Hugging Face hub access: ids and URLs, downloads with progress, caches (Node's disk cache: cache-node.ts). */
export { cacheStorageHubCache, type HubCache, memoryHubCache } from './cache.js';
export {
  type DownloadProgress,
  droppedFilesFs,
  fetchWithProgress,
  HubError,
  type HubOptions,
  hubCheckpointFs,
  prefetchHubModel,
} from './download.js';
export { DEFAULT_HUB_URL, type HubRef, hubFileUrl, parseHubId } from './hub-id.js';
export {
  isLocalModelName,
  LOCAL_MODEL_PREFIX,
  localCheckpointFs,
  localModelName,
  storeLocalModel,
} from './local.js';
export { siteFolderFs } from './site-folder.js';
