/**
 * Exports held against committed tables: the HF folder's tensor names, order and shapes (GPT-2's Conv1D
 * [in,out] included) and config fields against hf-tables/*.json, reloading with bit-identical logits;
 * the PEFT adapter against peft-lora.json; the TRL script compiled by python3, using only the committed
 * GRPOConfig fields, with its Python rewards scoring like the JavaScript built-ins on plain and
 * conversational completions, and run end to end over stand-ins for transformers / trl / datasets to see
 * the dataset and max_prompt_length GRPOTrainer would get with and without a chat template.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testRuntime } from '../../kernels/testing/gpu.js';
import { rng } from '../../kernels/testing/random.js';
import { PRESETS, presetConfig } from '../config/presets.js';
import { resolveRunConfig } from '../config/resolve.js';
import { TINY_LAYOUTS, tinyCheckpoint } from '../hub/fixtures.js';
import { readCheckpoint } from '../model/checkpoint.js';
import { modelPreset, parseHfConfig, toHfConfig } from '../model/config.js';
import { GpuModel } from '../model/gpu/model.js';
import { initParams } from '../model/init.js';
import { type LoraOptions, loraParamSpecs } from '../model/lora.js';
import { parseSafetensors } from '../model/safetensors.js';
import { charMatchReward, correctReward, formatReward } from '../rewards/builtin.js';
import { createTask } from '../tasks/index.js';
import { CharTokenizer } from '../tokenizers/char-tokenizer.js';
import {
  configProblems,
  expectedStateDict,
  HF_TABLES,
  PEFT_TABLE,
  undeclaredConfigKeys,
} from './hf-tables.js';
import {
  exportHfFolder,
  PY_REWARDS,
  peftAdapterFiles,
  runPrompts,
  TRANSFORMERS_REQUIREMENT,
  trlScript,
} from './index.js';
import fields from './trl-grpo-config-fields.json';

const decodeJson = (b: Uint8Array | undefined) =>
  JSON.parse(new TextDecoder().decode(b)) as Record<string, unknown>;

const CASES = [
  ...TINY_LAYOUTS.map((l) => [l, () => tinyCheckpoint(l, 5)] as const),
  [
    'gpt2 untied (smoke preset)',
    () => {
      const config = parseHfConfig({ ...toHfConfig(modelPreset('smoke')), tie_word_embeddings: false });
      return { config, params: initParams(config, rng(3)) };
    },
  ] as const,
  [
    'qwen2 untied (qwen2-micro preset)',
    () => {
      const config = modelPreset('qwen2-micro');
      return { config, params: initParams(config, rng(4)) };
    },
  ] as const,
];

describe('HF folder export against the transformers tables', () => {
  it.each(CASES)(
    '%s: names, order, shapes and config fields match; reloads with identical logits',
    async (_n, make) => {
      const { config, params } = make();
      const tok = new CharTokenizer();
      const fs = await exportHfFolder({
        config,
        params,
        tokenizer: tok.toJSON(),
        tokenizerConfig: tok.tokenizerConfig(),
      });
      const files = fs.files!;
      expect([...files.keys()].sort()).toEqual([
        'config.json',
        'files.json', // the folder's file list, so it can be served from any static host
        'model.safetensors',
        'tokenizer.json',
        'tokenizer_config.json',
      ]);
      const hfConfig = decodeJson(files.get('config.json'));
      const table = HF_TABLES[config.family];
      expect(configProblems(table, hfConfig)).toEqual([]);
      expect(undeclaredConfigKeys(table, hfConfig)).toEqual([]);
      expect(hfConfig.model_type).toBe(table.model_type);
      expect(hfConfig.architectures).toEqual(table.architectures);
      const header = parseSafetensors(files.get('model.safetensors')!);
      const got = [...header.tensors].map(([name, e]) => ({ name, shape: e.shape }));
      expect(got).toEqual(expectedStateDict(table, hfConfig));
      expect([...header.tensors.values()].every((e) => e.dtype === 'F32')).toBe(true);
      // reload: the same logits, bit for bit
      const rt = await testRuntime();
      const back = await readCheckpoint(fs);
      const ids = [[2, 5, 7, 3, 9, 4]];
      const a = GpuModel.load(rt, config, params);
      const b = GpuModel.load(rt, back.config, back.params);
      const [la, lb] = [await a.logits(ids), await b.logits(ids)];
      const first = la.findIndex((v, i) => v !== lb[i]);
      expect(first, `logit ${first}: ${la[first]} vs ${lb[first]}`).toBe(-1);
      a.dispose();
      b.dispose();
    },
  );

  it.each(Object.keys(HF_TABLES) as (keyof typeof HF_TABLES)[])(
    'the %s table: every field TabRL writes is declared by a transformers release or listed as legacy',
    (family) => {
      const table = HF_TABLES[family];
      expect(Object.keys(table.hf_config_fields).sort()).toEqual(['4.57.6', '5.17.0']);
      expect(undeclaredConfigKeys(table, { ...table.config_fields, ...table.config_values })).toEqual([]);
      // a key no release declares is caught (the check above can fail)
      expect(undeclaredConfigKeys(table, { n_embed: 1, rope_thetta: 1 })).toEqual(['n_embed', 'rope_thetta']);
    },
  );

  it('reads a config.json as transformers 5 writes it (dtype, rope_parameters) like its 4.x spelling', () => {
    const v4 = toHfConfig(modelPreset('qwen2-micro'));
    const v5: Record<string, unknown> = { ...v4, dtype: 'bfloat16' };
    for (const legacy of ['rope_theta', 'rope_scaling', 'torch_dtype']) delete v5[legacy];
    expect(v5.rope_parameters).toEqual({ rope_type: 'default', rope_theta: 1000000 });
    const parsed = parseHfConfig(v5);
    expect(parsed.ropeTheta).toBe(1000000);
    expect(parsed.torchDtype).toBe('bfloat16');
    expect(parsed.extra).toEqual({});
    expect(() =>
      parseHfConfig({ ...v5, rope_parameters: { rope_type: 'linear', rope_theta: 1e4, factor: 2 } }),
    ).toThrow(/rope_type/);
  });

  it('the tables themselves: SmolLM2-135M and Qwen2.5-0.5B parameter counts from the state-dict tables', () => {
    const count = (table: keyof typeof HF_TABLES, c: Record<string, unknown>) =>
      expectedStateDict(HF_TABLES[table], c).reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0);
    const smol = {
      hidden_size: 576,
      intermediate_size: 1536,
      num_hidden_layers: 30,
      num_attention_heads: 9,
      num_key_value_heads: 3,
      vocab_size: 49152,
      attention_bias: false,
      tie_word_embeddings: true,
    };
    const qwen = {
      hidden_size: 896,
      intermediate_size: 4864,
      num_hidden_layers: 24,
      num_attention_heads: 14,
      num_key_value_heads: 2,
      vocab_size: 151936,
      tie_word_embeddings: true,
    };
    expect(count('llama', smol)).toBe(134_515_008);
    expect(count('qwen2', qwen)).toBe(494_032_768);
    expect(
      count('gpt2', {
        n_embd: 768,
        n_layer: 12,
        n_head: 12,
        n_positions: 1024,
        n_inner: null,
        vocab_size: 50257,
        tie_word_embeddings: true,
      }),
    ).toBe(124_439_808);
  });
});

describe('PEFT adapter export against the PEFT table', () => {
  const cases: [string, () => ReturnType<typeof modelPreset>, LoraOptions, unknown][] = [
    [
      'llama',
      () => modelPreset('llama-micro'),
      { rank: 4, alpha: 8, targetModules: ['q', 'v', 'down'] },
      ['down_proj', 'q_proj', 'v_proj'],
    ],
    [
      'gpt2 all',
      () => modelPreset('smoke'),
      { rank: 2, alpha: 2, targetModules: ['q', 'o', 'up', 'down'] },
      ['c_attn', 'c_fc', 'c_proj'],
    ],
    [
      'gpt2 attention only',
      () => modelPreset('smoke'),
      { rank: 2, alpha: 4, targetModules: ['k', 'o'] },
      '.*\\.(attn\\.c_attn|attn\\.c_proj)',
    ],
  ];
  it.each(cases)(
    '%s: adapter_config.json fields and base_model.model.* tensor names and shapes',
    (_n, makeConfig, lora, targets) => {
      const config = makeConfig();
      const r = rng(9);
      const adapters = new Map(
        loraParamSpecs(config, lora).map((s) => [
          s.name,
          Float32Array.from({ length: s.shape[0] * s.shape[1] }, () => r()),
        ]),
      );
      const files = peftAdapterFiles({ config, lora, adapters, baseModel: 'org/base' });
      expect([...files.keys()]).toEqual(PEFT_TABLE.adapter_files);
      const cfg = decodeJson(files.get('adapter_config.json'));
      expect(configProblems(PEFT_TABLE, cfg)).toEqual([]);
      const declared = new Set(Object.keys(PEFT_TABLE.hf_config_fields));
      expect(Object.keys(cfg).filter((k) => !declared.has(k))).toEqual([]);
      expect(cfg).toMatchObject({
        r: lora.rank,
        lora_alpha: lora.alpha,
        base_model_name_or_path: 'org/base',
        fan_in_fan_out: config.family === 'gpt2',
      });
      expect(cfg.target_modules).toEqual(targets);
      if (typeof targets === 'string') {
        const re = new RegExp(`^${targets}$`);
        expect(re.test('transformer.h.0.attn.c_proj')).toBe(true);
        expect(re.test('transformer.h.0.mlp.c_proj')).toBe(false);
      }
      const st = parseSafetensors(files.get('adapter_model.safetensors')!);
      const names = PEFT_TABLE.module_names[config.family] as Record<string, string>;
      const moduleSuffixes = new Set(lora.targetModules.map((t) => names[t]).filter(Boolean));
      expect(st.tensors.size).toBe(adapters.size);
      for (const [name, e] of st.tensors) {
        const m = /^base_model\.model\.(.+)\.lora_([AB])\.weight$/.exec(name);
        expect(m, name).not.toBe(null);
        expect(moduleSuffixes.has(m![1].split('.').pop()!), name).toBe(true);
        const ours = adapters.get(`${m![1]}.lora_${m![2]}.weight`)!;
        expect(st.float32(name)).toEqual(ours);
        expect(e.shape[m![2] === 'A' ? 0 : 1]).toBe(lora.rank);
      }
    },
  );
});

describe('TRL GRPOTrainer script', () => {
  const allowed = new Set([...fields.grpo_config_fields, ...fields.training_arguments_fields]);
  const dir = mkdtempSync(join(tmpdir(), 'tabrl-trl-'));
  const keywordsOf = (file: string): string[] =>
    JSON.parse(
      execFileSync('python3', [
        '-c',
        'import ast,json,sys\ntree=ast.parse(open(sys.argv[1]).read())\nprint(json.dumps([k.arg for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "GRPOConfig" for k in n.keywords]))',
        file,
      ]).toString(),
    );
  const configs = [
    ...PRESETS.map((p) => [p.name, presetConfig(p.name), {}] as const),
    [
      'hub LoRA with user reward code',
      resolveRunConfig({
        model: { name: 'HuggingFaceTB/SmolLM2-135M-Instruct@main', overrides: {} },
        lora: { rank: 8, alpha: 16, target_modules: ['q', 'v'] },
        reward_funcs: ['correct', 'short'],
        reward_code: [
          {
            name: 'short',
            source: 'function short({ completion }) {\n  return completion.length < 5 ? 1 : 0;\n}',
          },
        ],
        max_steps: 5,
      }),
      {
        modelConfig: parseHfConfig({
          model_type: 'llama',
          hidden_size: 576,
          intermediate_size: 1536,
          num_hidden_layers: 2,
          num_attention_heads: 9,
          num_key_value_heads: 3,
          vocab_size: 100,
          max_position_embeddings: 64,
        }),
      },
    ] as const,
    [
      'chat template with a system prompt',
      resolveRunConfig({
        model: { name: 'Qwen/Qwen2.5-0.5B-Instruct@7ae557604adf67be50417f59c2c2f167def9a775', overrides: {} },
        system_prompt: 'Answer with the number only.',
        max_steps: 3,
      }),
      {},
    ] as const,
  ];
  it.each(configs)(
    `%s: py_compile passes and GRPOConfig gets only TRL ${fields.trl_version} fields`,
    (name, config, options) => {
      const script = trlScript(config, options);
      const file = join(dir, `${name.replace(/\W+/g, '_')}.py`);
      writeFileSync(file, script);
      execFileSync('python3', ['-m', 'py_compile', file]);
      const used = keywordsOf(file);
      expect(used.length).toBeGreaterThan(20);
      expect(used.filter((k) => !allowed.has(k))).toEqual([]);
      expect(script).toContain(`trl==${fields.trl_version}`);
      expect(script).toContain(`"${TRANSFORMERS_REQUIREMENT}"`);
      expect(script).toMatch(/GRPOTrainer\(\n {4}model=MODEL,/);
      expect(script).toContain(`CHAT_TEMPLATE = "${config.chat_template}"`);
      // a pinned hub revision reaches both the tokenizer and the model
      const pinned = /@([0-9a-f]{40})$/.exec(config.model.name)?.[1];
      if (pinned) {
        expect(script).toContain(`REVISION = "${pinned}"`);
        expect(used).toContain('model_init_kwargs');
      } else expect(used).not.toContain('model_init_kwargs');
      if (config.lora)
        expect(script).toContain(
          'LoraConfig(r=8, lora_alpha=16, lora_dropout=0.0, target_modules=["q_proj", "v_proj"]',
        );
      if (config.reward_code.length) expect(script).toContain('# function short({ completion }) {');
    },
  );

  it('writes a NOTE when sft_loss is not ce, naming the paper', () => {
    const sft = (over: Record<string, unknown>) =>
      trlScript(resolveRunConfig({ algorithm: 'sft', max_steps: 3, ...over }));
    expect(sft({})).not.toContain('sft_loss');
    expect(sft({ sft_loss: 'dft' })).toMatch(
      /# NOTE: sft_loss "dft": .*"On the Generalization of SFT: A Reinforcement Learning Perspective with Reward Rectification"/,
    );
    expect(sft({ sft_loss: 'asft', anchor_beta: 0.1 })).toMatch(
      /# NOTE: sft_loss "asft": .*anchor_beta \(0\.1\).*"Anchored Supervised Fine-Tuning"/,
    );
  });

  it('writes a NOTE for sft_targets self_when_correct and for freeze, naming the papers', () => {
    const sft = (over: Record<string, unknown>) =>
      trlScript(resolveRunConfig({ algorithm: 'sft', max_steps: 3, ...over }));
    expect(sft({})).not.toMatch(/sft_targets|freeze/);
    expect(sft({ sft_targets: 'self_when_correct' })).toMatch(
      /# NOTE: sft_targets "self_when_correct": .*"Selective Self-to-Supervised Fine-Tuning for Generalization in Large Language Models"/,
    );
    expect(sft({ freeze: { fraction: 0.5 } })).toMatch(
      /# NOTE: freeze \(fraction 0\.5\): .*"HFT: Half Fine-Tuning for Large Language Models"/,
    );
  });

  it('writes a NOTE for prefix_sampling, with its settings and paper', () => {
    const grpo = (over: Record<string, unknown>) => trlScript(resolveRunConfig({ max_steps: 3, ...over }));
    expect(grpo({})).not.toContain('prefix_sampling');
    expect(grpo({ prefix_sampling: { fraction: 0.5 } })).toMatch(
      /# NOTE: prefix_sampling \(fraction 0.5, ratio 0.05..0.95, decay cosine\): .*"Blending Supervised and Reinforcement Fine-Tuning with Prefix Sampling"/,
    );
  });

  it('writes a NOTE for relift, with its batch and paper', () => {
    const grpo = (over: Record<string, unknown>) => trlScript(resolveRunConfig({ max_steps: 3, ...over }));
    expect(grpo({})).not.toContain('relift');
    expect(grpo({ relift: { batch: null } })).toMatch(
      /# NOTE: relift \(batch 8\): .*"Learning What Reinforcement Learning Can't/,
    );
  });

  it('writes a NOTE when guidance_weight is not 1, naming the paper', () => {
    const grpo = (over: Record<string, unknown>) => trlScript(resolveRunConfig({ max_steps: 3, ...over }));
    expect(grpo({})).not.toContain('guidance_weight');
    expect(grpo({ guidance_weight: 0.5 })).toMatch(
      /# NOTE: guidance_weight 0\.5: .*"Inference-Time Alignment Control for Diffusion Models with Reinforcement Learning Guidance"; TRL has no guidance/,
    );
  });

  it('writes a NOTE for stages and eval_tasks, which TRL lacks', () => {
    const plain = trlScript(resolveRunConfig({ algorithm: 'grpo', max_steps: 3 }));
    expect(plain).not.toMatch(/stages|eval_tasks/);
    const staged = trlScript(
      resolveRunConfig({
        algorithm: 'sft',
        stages: [
          { name: 'warm', steps: 2 },
          { name: 'rl', steps: 3, algorithm: 'grpo' },
        ],
        eval_tasks: [{ label: 'rev', task: { name: 'reversal' } }],
      }),
    );
    expect(staged).toMatch(/# NOTE: stages \(warm: 2 steps, rl: 3 steps\): .*TRL has no stages/);
    expect(staged).toMatch(/# NOTE: eval_tasks \(rev\) are not exported/);
  });

  // Stand-ins for the three packages the script imports: a character-level tokenizer whose chat template
  // (FAKE_CHAT_TEMPLATE, JSON) is `<|role|>content\n` per message then `<|assistant|>`, and whose default
  // encoding adds one special token in front; trl's maybe_apply_chat_template renders conversations as
  // TRL 0.24.0 does (add_generation_prompt after a user turn); GRPOConfig / GRPOTrainer record their kwargs.
  const stubs = join(dir, 'stubs');
  for (const [pkg, source] of Object.entries({
    transformers: `import json, os


class FakeTokenizer:
    def __init__(self, kwargs):
        self.kwargs = kwargs
        self.chat_template = json.loads(os.environ["FAKE_CHAT_TEMPLATE"])

    def apply_chat_template(self, messages, tools=None, continue_final_message=False, tokenize=True, add_generation_prompt=False, **kwargs):
        assert self.chat_template is not None, "no chat template"
        assert not tokenize and add_generation_prompt and not continue_final_message
        return "".join("<|" + m["role"] + "|>" + m["content"] + "\\n" for m in messages) + "<|assistant|>"

    def __call__(self, text, add_special_tokens=True):
        return {"input_ids": ([0] if add_special_tokens else []) + [ord(ch) for ch in text]}


class AutoTokenizer:
    @staticmethod
    def from_pretrained(name, **kwargs):
        return FakeTokenizer(dict(kwargs, name=name))
`,
    trl: `CALLS = {}


def maybe_apply_chat_template(example, tokenizer):
    prompt = example["prompt"]
    if isinstance(prompt, str):
        return {"prompt": prompt}
    assert prompt[-1]["role"] == "user"
    return {"prompt": tokenizer.apply_chat_template(prompt, continue_final_message=False, tokenize=False, add_generation_prompt=True)}


class GRPOConfig:
    def __init__(self, **kwargs):
        CALLS["config"] = kwargs


class GRPOTrainer:
    def __init__(self, **kwargs):
        CALLS["trainer"] = kwargs
`,
    datasets: `class Dataset:
    @staticmethod
    def from_list(rows):
        return list(rows)
`,
  })) {
    mkdirSync(join(stubs, pkg), { recursive: true });
    writeFileSync(join(stubs, pkg, '__init__.py'), source);
  }
  /** Runs a generated script over the stand-ins; what GRPOConfig and GRPOTrainer were given. */
  const runOverStubs = (script: string, chatTemplate: string | null) => {
    const file = join(dir, 'run-me.py');
    writeFileSync(file, script);
    const out = execFileSync(
      'python3',
      [
        '-c',
        'import json, runpy, sys, trl\nrunpy.run_path(sys.argv[1], run_name="stubbed")\nconfig, trainer = trl.CALLS["config"], trl.CALLS["trainer"]\nprint(json.dumps({"max_prompt_length": config["max_prompt_length"], "prompts": [r["prompt"] for r in trainer["train_dataset"]], "answers": [r["answer"] for r in trainer["train_dataset"]], "tokenizer": trainer["processing_class"].kwargs}))',
        file,
      ],
      {
        env: { ...process.env, PYTHONPATH: stubs, FAKE_CHAT_TEMPLATE: JSON.stringify(chatTemplate) },
        stdio: 'pipe',
      },
    );
    return JSON.parse(out.toString()) as {
      max_prompt_length: number;
      prompts: (string | { role: string; content: string }[])[];
      answers: string[];
      tokenizer: Record<string, unknown>;
    };
  };

  it('prompts follow the chat-template rule: conversations with the system prompt only when the tokenizer has a template', () => {
    const system = 'Answer with the number only.';
    const base = { ...presetConfig('arithmetic'), max_steps: 2 };
    const withSystem = resolveRunConfig({ ...base, system_prompt: system });
    const want = runPrompts(withSystem);
    const rendered = (p: string) => `<|system|>${system}\n<|user|>${p}\n<|assistant|>`;
    // auto + system prompt, the model has a template: [system, user] conversations, max_prompt_length in
    // tokens of the rendered text (no special token added, as GRPOTrainer encodes it)
    const chat = runOverStubs(trlScript(withSystem), '{{ messages }}');
    expect(chat.prompts).toEqual(
      want.map((s) => [
        { role: 'system', content: system },
        { role: 'user', content: s.prompt },
      ]),
    );
    expect(chat.answers).toEqual(want.map((s) => s.answer));
    expect(chat.max_prompt_length).toBe(Math.max(...want.map((s) => [...rendered(s.prompt)].length)));
    expect(chat.max_prompt_length).toBeGreaterThan(Math.max(...want.map((s) => s.prompt.length)) + 8);
    expect(chat.tokenizer).toMatchObject({ truncation_side: 'left' });
    // auto without a system prompt: a user turn alone
    const userOnly = runOverStubs(trlScript(resolveRunConfig(base)), '{{ messages }}');
    expect(userOnly.prompts[0]).toEqual([{ role: 'user', content: want[0].prompt }]);
    // the model has no template (auto), or the run turned it off (none): the prompts as written
    const plainWant = want.map((s) => s.prompt);
    const noTemplate = runOverStubs(trlScript(resolveRunConfig(base)), null);
    const off = runOverStubs(
      trlScript(resolveRunConfig({ ...base, chat_template: 'none' })),
      '{{ messages }}',
    );
    for (const plain of [noTemplate, off]) {
      expect(plain.prompts).toEqual(plainWant);
      expect(plain.max_prompt_length).toBe(Math.max(...plainWant.map((p) => p.length)));
    }
    // a system prompt with no template to place it is refused, as TabRL refuses the run
    expect(() => runOverStubs(trlScript(withSystem), null)).toThrow(/system_prompt needs a chat template/);
  });

  it('the Python rewards score like the JavaScript built-ins on drawn prompts and perturbed answers', () => {
    const cases: { completion: string; sample: ReturnType<typeof runPrompts>[number]; task: string }[] = [];
    const r = rng(5);
    for (const preset of ['smoke', 'arithmetic']) {
      const c = presetConfig(preset);
      for (const sample of runPrompts(c).slice(0, 12)) {
        const gold = sample.gold;
        const noisy = [...gold].map((ch) => (r() < 0.3 ? '0' : ch)).join('');
        for (const completion of [gold, noisy, `${gold}x`, ` ${gold} `, '', '<a>1</a>'])
          cases.push({ completion, sample, task: preset });
      }
    }
    const countdown = resolveRunConfig({ task: { name: 'countdown' } });
    for (const sample of runPrompts(countdown).slice(0, 6)) {
      for (const completion of [sample.gold, `${sample.gold}+1`, '(1+2)*3', ''])
        cases.push({ completion, sample, task: 'countdown' });
    }
    const tasks = {
      smoke: presetConfig('smoke').task,
      arithmetic: presetConfig('arithmetic').task,
      countdown: countdown.task,
    };
    const want = cases.map(({ completion, sample, task }) => {
      const input = {
        prompt: sample.prompt,
        completion,
        sample,
        task: createTask(tasks[task as keyof typeof tasks]),
      };
      return [correctReward(input), formatReward(input), charMatchReward(input)];
    });
    const rows = cases.map(({ completion, sample }) => ({
      completion,
      answer: sample.answer,
      tag: sample.tag,
      numbers: sample.numbers ?? null,
    }));
    const file = join(dir, 'rewards.py');
    // argv[1] "chat": each completion as GRPOTrainer passes it after conversational prompts
    writeFileSync(
      file,
      `import ast, json, math, re, sys\nfrom fractions import Fraction\n${PY_REWARDS}\nrows = json.load(sys.stdin)\nc = [r["completion"] for r in rows]\nif sys.argv[1] == "chat":\n    c = [[{"role": "assistant", "content": x}] for x in c]\na = [r["answer"] for r in rows]\nt = [r["tag"] for r in rows]\nn = [r["numbers"] for r in rows]\nm = ["exact"] * len(rows)\nprint(json.dumps([list(x) for x in zip(correct(c, a, t, n, m), format(c, t), char_match(c, a, t))]))\n`,
    );
    for (const form of ['plain', 'chat']) {
      const got = JSON.parse(
        execFileSync('python3', [file, form], { input: JSON.stringify(rows) }).toString(),
      ) as number[][];
      expect(got.length).toBe(want.length);
      const mismatches = got
        .map((g, i) =>
          JSON.stringify(g) === JSON.stringify(want[i])
            ? null
            : `${form} ${JSON.stringify(cases[i].completion)} on ${JSON.stringify(cases[i].sample.prompt)}: python ${g} js ${want[i]}`,
        )
        .filter(Boolean);
      expect(mismatches.slice(0, 5)).toEqual([]);
    }
    expect(want.some(([c]) => c === 1) && want.some(([c]) => c === 0)).toBe(true);
    rmSync(dir, { recursive: true, force: true });
  });
});
