import { describe, expect, it } from 'vitest';
import { ortCpuFallbackFlag } from './ort-options.js';

describe('the ort-cpu-fallback flag', () => {
  it('is on unless 0 or false; the fragment wins over the query string', () => {
    expect(ortCpuFallbackFlag('', '')).toBe(true);
    expect(ortCpuFallbackFlag('#c=abc', '?hub=x')).toBe(true);
    expect(ortCpuFallbackFlag('', '?ort-cpu-fallback=0')).toBe(false);
    expect(ortCpuFallbackFlag('#c=abc&ort-cpu-fallback=false', '')).toBe(false);
    expect(ortCpuFallbackFlag('#ort-cpu-fallback=1', '?ort-cpu-fallback=0')).toBe(true);
    expect(ortCpuFallbackFlag('#ort-cpu-fallback=0', '?ort-cpu-fallback=1')).toBe(false);
  });
});
