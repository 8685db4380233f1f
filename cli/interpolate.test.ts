import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readCheckpoint, writeCheckpoint } from '../engine/model/checkpoint.js';
import { nodeCheckpointFs } from '../engine/model/checkpoint-node.js';
import { modelPreset } from '../engine/model/config.js';
import { initParams } from '../engine/model/init.js';
import { CharTokenizer } from '../engine/tokenizers/char-tokenizer.js';
import { rng } from '../kernels/testing/random.js';
import { run } from './commands/interpolate.js';

describe('tabrl interpolate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tabrl-interp-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const config = modelPreset('smoke');
  const tok = new CharTokenizer();
  const save = (name: string, seed: number, c = config) =>
    writeCheckpoint(nodeCheckpointFs(join(dir, name)), {
      config: c,
      params: initParams(c, rng(seed)),
      tokenizer: tok.toJSON(),
      tokenizerConfig: tok.tokenizerConfig(),
      trainerState: null,
    });

  it('writes a folder that loads and equals (1 − α)·A + α·B; α = 0 and 1 give A and B exactly', async () => {
    await save('a', 1);
    await save('b', 2);
    const [a, b] = [
      await readCheckpoint(nodeCheckpointFs(join(dir, 'a'))),
      await readCheckpoint(nodeCheckpointFs(join(dir, 'b'))),
    ];
    for (const alpha of [0, 0.4, 1, 1.5]) {
      const out = join(dir, `out-${alpha}`);
      const args = ['--from', join(dir, 'a'), '--to', join(dir, 'b'), '--alpha', String(alpha), '--out', out];
      expect(await run(args)).toBe(0);
      const c = await readCheckpoint(nodeCheckpointFs(out));
      expect(c.tokenizer).toEqual(a.tokenizer);
      for (const [name, x] of a.params) {
        const y = b.params.get(name)!;
        const z = c.params.get(name)!;
        for (let i = 0; i < x.length; i++)
          expect(z[i]).toBe(
            alpha === 0 ? x[i] : alpha === 1 ? y[i] : Math.fround((1 - alpha) * x[i] + alpha * y[i]),
          );
      }
    }
  });

  it('refuses a shape mismatch by name, and an α past 1.5, writing nothing', async () => {
    await save('wide', 3, { ...config, maxPositions: config.maxPositions * 2 });
    const out = join(dir, 'refused');
    await expect(
      run(['--from', join(dir, 'a'), '--to', join(dir, 'wide'), '--alpha', '0.5', '--out', out]),
    ).rejects.toThrow(/config\.json field "n_positions" differs/);
    await expect(
      run(['--from', join(dir, 'a'), '--to', join(dir, 'b'), '--alpha', '2', '--out', out]),
    ).rejects.toThrow(/alpha must be in \[0, 1.5\]/);
    expect(existsSync(out)).toBe(false);
  });
});
