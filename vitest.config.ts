import { defineConfig } from 'vitest/config';

// Unit and GPU tests in Node (Dawn). Each file gets its own process and device; two at a time,
// because the CI machine has two cores and SwiftShader uses them all.
export default defineConfig({
  test: {
    include: [
      'kernels/**/*.test.ts',
      'engine/**/*.test.ts',
      'cli/**/*.test.ts',
      'tests/unit/**/*.test.ts',
      'app/**/*.test.ts',
      'bench/**/*.test.ts',
    ],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
