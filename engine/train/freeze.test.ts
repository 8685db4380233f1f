/**
 * Half fine-tuning's choice (engine/train/freeze.ts) by hand: the units of a GPT-2 and a llama block,
 * the partial Fisher–Yates draws from a scripted generator, the frozen tensors (biases with their
 * matrices) and `freeze/fraction` counted parameter by parameter; LoRA's units are the adapted modules.
 */
import { describe, expect, it } from 'vitest';
import { modelPreset } from '../model/config';
import { createRng, type Rng } from '../rl/random';
import { choiceFromUnits, chooseFrozen, freezeBlocks, freezeStream, partialShuffle } from './freeze';

/** A generator whose int(lo, hi) returns the scripted draws in order (each checked to lie in [lo, hi]). */
function scripted(draws: number[]): Rng & { left: () => number } {
  const queue = [...draws];
  const rng = createRng(0);
  return {
    ...rng,
    int(lo: number, hi: number) {
      const j = queue.shift();
      if (j === undefined || j < lo || j > hi) throw new Error(`scripted draw ${j} outside [${lo}, ${hi}]`);
      return j;
    },
    left: () => queue.length,
  };
}

describe('partialShuffle', () => {
  it('swaps item i with the drawn j, k times', () => {
    expect(partialShuffle(['a', 'b', 'c', 'd'], 2, scripted([2, 3]))).toEqual(['c', 'd']);
    expect(partialShuffle(['a', 'b', 'c', 'd'], 2, scripted([0, 1]))).toEqual(['a', 'b']);
    // [a,b,c] -> j=2: [c,b,a] -> j=2: [c,a,b] -> j=2: [c,a,b]
    expect(partialShuffle(['a', 'b', 'c'], 3, scripted([2, 2, 2]))).toEqual(['c', 'a', 'b']);
    expect(partialShuffle(['a', 'b'], 0, scripted([]))).toEqual([]);
  });
});

describe('freeze choice', () => {
  it('GPT-2 (smoke: C 32, F 128, 2 blocks): one of 2 attention and one of 2 MLP matrices per block', () => {
    const c = modelPreset('smoke');
    const blocks = freezeBlocks(c, null);
    expect(blocks.map((b) => [b.attention.map((u) => u.name), b.mlp.map((u) => u.name)])).toEqual([
      [
        ['transformer.h.0.attn.c_attn', 'transformer.h.0.attn.c_proj'],
        ['transformer.h.0.mlp.c_fc', 'transformer.h.0.mlp.c_proj'],
      ],
      [
        ['transformer.h.1.attn.c_attn', 'transformer.h.1.attn.c_proj'],
        ['transformer.h.1.mlp.c_fc', 'transformer.h.1.mlp.c_proj'],
      ],
    ]);
    // c_attn 32x96 + 96, c_proj 32x32 + 32, c_fc 32x128 + 128, mlp.c_proj 128x32 + 32
    expect(blocks[0].attention.map((u) => u.params)).toEqual([3168, 1056]);
    expect(blocks[0].mlp.map((u) => u.params)).toEqual([4224, 4128]);
    // wte 32x32, wpe 32x32, 2 x (4 norms of 32 + 12576 in the four units), ln_f 64 (head tied)
    const total = 1024 + 1024 + 2 * (128 + 3168 + 1056 + 4224 + 4128) + 64;
    // draws: block 0 attention j=1 (c_proj), MLP j=0 (c_fc); block 1 attention j=0 (c_attn), MLP j=1
    const rng = scripted([1, 0, 0, 1]);
    const choice = chooseFrozen(blocks, 0.5, rng, total, 0);
    expect(rng.left()).toBe(0);
    expect(choice.units).toEqual([
      'transformer.h.0.attn.c_proj',
      'transformer.h.0.mlp.c_fc',
      'transformer.h.1.attn.c_attn',
      'transformer.h.1.mlp.c_proj',
    ]);
    expect([...choice.tensors]).toEqual([
      'transformer.h.0.attn.c_proj.weight',
      'transformer.h.0.attn.c_proj.bias',
      'transformer.h.0.mlp.c_fc.weight',
      'transformer.h.0.mlp.c_fc.bias',
      'transformer.h.1.attn.c_attn.weight',
      'transformer.h.1.attn.c_attn.bias',
      'transformer.h.1.mlp.c_proj.weight',
      'transformer.h.1.mlp.c_proj.bias',
    ]);
    expect(total).toBe(27520);
    expect(choice.fraction).toBeCloseTo((1056 + 4224 + 3168 + 4128) / 27520, 12);
    // rebuilt from its names (trainer state), the same choice
    const back = choiceFromUnits(blocks, choice.units, total, 0);
    expect([...back.tensors]).toEqual([...choice.tensors]);
    expect(back.fraction).toBe(choice.fraction);
    expect(() => choiceFromUnits(blocks, ['transformer.h.9.attn.c_attn'], total, 0)).toThrow(/does not have/);
  });

  it('llama (4 attention, 3 MLP matrices): floor(0.5*4) = 2 and floor(0.5*3) = 1 per block', () => {
    const c = modelPreset('llama-micro'); // C 32, 4 heads of 8, 2 KV heads, F 48
    const blocks = freezeBlocks(c, null);
    expect(blocks[0].attention.map((u) => [u.name.split('.').pop(), u.params])).toEqual([
      ['q_proj', 1024],
      ['k_proj', 512],
      ['v_proj', 512],
      ['o_proj', 1024],
    ]);
    expect(blocks[0].mlp.map((u) => u.params)).toEqual([1536, 1536, 1536]);
    // block 0 attention: [q,k,v,o] j=2 -> [v,k,q,o], j=3 -> [v,o,q,k]: v, o; MLP j=2: down
    // block 1 attention: j=0, j=1: q, k; MLP j=0: gate
    const choice = chooseFrozen(blocks, 0.5, scripted([2, 3, 2, 0, 1, 0]), 10000, 0);
    expect(choice.units.map((u) => u.replace('model.layers.', ''))).toEqual([
      '0.self_attn.v_proj',
      '0.self_attn.o_proj',
      '0.mlp.down_proj',
      '1.self_attn.q_proj',
      '1.self_attn.k_proj',
      '1.mlp.gate_proj',
    ]);
    expect(choice.fraction).toBeCloseTo((512 + 1024 + 1536 + 1024 + 512 + 1536) / 10000, 12);
  });

  it('qwen2 freezes q/k/v biases with their matrices; fraction 0 and 1', () => {
    const c = modelPreset('qwen2-micro');
    const blocks = freezeBlocks(c, null);
    expect(blocks[0].attention[0].tensors).toEqual([
      'model.layers.0.self_attn.q_proj.weight',
      'model.layers.0.self_attn.q_proj.bias',
    ]);
    expect(chooseFrozen(blocks, 0, createRng(1), 1, 0).units).toEqual([]);
    expect(chooseFrozen(blocks, 1, createRng(1), 1, 0).units.length).toBe(14);
    expect(() => chooseFrozen(blocks, 1.5, createRng(1), 1, 0)).toThrow(/freeze.fraction/);
  });

  it('under LoRA the units are the adapted modules (GPT-2 q and v are one c_attn unit)', () => {
    const c = modelPreset('smoke');
    const blocks = freezeBlocks(c, { rank: 2, alpha: 4, targetModules: ['q', 'v', 'up'] });
    expect(blocks[0].attention).toEqual([
      {
        name: 'transformer.h.0.attn.c_attn',
        tensors: ['transformer.h.0.attn.c_attn.lora_A.weight', 'transformer.h.0.attn.c_attn.lora_B.weight'],
        params: 2 * 32 + 96 * 2,
      },
    ]);
    expect(blocks[0].mlp.map((u) => u.name)).toEqual(['transformer.h.0.mlp.c_fc']);
    // one unit each: floor(0.5 * 1) = 0 of them freeze
    expect(chooseFrozen(blocks, 0.5, createRng(3), 1, 0).units).toEqual([]);
  });

  it("each stage has its own stream from the run's seed", () => {
    const blocks = freezeBlocks(modelPreset('llama-micro'), null);
    const draw = (seed: number, stage: number) =>
      chooseFrozen(blocks, 0.5, freezeStream(createRng(seed), stage), 1, stage).units;
    expect(draw(7, 0)).toEqual(draw(7, 0));
    const stages = [0, 1, 2, 3].map((s) => draw(7, s).join());
    expect(new Set(stages).size).toBeGreaterThan(1);
  });
});
