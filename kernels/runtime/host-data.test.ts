import { describe, expect, it } from 'vitest';
import { decodeHost, encodeHost } from './host-data.js';

describe('host data', () => {
  it('round-trips every dtype through the bytes a tensor holds', () => {
    expect([...decodeHost('f32', encodeHost('f32', [1.5, -2, 0.1]).buffer, 3)]).toEqual([
      1.5,
      -2,
      Math.fround(0.1),
    ]);
    expect([...decodeHost('u32', encodeHost('u32', [0, 7, 4294967295]).buffer, 3)]).toEqual([
      0, 7, 4294967295,
    ]);
    expect([...decodeHost('i32', encodeHost('i32', [-1, 5]).buffer, 2)]).toEqual([-1, 5]);
    // Three halves fill two words; 0.1 rounds to the nearest half, 0.0999755859375.
    const words = encodeHost('f16', [1, -0.5, 0.1]);
    expect(words.length).toBe(2);
    expect([...decodeHost('f16', words.buffer, 3)]).toEqual([1, -0.5, 0.0999755859375]);
  });

  it('a readback padded to whole words keeps only the tensor', () => {
    const padded = new Float32Array([3, 4, 99]).buffer;
    expect([...decodeHost('f32', padded, 2)]).toEqual([3, 4]);
  });
});
