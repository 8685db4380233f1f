/**
 * Share links for the page. The codec itself lives in engine/config/share-link.ts so the CLI's
 * `--config` reads the same links; this module is the page's door to it (and its unit tests).
 */
export * from '../../engine/config/share-link.js';
