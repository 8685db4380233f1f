/**
 * A run on a model whose tokenizer_config.json has a chat template (a tiny llama checkpoint, char
 * tokenizer, a template written in its alphabet that uses eos_token): the session reports the format,
 * rollouts record the rendered prompt beside the task's, SFT and Try encode the same ids, a saved
 * checkpoint keeps the template; `chat_template: none` turns it off; a broken template stops the run
 * before anything is uploaded, with the template's problem in the message; prompts that the template
 * makes longer than the memory estimate assumed are checked against the budget before the upload.
 */
import { describe, expect, it } from 'vitest';
import { testRuntime } from '../../kernels/testing/gpu';
import { type PartialRunConfig, resolveRunConfig } from '../config/resolve';
import { tinyCheckpoint } from '../hub/fixtures';
import { memoryFs } from '../model/checkpoint';
import { parseHfConfig } from '../model/config';
import { estimateRunMemory, ModelTooLargeError } from '../model/memory';
import { createTrainingSession } from './session';
import type { StepSamples } from './session-types';

// prompts such as "12+34=" become "[12+34=]<eos>:" (<eos> is the char tokenizer's id 1)
const TEMPLATE =
  '{% for m in messages %}{% if m.role == "system" %}({{ m.content }}){% else %}[{{ m.content }}]{{ eos_token }}{% endif %}{% endfor %}{% if add_generation_prompt %}:{% endif %}';

function folderWithTemplate(template: unknown) {
  const files = new Map(tinyCheckpoint('llama', 5).files);
  const config = JSON.parse(new TextDecoder().decode(files.get('tokenizer_config.json')));
  files.set(
    'tokenizer_config.json',
    new TextEncoder().encode(JSON.stringify({ ...config, chat_template: template })),
  );
  return files;
}

function config(over: PartialRunConfig = {}) {
  return resolveRunConfig({
    algorithm: 'grpo',
    seed: 3,
    model: { name: 'tiny-chat', overrides: {} },
    task: { name: 'addition', digits: 1 },
    reward_funcs: ['correct'],
    prompts_per_step: 2,
    num_generations: 2,
    max_completion_length: 3,
    eval_every: 0,
    max_steps: 2,
    ...over,
  });
}

/** Prompt tokens of a step: its num_tokens less the completion tokens its samples record. */
function promptTokens(numTokens: number, step: StepSamples): number {
  return numTokens - step.groups.flatMap((g) => g.completions).reduce((n, c) => n + c.length, 0);
}

async function open(
  files: Map<string, Uint8Array>,
  c: ReturnType<typeof config>,
  samples: StepSamples[] = [],
  budgetBytes?: number,
) {
  const rt = await testRuntime();
  return createTrainingSession(
    rt,
    c,
    { onSamples: (s) => samples.push(s) },
    { openCheckpoint: () => memoryFs(new Map(files)), memory: budgetBytes ? { budgetBytes } : undefined },
  );
}

describe('a run on a model with a chat template', () => {
  it('renders every prompt through it, records the rendering, keeps the template on save', async () => {
    const samples: StepSamples[] = [];
    const session = await open(folderWithTemplate(TEMPLATE), config(), samples);
    try {
      const info = session.promptFormat;
      expect(info?.mode).toBe('template');
      expect(info?.example?.rendered).toBe(`[${info?.example?.prompt}]<eos>:`);
      const m = await session.step();
      expect(samples).toHaveLength(1);
      for (const g of samples[0].groups) {
        expect(g.prompt).toMatch(/^\d\+\d=$/);
        expect(g.rendered_prompt).toBe(`[${g.prompt}]<eos>:`);
      }
      // the model was given the rendered ids: num_tokens = G x 8 prompt tokens per group + completions
      expect(promptTokens(m.num_tokens, samples[0])).toBe(2 * 2 * 8);
      const saved = await session.saveCheckpoint();
      const tokConfig = JSON.parse(new TextDecoder().decode(saved.get('tokenizer_config.json')));
      expect(tokConfig.chat_template).toBe(TEMPLATE);
    } finally {
      session.dispose();
    }
  });

  it('chat_template none sends prompts as written; a system_prompt goes through the template', async () => {
    const samples: StepSamples[] = [];
    const raw = await open(folderWithTemplate(TEMPLATE), config({ chat_template: 'none' }), samples);
    try {
      expect(raw.promptFormat).toMatchObject({ mode: 'raw', reason: 'off' });
      const m = await raw.step();
      for (const g of samples[0].groups) expect(g.rendered_prompt).toBeUndefined();
      expect(promptTokens(m.num_tokens, samples[0])).toBe(2 * 2 * '1+2='.length);
    } finally {
      raw.dispose();
    }
    const sys = await open(folderWithTemplate(TEMPLATE), config({ system_prompt: '0' }));
    try {
      const ex = sys.promptFormat?.example;
      expect(ex?.rendered).toBe(`(0)[${ex?.prompt}]<eos>:`);
    } finally {
      sys.dispose();
    }
  });

  it('a broken template stops the run at load with the template problem named', async () => {
    await expect(
      open(folderWithTemplate('{% for m in messages %}[{{ m.content }}]'), config()),
    ).rejects.toThrow(/the chat template cannot be parsed by @huggingface\/jinja/);
    await expect(
      open(
        folderWithTemplate(
          '{% if messages[0].role == "system" %}{{ raise_exception("no system turns") }}{% endif %}[{{ messages[-1].content }}]',
        ),
        config({ system_prompt: '0' }),
      ),
    ).rejects.toThrow(/failed to render a system \+ user conversation: no system turns/);
  });

  it('prompts the template makes longer than assumed are checked against the budget before the upload', async () => {
    // 40 characters before every prompt: "1+2=" becomes 47 tokens, past the 32 that config.json's check assumed
    const files = folderWithTemplate(
      `${'0123456789'.repeat(4)}{% for m in messages %}[{{ m.content }}]{% endfor %}:`,
    );
    const c = config();
    const model = parseHfConfig(JSON.parse(new TextDecoder().decode(files.get('config.json'))));
    const assumed = estimateRunMemory(model, c);
    expect(assumed.shapes.promptTokens).toBe(32);
    const measured = estimateRunMemory(model, c, { promptTokens: 47 });
    expect(measured.total).toBeGreaterThan(assumed.total);
    const rt = await testRuntime();
    const before = rt.stats().liveBuffers;
    // a budget that config.json's check passes but the measured prompts do not
    const attempt = open(files, c, [], assumed.total);
    await expect(attempt).rejects.toThrow(ModelTooLargeError);
    await expect(attempt).rejects.toThrow(/rows of 50 tokens \(prompts of up to 47\)\. Try LoRA/);
    expect(rt.stats().liveBuffers).toBe(before);
    // with room for them the same run starts
    const fits = await open(files, c, [], measured.total);
    fits.dispose();
  });
});
