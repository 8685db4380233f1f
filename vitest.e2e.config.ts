import { defineConfig } from 'vitest/config';

// End-to-end tests: the built app in headless Chromium (SwiftShader WebGPU). One file at a time.
export default defineConfig({
  test: {
    include: ['tests/e2e/**/*.e2e.ts'],
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 120_000,
  },
});
