/**
 * The committed tables of what `transformers` (and PEFT) define for each family, read back as
 * expectations: the state-dict names with shapes evaluated from a config.json, the config fields TabRL
 * must write with their types, and every constructor keyword the config classes declare (read out of the
 * release sources by scripts/hf-check/derive-fields.py; each table's `source` names the tag). The export
 * tests hold TabRL's output against these, so a drift in param-names.ts or toHfConfig shows up as a named
 * mismatch rather than a silent incompatibility.
 */
import gpt2Table from './hf-tables/gpt2.json';
import llamaTable from './hf-tables/llama.json';
import peftTable from './hf-tables/peft-lora.json';
import qwen2Table from './hf-tables/qwen2.json';

export interface HfTable {
  source: Record<string, unknown>;
  model_type: string;
  architectures: string[];
  config_fields: Record<string, string>;
  config_values: Record<string, unknown>;
  derived: Record<string, string>;
  layers: string;
  state_dict: { name: string; shape: string[]; when?: string }[];
  /** Keys older configs carry that no current config class declares, with what transformers does with them. */
  legacy_fields: Record<string, string>;
  /** Per transformers release: the family's config-class keywords, and PretrainedConfig's, with defaults. */
  hf_config_fields: Record<string, Record<string, string | null>>;
  hf_common_config_fields: Record<string, Record<string, string | null>>;
}

export const HF_TABLES: Record<'gpt2' | 'llama' | 'qwen2', HfTable> = {
  gpt2: gpt2Table,
  llama: llamaTable,
  qwen2: qwen2Table,
};
export const PEFT_TABLE = peftTable;

type Env = Record<string, unknown>;

/** Evaluates `a*b`, `a/b`, `x ?? y` over config fields and integers. */
export function evalShapeExpr(expr: string, env: Env): number {
  const alternatives = expr.split('??').map((s) => s.trim());
  for (const alt of alternatives) {
    const value = evalProduct(alt, env);
    if (value !== null) return value;
  }
  throw new Error(`table expression "${expr}": no alternative has a value`);
}

function evalProduct(expr: string, env: Env): number | null {
  const tokens = expr.split(/([*/])/).map((s) => s.trim());
  let acc = atom(tokens[0], env);
  for (let i = 1; i < tokens.length; i += 2) {
    const rhs = atom(tokens[i + 1], env);
    if (acc === null || rhs === null) return null;
    acc = tokens[i] === '*' ? acc * rhs : acc / rhs;
  }
  return acc;
}

function atom(token: string, env: Env): number | null {
  if (/^\d+$/.test(token)) return Number(token);
  const v = env[token];
  return typeof v === 'number' ? v : null;
}

function isTrue(when: string | undefined, env: Env): boolean {
  if (!when) return true;
  return when.startsWith('!') ? !env[when.slice(1)] : Boolean(env[when]);
}

/** Every tensor `transformers` saves for this config.json, in state-dict order. */
export function expectedStateDict(table: HfTable, config: Env): { name: string; shape: number[] }[] {
  const env: Env = { ...config };
  for (const [k, expr] of Object.entries(table.derived)) env[k] = evalShapeExpr(expr, env);
  const layers = evalShapeExpr(table.layers, env);
  const out: { name: string; shape: number[] }[] = [];
  const perLayer = table.state_dict.filter((e) => e.name.includes('{i}'));
  const before = table.state_dict.slice(0, table.state_dict.indexOf(perLayer[0]));
  const after = table.state_dict.slice(table.state_dict.indexOf(perLayer[perLayer.length - 1]) + 1);
  const add = (e: HfTable['state_dict'][number], name: string) => {
    if (isTrue(e.when, env)) out.push({ name, shape: e.shape.map((s) => evalShapeExpr(s, env)) });
  };
  for (const e of before) add(e, e.name);
  for (let i = 0; i < layers; i++) for (const e of perLayer) add(e, e.name.replace('{i}', String(i)));
  for (const e of after) add(e, e.name);
  return out;
}

const TYPE_CHECKS: Record<string, (v: unknown) => boolean> = {
  int: (v) => Number.isInteger(v),
  number: (v) => typeof v === 'number' && Number.isFinite(v),
  string: (v) => typeof v === 'string',
  bool: (v) => typeof v === 'boolean',
  null: (v) => v === null,
  object: (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
  array: (v) => Array.isArray(v),
};

/** Problems with a config.json against a table's fields, types and fixed values (empty when it matches). */
export function configProblems(
  table: { config_fields: Record<string, string>; config_values: Record<string, unknown> },
  config: Env,
): string[] {
  const problems: string[] = [];
  for (const [field, type] of Object.entries(table.config_fields)) {
    if (!(field in config)) problems.push(`${field}: missing`);
    else if (!type.split('|').some((t) => TYPE_CHECKS[t]?.(config[field])))
      problems.push(`${field}: ${JSON.stringify(config[field])} is not ${type}`);
  }
  for (const [field, want] of Object.entries(table.config_values))
    if (JSON.stringify(config[field]) !== JSON.stringify(want))
      problems.push(
        `${field}: ${JSON.stringify(config[field])}, transformers expects ${JSON.stringify(want)}`,
      );
  return problems;
}

/**
 * Keys of a config.json that no table release's config class (nor PretrainedConfig) declares and that are
 * not listed as legacy: a typo or an invented field would land here, where transformers keeps it as an
 * inert attribute. `model_type` is a class attribute to_dict writes, checked separately.
 */
export function undeclaredConfigKeys(table: HfTable, config: Env): string[] {
  const declared = new Set(['model_type', ...Object.keys(table.legacy_fields)]);
  for (const fields of [
    ...Object.values(table.hf_config_fields),
    ...Object.values(table.hf_common_config_fields),
  ])
    for (const k of Object.keys(fields)) declared.add(k);
  return Object.keys(config).filter((k) => !declared.has(k));
}
