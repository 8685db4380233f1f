/**
 * The config panel's form, derived from the RunConfig zod schema itself (engine/config), so every
 * option appears with its description as tooltip and new options show up without UI changes. Fields
 * are grouped as docs/ALGORITHMS.md groups them; anything the groups do not name lands in "Other".
 */
import { RUN_CONFIG_KEYS, runConfigSchema } from '../../../engine/config/index.js';
import { OPTION_PAPERS, PAPERS, type Paper } from '../../../engine/papers.js';
import { REWARD_NAMES } from '../../../engine/rewards/builtin.js';
import { taskOptions } from '../../../engine/tasks/options.js';

export type FieldKind =
  | { kind: 'number'; integer: boolean; min?: number; max?: number; nullable: boolean }
  | { kind: 'enum'; options: string[] }
  /** `withRewardCode`: the reward_code names of the config being edited are options too. */
  | { kind: 'multi-enum'; options: string[]; withRewardCode?: boolean }
  | { kind: 'boolean' }
  | { kind: 'string'; nullable: boolean }
  | { kind: 'json' };

export interface FieldSpec {
  /** Path in the config, e.g. ['task', 'digits']. */
  path: string[];
  /** Name shown and used by `hide=` flags: the last path element (`task.name` shows as `task`). */
  name: string;
  help: string;
  field: FieldKind;
  /** The papers the option comes from (the "Methods from the papers" group), linked beside it. */
  papers?: Paper[];
}

/** The config panel group of the methods from the seed papers (docs/ALGORITHMS.md, "Additions"). */
export const METHODS_GROUP = 'Methods from the papers';

// biome-ignore lint/suspicious/noExplicitAny: zod's internal def is walked structurally here.
type AnySchema = any;

function unwrap(schema: AnySchema): { inner: AnySchema; nullable: boolean; help: string } {
  let s = schema;
  let nullable = false;
  let help = schema.description ?? '';
  for (let guard = 0; guard < 8; guard++) {
    const t = s.def.type;
    if (t === 'nullable') nullable = true;
    if (t === 'nullable' || t === 'default' || t === 'optional') {
      s = s.def.innerType;
      help ||= s.description ?? '';
    } else break;
  }
  return { inner: s, nullable, help };
}

export function fieldOf(schema: AnySchema): { field: FieldKind; help: string } {
  const { inner, nullable, help } = unwrap(schema);
  switch (inner.def.type) {
    case 'number': {
      const min = Number.isFinite(inner.minValue) ? inner.minValue : undefined;
      const max = Number.isFinite(inner.maxValue) ? inner.maxValue : undefined;
      return { field: { kind: 'number', integer: !!inner.isInt, min, max, nullable }, help };
    }
    case 'enum':
      return { field: { kind: 'enum', options: [...inner.options] }, help };
    case 'boolean':
      return { field: { kind: 'boolean' }, help };
    case 'string':
      return { field: { kind: 'string', nullable }, help };
    case 'array':
      if (inner.def.element.def.type === 'enum') {
        return { field: { kind: 'multi-enum', options: [...inner.def.element.options] }, help };
      }
      return { field: { kind: 'json' }, help };
    default:
      return { field: { kind: 'json' }, help };
  }
}

const shape = runConfigSchema.shape as Record<string, AnySchema>;

function topField(key: string): FieldSpec {
  if (key === 'reward_funcs') {
    const help = shape[key].description ?? '';
    return {
      path: [key],
      name: key,
      help,
      field: { kind: 'multi-enum', options: [...REWARD_NAMES], withRewardCode: true },
    };
  }
  const { field, help } = fieldOf(shape[key]);
  const papers = OPTION_PAPERS[key]?.map((k) => PAPERS[k]);
  return papers ? { path: [key], name: key, help, field, papers } : { path: [key], name: key, help, field };
}

/** Fields of the task named `name` (its options schema), `name` itself excluded. */
export function taskFields(name: string): FieldSpec[] {
  const option = (taskOptions.def.options as AnySchema[]).find((o) => o.shape.name.def.values?.[0] === name);
  if (!option) return [];
  return Object.entries(option.shape as Record<string, AnySchema>)
    .filter(([k]) => k !== 'name')
    .map(([k, s]) => ({ path: ['task', k], name: k, ...fieldOf(s) }));
}

export const TASK_NAME_FIELD: FieldSpec = {
  path: ['task', 'name'],
  name: 'task',
  help: 'The task: where prompts come from and how answers are checked',
  field: {
    kind: 'enum',
    options: (taskOptions.def.options as AnySchema[]).map((o) => String(o.shape.name.def.values[0])),
  },
};

export const MODEL_NAME_FIELD: FieldSpec = {
  path: ['model', 'name'],
  name: 'model',
  help: shape.model.shape.name.description ?? '',
  field: { kind: 'string', nullable: false },
};

export const MODEL_OVERRIDES_FIELD: FieldSpec = {
  path: ['model', 'overrides'],
  name: 'overrides',
  help: shape.model.shape.overrides.description ?? '',
  field: { kind: 'json' },
};

export interface FieldGroup {
  title: string;
  fields: FieldSpec[];
  /** Open by default. */
  open: boolean;
}

const GROUPS: [string, string[], boolean][] = [
  ['Algorithm', ['algorithm', 'seed', 'max_steps', 'reward_funcs', 'reward_weights'], true],
  [
    'Sampling',
    [
      'num_generations',
      'prompts_per_step',
      'max_completion_length',
      'temperature',
      'top_k',
      'top_p',
      'min_p',
    ],
    true,
  ],
  ['Prompt format', ['chat_template', 'system_prompt'], false],
  [
    'Optimizer',
    [
      'learning_rate',
      'lr_scheduler',
      'warmup_steps',
      'max_grad_norm',
      'weight_decay',
      'adam_beta1',
      'adam_beta2',
      'adam_epsilon',
      'num_iterations',
      'gradient_accumulation',
      'sft_steps',
    ],
    false,
  ],
  [
    'Policy loss',
    [
      'advantage_estimator',
      'scale_rewards',
      'loss_type',
      'epsilon',
      'epsilon_high',
      'beta',
      'kl_estimator',
      'kl_in',
      'entropy_coef',
      'mask_truncated_completions',
    ],
    false,
  ],
  ['DAPO', ['dynamic_sampling', 'max_resample_rounds', 'overlong_penalty', 'overlong_buffer'], false],
  [
    'REINFORCE and PPO',
    ['reinforce_baseline_decay', 'vf_coef', 'cliprange_value', 'gamma', 'lam', 'whiten_advantages'],
    false,
  ],
  [
    'Rejection sampling',
    ['rft_threshold', 'difficulty_aware', 'max_samples_per_prompt', 'min_correct'],
    false,
  ],
  ['Evaluation', ['eval_every', 'eval_prompts', 'eval_samples', 'eval_k'], false],
  ['Stages', ['stages', 'eval_tasks'], false],
  // Options not in the schema yet are skipped; each lands here with its paper (engine/papers.ts).
  [
    METHODS_GROUP,
    ['sft_loss', 'anchor_beta', 'sft_targets', 'prefix_sampling', 'relift', 'freeze', 'guidance_weight'],
    false,
  ],
];

/** Keys the panel renders elsewhere (task and model have their own section) or not at all. */
const SPECIAL = new Set(['schema_version', 'model', 'task', 'kernel_variants', 'reward_code']);

export function optionGroups(): FieldGroup[] {
  const placed = new Set<string>(SPECIAL);
  const groups = GROUPS.map(([title, keys, open]) => {
    const fields = keys.filter((k) => k in shape).map(topField);
    for (const k of keys) placed.add(k);
    return { title, fields, open };
  });
  const rest = (RUN_CONFIG_KEYS as string[]).filter((k) => !placed.has(k)).map(topField);
  if (rest.length > 0) groups.push({ title: 'Other', fields: rest, open: false });
  return groups;
}
