import { describe, expect, it } from 'vitest';
import { learningRate } from '../optim/schedule';
import {
  effectiveOverlongBuffer,
  type PolicyLossOptions,
  type StepAdvantageOptions,
  stepAdvantages,
} from '../rl';
import { ALGORITHM_DEFAULTS, SHARED_DEFAULTS } from './defaults';
import { DEFAULT_PRESET, findPreset, PRESETS, presetConfig } from './presets';
import {
  type PartialRunConfig,
  parseRunConfig,
  RunConfigError,
  resolveRunConfig,
  setByPath,
} from './resolve';
import { ALGORITHMS, optionHelp, RUN_CONFIG_KEYS, type RunConfig } from './schema';

const errorsOf = (input: unknown): string[] => {
  const r = parseRunConfig(input);
  if (r.ok) throw new Error('expected errors');
  return r.errors;
};

describe('algorithm defaults (docs/ALGORITHMS.md table)', () => {
  // algorithm: advantage_estimator, scale_rewards (group estimator only), loss_type, epsilon, epsilon_high, beta, kl_in
  const table: [
    string,
    string,
    string | null,
    string,
    number | null,
    number | null,
    number,
    string | null,
  ][] = [
    ['grpo', 'group', 'group', 'grpo', 0.2, 0.2, 0.04, 'loss'],
    ['dr_grpo', 'group', 'none', 'dr_grpo', 0.2, 0.2, 0, null],
    ['dapo', 'group', 'group', 'dapo', 0.2, 0.28, 0, null],
    ['rloo', 'rloo', null, 'bnpo', 0.2, 0.2, 0, null],
    ['reinforce', 'reinforce', null, 'bnpo', null, null, 0, null],
    ['ppo', 'gae', null, 'bnpo', 0.2, 0.2, 0.05, 'reward'],
    ['rft', 'none', null, 'sft', 0.2, 0.2, 0, null],
    ['sft', 'none', null, 'sft', 0.2, 0.2, 0, null],
  ];
  for (const [algorithm, adv, scale, loss, eps, epsHigh, beta, klIn] of table) {
    it(`${algorithm}`, () => {
      const c = resolveRunConfig({ algorithm: algorithm as RunConfig['algorithm'] });
      expect(c.advantage_estimator).toBe(adv);
      if (scale) expect(c.scale_rewards).toBe(scale);
      expect(c.loss_type).toBe(loss);
      if (algorithm !== 'rft' && algorithm !== 'sft') {
        expect(c.epsilon).toBe(eps);
        expect(c.epsilon_high).toBe(epsHigh);
      }
      expect(c.beta).toBe(beta);
      if (klIn) expect(c.kl_in).toBe(klIn);
    });
  }

  it('the other defaults: dapo dynamic sampling + overlong on, reinforce mu=1 decay 0.9, ppo vf_coef 0.5 with k1, rft threshold 1', () => {
    const dapo = resolveRunConfig({ algorithm: 'dapo' });
    expect([
      dapo.dynamic_sampling,
      dapo.overlong_penalty,
      dapo.max_resample_rounds,
      dapo.overlong_buffer,
    ]).toEqual([true, true, 3, null]);
    expect(resolveRunConfig({ algorithm: 'grpo' }).dynamic_sampling).toBe(false);
    const reinforce = resolveRunConfig({ algorithm: 'reinforce' });
    expect([reinforce.num_iterations, reinforce.reinforce_baseline_decay]).toEqual([1, 0.9]);
    const ppo = resolveRunConfig({ algorithm: 'ppo' });
    expect([ppo.vf_coef, ppo.kl_estimator, ppo.gamma, ppo.lam, ppo.cliprange_value]).toEqual([
      0.5,
      'k1',
      1,
      0.95,
      0.2,
    ]);
    expect(resolveRunConfig({ algorithm: 'rft' }).rft_threshold).toBe(1);
  });

  it('shared defaults as docs/ALGORITHMS.md lists them', () => {
    const c = resolveRunConfig();
    expect(c.algorithm).toBe('grpo');
    const want: Partial<RunConfig> = {
      num_generations: 8,
      prompts_per_step: 8,
      max_completion_length: 32,
      temperature: 1,
      top_k: 0,
      top_p: 1,
      min_p: 0,
      learning_rate: 1e-4,
      adam_beta1: 0.9,
      adam_beta2: 0.999,
      weight_decay: 0,
      lr_scheduler: 'constant',
      max_grad_norm: 1,
      num_iterations: 1,
      gradient_accumulation: 1,
      sft_steps: 0,
      kl_estimator: 'k3',
      schema_version: 1,
    };
    for (const [k, v] of Object.entries(want)) expect(c[k as keyof RunConfig], k).toEqual(v);
  });

  it('every default is overridable, and the algorithm row sits under the user values', () => {
    const c = resolveRunConfig({ algorithm: 'dapo', epsilon_high: 0.3, dynamic_sampling: false, beta: 0.01 });
    expect([c.epsilon_high, c.dynamic_sampling, c.beta, c.loss_type]).toEqual([0.3, false, 0.01, 'dapo']);
  });

  it('the tables name only real options and every algorithm has a row', () => {
    for (const a of ALGORITHMS) {
      for (const k of Object.keys(ALGORITHM_DEFAULTS[a])) expect(RUN_CONFIG_KEYS).toContain(k);
    }
    expect(Object.keys(SHARED_DEFAULTS).sort()).toEqual([...RUN_CONFIG_KEYS].sort());
    expect(optionHelp('num_generations')).toMatch(/completions sampled per prompt/);
  });
});

describe('validation messages', () => {
  it('names the field, says why and shows the value', () => {
    expect(errorsOf({ num_generations: 1 })).toEqual(['num_generations: must be >= 2 (got 1)']);
    expect(errorsOf({ learning_rate: 0 })).toEqual(['learning_rate: must be > 0 (got 0)']);
    expect(errorsOf({ top_p: 1.5 })).toEqual(['top_p: must be <= 1 (got 1.5)']);
    expect(errorsOf({ prompts_per_step: 2.5 })).toEqual(['prompts_per_step: must be an integer (got 2.5)']);
    expect(errorsOf({ lr_scheduler: 'step' })).toEqual([
      'lr_scheduler: must be one of constant, linear, cosine (got "step")',
    ]);
    expect(errorsOf({ learning_rat: 1 })).toEqual(['learning_rat: unknown option']);
    expect(errorsOf({ temperature: '1' })).toEqual(['temperature: must be a number (got "1")']);
    expect(errorsOf({ model: 3, kernel_variants: [1] })).toEqual([
      'model: must be an object (got 3)',
      'kernel_variants: must be an object (got [1])',
    ]);
    expect(errorsOf(42)).toEqual(['config: must be an object (got 42)']);
  });

  it('task and model fields are checked with their paths', () => {
    expect(errorsOf({ task: { name: 'chess' } })).toEqual([
      'task.name: must be one of addition, multiplication, countdown, sorting, reversal, dataset (got "chess")',
    ]);
    expect(errorsOf({ task: { name: 'countdown', digits: 2 } })).toEqual(['task.digits: unknown option']);
    expect(errorsOf({ task: { digits: 9 } })).toEqual(['task.digits: must be <= 6 (got 9)']);
    expect(errorsOf({ task: { name: 'addition', tag: 'A' } })).toEqual([
      'task.tag: must be 1 to 8 lowercase letters, or null (got "A")',
    ]);
    expect(errorsOf({ model: { name: '' } })).toEqual(['model.name: needs at least 1 character (got "")']);
    expect(errorsOf({ reward_funcs: [] })).toEqual(['reward_funcs: needs at least 1 entry (got [])']);
    expect(errorsOf({ reward_funcs: ['correct', 'vibes'] })).toEqual([
      'reward_funcs.1: must be one of correct, format, char_match (got "vibes")',
    ]);
  });

  it('cross-field rules', () => {
    expect(errorsOf({ eval_samples: 2, eval_k: 4 })).toEqual(['eval_k: must be <= eval_samples (2) (got 4)']);
    expect(errorsOf({ reward_funcs: ['correct', 'format'], reward_weights: [1] })).toEqual([
      'reward_weights: needs one weight per reward function (2) (got [1])',
    ]);
    expect(errorsOf({ algorithm: 'grpo', loss_type: 'sft' })).toEqual([
      'loss_type: sft is only for algorithms rft and sft (got "sft")',
    ]);
    expect(errorsOf({ epsilon: null })).toEqual([
      'epsilon_high: must be null exactly when epsilon is null (epsilon is null) (got 0.2)',
    ]);
    expect(errorsOf({ schema_version: 2 })).toEqual(['schema_version: this build reads version 1 (got 2)']);
    expect(errorsOf({ gradient_accumulation: 3 })).toEqual([
      'gradient_accumulation: must divide prompts_per_step x num_generations (64) (got 3)',
    ]);
    expect(errorsOf({ overlong_buffer: 40 })).toEqual([
      'overlong_buffer: must be <= max_completion_length (32) (got 40)',
    ]);
  });

  it('reports several problems at once, cross-field ones included', () => {
    expect(errorsOf({ num_generations: 1, eval_samples: 2, eval_k: 3 })).toEqual([
      'num_generations: must be >= 2 (got 1)',
      'eval_k: must be <= eval_samples (2) (got 3)',
    ]);
    expect(errorsOf({ num_generations: 1, seed: -1, beta: -0.1 })).toEqual([
      'seed: must be >= 0 (got -1)',
      'num_generations: must be >= 2 (got 1)',
      'beta: must be >= 0 (got -0.1)',
    ]);
  });

  it('resolveRunConfig throws a RunConfigError with the same lines', () => {
    try {
      resolveRunConfig({ num_generations: 1 });
      throw new Error('did not throw');
    } catch (e) {
      expect(e).toBeInstanceOf(RunConfigError);
      expect((e as RunConfigError).errors).toEqual(['num_generations: must be >= 2 (got 1)']);
    }
  });
});

describe('round trip and --set', () => {
  it('resolve -> JSON -> parse gives the same config, for every preset', () => {
    for (const p of PRESETS) {
      const c = presetConfig(p.name);
      const back = parseRunConfig(JSON.parse(JSON.stringify(c)));
      expect(back).toEqual({ ok: true, config: c });
    }
  });

  it('a task of another name starts from its own defaults', () => {
    const c = resolveRunConfig({ task: { name: 'countdown' } });
    expect(c.task).toEqual({
      name: 'countdown',
      count: 3,
      max_number: 10,
      max_target: 100,
      tag: null,
      held_out_fraction: 0.1,
    });
    expect(resolveRunConfig({ task: { digits: 3 } }).task).toEqual({
      name: 'addition',
      digits: 3,
      tag: null,
      held_out_fraction: 0.1,
    });
  });

  it('setByPath parses JSON values, falls back to strings, creates nested objects, resets task options', () => {
    let c: RunConfig = presetConfig('arithmetic');
    c = setByPath(c, 'learning_rate=3e-3');
    c = setByPath(c, 'lr_scheduler=cosine');
    c = setByPath(c, 'model.overrides.n_layer=2');
    c = setByPath(c, 'model.name=/models/arithmetic-sft');
    c = setByPath(c, 'reward_weights=[1,0.5]');
    c = setByPath(c, 'epsilon=null');
    c = setByPath(c, 'epsilon_high=null');
    c = setByPath(c, 'kernel_variants.matmul/64x64=tiled4');
    c = setByPath(c, 'task.name=sorting');
    c = setByPath(c, 'task.length=3');
    const r = parseRunConfig(c);
    if (!r.ok) throw new Error(r.errors.join('\n'));
    expect(r.config.learning_rate).toBe(0.003);
    expect(r.config.lr_scheduler).toBe('cosine');
    expect(r.config.model).toEqual({ name: '/models/arithmetic-sft', overrides: { n_layer: 2 } });
    expect(r.config.epsilon).toBeNull();
    expect(r.config.kernel_variants).toEqual({ 'matmul/64x64': 'tiled4' });
    expect(r.config.task).toEqual({ name: 'sorting', length: 3, tag: null, held_out_fraction: 0.1 });
    expect(presetConfig('arithmetic').learning_rate).toBe(1e-4); // the input was not mutated
  });

  it('setByPath refuses unknown options and malformed assignments', () => {
    expect(() => setByPath({}, 'lerning_rate=1')).toThrow(/lerning_rate: unknown option/);
    expect(() => setByPath({}, 'learning_rate')).toThrow(/key=value/);
    expect(() => setByPath({}, 'model.__proto__.x=1')).toThrow(/bad path/);
  });

  it('setByPath on a partial, then resolve, re-applies algorithm defaults', () => {
    const partial = setByPath(findPreset('grpo').config, 'algorithm=dapo');
    const c = resolveRunConfig(partial);
    expect([c.loss_type, c.epsilon_high, c.dynamic_sampling]).toEqual(['dapo', 0.28, true]);
  });
});

describe('presets', () => {
  it('sorting (the default, first), smoke, arithmetic (lab and GPU-sized), one per algorithm and the paper methods, each with a description paragraph and a paper link', () => {
    const names = PRESETS.map((p) => p.name);
    expect(names).toEqual(['sorting', 'smoke', 'arithmetic', 'arithmetic-gpu', ...ALGORITHMS, 'hft', 's3ft']);
    expect(names[0]).toBe(DEFAULT_PRESET);
    expect(presetConfig('hft').freeze).toEqual({ fraction: 0.5 });
    expect(presetConfig('s3ft').sft_targets).toBe('self_when_correct');
    for (const p of PRESETS) {
      expect(p.description.length, p.name).toBeGreaterThan(150);
      expect(p.paper?.url, p.name).toMatch(/^https:\/\//);
    }
    for (const a of ALGORITHMS) expect(presetConfig(a).algorithm).toBe(a);
  });

  it('smoke is small: P=8, G=8, completions <= 3 tokens, 20 steps, no reference', () => {
    const c = presetConfig('smoke');
    expect([c.prompts_per_step, c.num_generations, c.max_completion_length, c.max_steps, c.beta]).toEqual([
      8, 8, 3, 20, 0,
    ]);
    expect(c.model.name).toBe('smoke');
    expect(c.learning_rate).toBe(1e-2);
  });

  it("arithmetic-gpu is docs/RESULTS.md's +20-point GRPO run: P=32, G=16, two passes, lr 3e-4, no reference, 300 steps", () => {
    const c = presetConfig('arithmetic-gpu');
    expect(c.model.name).toBe('/models/arithmetic-sft');
    expect(c.algorithm).toBe('grpo');
    expect(c.reward_funcs).toEqual(['correct', 'char_match']);
    expect([
      c.prompts_per_step,
      c.num_generations,
      c.num_iterations,
      c.learning_rate,
      c.beta,
      c.max_steps,
    ]).toEqual([32, 16, 2, 3e-4, 0, 300]);
    expect([c.eval_every, c.eval_prompts, c.eval_samples, c.warmup_steps, c.lr_scheduler]).toEqual([
      50,
      200,
      4,
      5,
      'constant',
    ]);
  });

  it("sorting is bench/RESULTS.md's small-model run: the 0.1M warm start, P=16, G=8, exact reward, lr 1e-3, no reference", () => {
    const c = presetConfig('sorting');
    expect(c.model).toEqual({ name: '/models/sorting-small-sft', overrides: {} });
    expect(c.task).toMatchObject({ name: 'sorting', length: 4 });
    expect([c.algorithm, c.reward_funcs, c.max_completion_length]).toEqual(['grpo', ['correct'], 6]);
    expect([c.prompts_per_step, c.num_generations, c.learning_rate, c.warmup_steps, c.beta]).toEqual([
      16, 8, 1e-3, 3, 0,
    ]);
    expect([c.max_steps, c.eval_every, c.eval_prompts, c.eval_samples, c.eval_k]).toEqual([
      300, 10, 200, 8, 8,
    ]);
  });

  it('arithmetic is the shipped warm start of the default model on 2-digit addition', () => {
    const c = presetConfig('arithmetic');
    expect(c.model.name).toBe('/models/arithmetic-sft');
    expect(c.sft_steps).toBeLessThan(c.max_steps); // RL steps follow any warm-up
    expect(c.task).toMatchObject({ name: 'addition', digits: 2 });
    expect(() => findPreset('nope')).toThrow(/unknown preset "nope"/);
  });
});

describe('the config feeds the engine directly', () => {
  it('RunConfig is the options object of stepAdvantages, policyLoss and learningRate', () => {
    const c = resolveRunConfig({ algorithm: 'dapo', max_completion_length: 4, warmup_steps: 2 });
    const advantageOptions: StepAdvantageOptions = c;
    const r = stepAdvantages(advantageOptions, {
      rewards: [1, 1],
      groupSize: 2,
      mask: [1, 0, 0, 0, 1, 1, 1, 1],
    });
    // overlong buffer defaults to 4/4 = 1: the full-length row gets -1, so the equal group spreads
    expect(effectiveOverlongBuffer(c)).toBe(1);
    expect(Array.from(r.shapedRewards)).toEqual([1, 0]);
    if (c.loss_type === 'sft') throw new Error('dapo uses an RL loss');
    const lossOptions: PolicyLossOptions = { ...c, loss_type: c.loss_type };
    expect(lossOptions.epsilon_high).toBe(0.28);
    expect(learningRate(1, c)).toBe(c.learning_rate / 2);
  });
});

describe('chat_template and system_prompt (added after schema version 1 shipped)', () => {
  it('configs and share links written before them still parse, with the defaults auto / null', async () => {
    const { decodeSharePayload, encodeSharePayload } = await import('./share-link');
    const old = structuredClone(presetConfig('arithmetic')) as Partial<RunConfig>;
    delete old.chat_template;
    delete old.system_prompt;
    const decoded = decodeSharePayload(encodeSharePayload(old, {}));
    if (!decoded.ok) throw new Error(decoded.error);
    const r = parseRunConfig(decoded.payload.config);
    if (!r.ok) throw new Error(r.errors.join('\n'));
    expect([r.config.chat_template, r.config.system_prompt, r.config.schema_version]).toEqual([
      'auto',
      null,
      1,
    ]);
    expect(r.config).toEqual(presetConfig('arithmetic'));
  });

  it('are set like any option and refused with the field named', () => {
    const c = resolveRunConfig(setByPath(setByPath({}, 'chat_template=none'), 'system_prompt=Be brief.'));
    expect([c.chat_template, c.system_prompt]).toEqual(['none', 'Be brief.']);
    expect(errorsOf({ chat_template: 'jinja' })).toEqual([
      'chat_template: must be one of auto, none (got "jinja")',
    ]);
    expect(errorsOf({ system_prompt: 3 })).toEqual(['system_prompt: must be a string (got 3)']);
  });
});

describe('sft_loss and anchor_beta (added after schema version 1 shipped)', () => {
  it('old configs and share links parse with ce / 0.05; a share link carries the option', async () => {
    const { decodeSharePayload, encodeSharePayload } = await import('./share-link');
    const old = structuredClone(presetConfig('arithmetic')) as Partial<RunConfig>;
    delete old.sft_loss;
    delete old.anchor_beta;
    const decoded = decodeSharePayload(encodeSharePayload(old, {}));
    if (!decoded.ok) throw new Error(decoded.error);
    const r = parseRunConfig(decoded.payload.config);
    if (!r.ok) throw new Error(r.errors.join('\n'));
    expect([r.config.sft_loss, r.config.anchor_beta]).toEqual(['ce', 0.05]);
    expect(r.config).toEqual(presetConfig('arithmetic'));
    const asft = resolveRunConfig({ ...presetConfig('arithmetic'), sft_loss: 'asft', anchor_beta: 0.2 });
    const shared = decodeSharePayload(encodeSharePayload(asft, {}));
    if (!shared.ok) throw new Error(shared.error);
    expect(resolveRunConfig(shared.payload.config as PartialRunConfig)).toEqual(asft);
  });

  it('--set sft_loss=dft works; unknown losses and negative anchor_beta are refused with the field named', () => {
    const c = resolveRunConfig(setByPath(setByPath({}, 'sft_loss=dft'), 'anchor_beta=0.1'));
    expect([c.sft_loss, c.anchor_beta]).toEqual(['dft', 0.1]);
    expect(errorsOf({ sft_loss: 'kl' })).toEqual(['sft_loss: must be one of ce, dft, asft (got "kl")']);
    expect(errorsOf({ anchor_beta: -1 })).toEqual(['anchor_beta: must be >= 0 (got -1)']);
  });
});

describe('guidance_weight (added after schema version 1 shipped)', () => {
  it('old configs and share links parse with 1 (the policy alone); a share link carries the option', async () => {
    const { decodeSharePayload, encodeSharePayload } = await import('./share-link');
    const old = structuredClone(presetConfig('arithmetic')) as Partial<RunConfig>;
    delete old.guidance_weight;
    const decoded = decodeSharePayload(encodeSharePayload(old, {}));
    if (!decoded.ok) throw new Error(decoded.error);
    const r = parseRunConfig(decoded.payload.config);
    if (!r.ok) throw new Error(r.errors.join('\n'));
    expect(r.config.guidance_weight).toBe(1);
    expect(r.config).toEqual(presetConfig('arithmetic'));
    const guided = resolveRunConfig({ ...presetConfig('arithmetic'), guidance_weight: 0.5 });
    const shared = decodeSharePayload(encodeSharePayload(guided, {}));
    if (!shared.ok) throw new Error(shared.error);
    expect(resolveRunConfig(shared.payload.config as PartialRunConfig)).toEqual(guided);
  });

  it('--set guidance_weight=0.5 works; weights outside [0, 2] are refused with the field named', () => {
    expect(resolveRunConfig(setByPath({}, 'guidance_weight=0.5')).guidance_weight).toBe(0.5);
    expect(errorsOf({ guidance_weight: 2.5 })).toEqual(['guidance_weight: must be <= 2 (got 2.5)']);
    expect(errorsOf({ guidance_weight: -0.1 })).toEqual(['guidance_weight: must be >= 0 (got -0.1)']);
  });
});
