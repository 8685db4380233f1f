/**
 * A Python script that reruns a TabRL experiment with TRL's GRPOTrainer on a bigger machine: the same
 * model, the same prompts in the same order (drawn here from the run's seeded task stream), the built-in
 * rewards re-implemented in Python, and the RunConfig's hyper-parameters mapped onto GRPOConfig fields of
 * the TRL version named in trl-grpo-config-fields.json (only those; a test checks every keyword). What
 * TRL has no field for (other advantage estimators, KL in the reward, DAPO's dynamic sampling, ...) is
 * written into the script as a NOTE rather than silently dropped. User reward code is JavaScript and
 * stays a stub with its source quoted. Prompts follow TabRL's chat-template rule (prompt-format.ts), decided
 * when the script runs on the tokenizer GRPOTrainer uses, because TRL applies a template only to
 * conversational prompts; max_prompt_length is measured on the rendered prompts so TRL never cuts one.
 */
import type { RunConfig } from '../config/schema.js';
import { parseHubId } from '../hub/hub-id.js';
import type { ModelConfig } from '../model/config.js';
import { createRng } from '../rl/random.js';
import { createTask, type DatasetRow, drawTrainingBatch, type TaskSample } from '../tasks/index.js';
import { peftTargetModules } from './peft.js';
import fields from './trl-grpo-config-fields.json';

export const TRL_VERSION = fields.trl_version;
export const GRPO_CONFIG_FIELDS: ReadonlySet<string> = new Set([
  ...fields.grpo_config_fields,
  ...fields.training_arguments_fields,
]);

export interface TrlScriptOptions {
  /** Where the script loads the model from when `model.name` is not a hub id (an exported HF folder). */
  modelPath?: string;
  /** The model's config (for LoRA target names); needed when `config.lora` is set. */
  modelConfig?: ModelConfig;
  /** Rows of a `dataset` task. */
  datasetRows?: readonly DatasetRow[];
  /** Most prompts written into the script. Default 20,000. */
  maxPrompts?: number;
}

type Py = string;

/** A Python literal for JSON-like values. */
export function py(v: unknown): Py {
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`cannot write ${v} as a Python literal`);
    return Number.isInteger(v) ? String(v) : String(v);
  }
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(py).join(', ')}]`;
  return `{${Object.entries(v as Record<string, unknown>)
    .map(([k, x]) => `${JSON.stringify(k)}: ${py(x)}`)
    .join(', ')}}`;
}

/**
 * Transformers releases the script asks for: TRL 0.24.0's own floor (its pyproject), capped below 5
 * because TRL 0.24.0 (October 2025) predates transformers 5.0, so 4.x is what it was released against.
 * The field list holds only TrainingArguments fields present in 4.57.6 and 5.17.0, so lifting the cap
 * needs no change to the keywords.
 */
export const TRANSFORMERS_REQUIREMENT = 'transformers>=4.56.1,<5';

/**
 * The GRPOConfig keyword arguments for a RunConfig, and notes on what does not carry over. Values are
 * Python expressions; `max_prompt_length` names MAX_PROMPT_LENGTH, which the script computes.
 */
export function grpoConfigKwargs(c: RunConfig): { kwargs: [string, Py][]; notes: string[] } {
  const notes: string[] = [];
  const rows = c.prompts_per_step * c.num_generations;
  const perDevice = Math.max(1, Math.round(rows / c.gradient_accumulation));
  if (perDevice * c.gradient_accumulation !== rows)
    notes.push(
      `P*G = ${rows} rows do not split into ${c.gradient_accumulation} equal micro-batches; per_device_train_batch_size is rounded to ${perDevice}.`,
    );
  const scheduler = (() => {
    switch (c.lr_scheduler) {
      case 'constant':
        return c.warmup_steps > 0 ? 'constant_with_warmup' : 'constant';
      case 'linear':
        return 'linear';
      case 'cosine':
        return 'cosine';
      default:
        return c.lr_scheduler satisfies never;
    }
  })();
  const lossType = (() => {
    switch (c.loss_type) {
      case 'grpo':
      case 'dapo':
      case 'bnpo':
      case 'dr_grpo':
        return c.loss_type;
      case 'sft':
        notes.push(
          `algorithm ${c.algorithm} trains with an SFT loss in TabRL; GRPOTrainer has none, so this script runs GRPO (loss_type "grpo") on the same prompts and rewards.`,
        );
        return 'grpo';
      default:
        return c.loss_type satisfies never;
    }
  })();
  switch (c.advantage_estimator) {
    case 'group':
      break;
    case 'rloo':
    case 'reinforce':
    case 'gae':
      notes.push(
        `advantage_estimator "${c.advantage_estimator}" (algorithm ${c.algorithm}) has no GRPOConfig field; GRPO's group-normalised advantages are used instead (TRL has RLOOTrainer / PPOTrainer for these).`,
      );
      break;
    case 'none':
      break;
    default:
      throw c.advantage_estimator satisfies never;
  }
  if (c.beta > 0 && c.kl_in === 'reward')
    notes.push('kl_in "reward": TRL adds the KL term to the loss (k3), not to the reward.');
  else if (c.beta > 0 && c.kl_estimator !== 'k3')
    notes.push(`kl_estimator "${c.kl_estimator}": TRL's GRPO loss uses k3.`);
  if (c.dynamic_sampling)
    notes.push(
      'dynamic_sampling (DAPO) is not in GRPOConfig; groups with zero spread simply get zero advantage.',
    );
  if (c.overlong_penalty)
    notes.push(
      "overlong_penalty: add trl.rewards.get_soft_overlong_punishment(max_completion_len, soft_punish_cache) to reward_funcs for DAPO's soft penalty.",
    );
  if (c.entropy_coef > 0)
    notes.push(`entropy_coef ${c.entropy_coef} (a TabRL addition) has no GRPOConfig field.`);
  if (c.sft_steps > 0)
    notes.push(
      `sft_steps ${c.sft_steps}: run TRL's SFTTrainer on the gold completions first, then this script.`,
    );
  switch (c.sft_loss) {
    case 'ce':
      break;
    case 'dft':
      notes.push(
        `sft_loss "dft": TabRL's SFT updates weight each gold token's cross-entropy by its probability (stop-gradient), after "On the Generalization of SFT: A Reinforcement Learning Perspective with Reward Rectification"; TRL's SFTTrainer trains plain cross-entropy unless its compute_loss is replaced.`,
      );
      break;
    case 'asft':
      notes.push(
        `sft_loss "asft": TabRL's SFT updates add anchor_beta (${c.anchor_beta}) x KL(policy || reference) over the full vocabulary to the probability-weighted (dft) cross-entropy, after "Anchored Supervised Fine-Tuning"; TRL's SFTTrainer trains plain cross-entropy unless its compute_loss is replaced.`,
      );
      break;
    default:
      throw c.sft_loss satisfies never;
  }
  switch (c.sft_targets) {
    case 'gold':
      break;
    case 'self_when_correct':
      notes.push(
        `sft_targets "self_when_correct": TabRL's SFT updates train on the reference's own greedy answer where the task's verifier accepts it, else on the gold completion, after "Selective Self-to-Supervised Fine-Tuning for Generalization in Large Language Models"; TRL's SFTTrainer trains on the dataset's completions as given: build that dataset first.`,
      );
      break;
    default:
      throw c.sft_targets satisfies never;
  }
  if (c.freeze)
    notes.push(
      `freeze (fraction ${c.freeze.fraction}): TabRL freezes a seeded share of each block's attention and MLP matrices, after "HFT: Half Fine-Tuning for Large Language Models"; TRL has no half fine-tuning: set requires_grad = False on those modules yourself.`,
    );
  if (c.relift)
    notes.push(
      `relift (batch ${c.relift.batch ?? c.prompts_per_step}): TabRL buffers the prompts no completion solved and takes an SFT update on their gold answers between RL steps, after "Learning What Reinforcement Learning Can't: Interleaved Online Fine-Tuning for Hardest Questions"; GRPOTrainer has no such interleaving: collect them with a callback and run SFTTrainer on them.`,
    );
  if (c.guidance_weight !== 1)
    notes.push(
      `guidance_weight ${c.guidance_weight}: TabRL's evaluation samples from (1 - w)·reference + w·policy logits, after "Inference-Time Alignment Control for Diffusion Models with Reinforcement Learning Guidance"; TRL has no guidance, so its generations are the policy's alone.`,
    );
  if (c.prefix_sampling) {
    const o = c.prefix_sampling;
    notes.push(
      `prefix_sampling (fraction ${o.fraction}, ratio ${o.min_ratio}..${o.max_ratio}, decay ${o.decay}): TabRL starts some completions of each group with a teacher-forced prefix of the gold completion and trains its tokens with max(A, 0), after "Blending Supervised and Reinforcement Fine-Tuning with Prefix Sampling"; GRPOTrainer samples every completion from the prompt alone and has no such option: this script trains without prefixes.`,
    );
  }
  if (c.eval_every > 0)
    notes.push(
      'evaluation on held-out prompts (eval/pass@k) is not exported; pass an eval_dataset to GRPOTrainer to add it.',
    );
  if (c.stages)
    notes.push(
      `stages (${c.stages.map((s) => `${s.name}: ${s.steps} steps`).join(', ')}): this script is the run's top-level config for all ${c.max_steps} steps; TRL has no stages: run one trainer per stage (each stage's resolved options are in config.json), starting each from the last one's output, with a fresh optimizer.`,
    );
  if (c.eval_tasks.length > 0)
    notes.push(
      `eval_tasks (${c.eval_tasks.map((e) => e.label).join(', ')}) are not exported; evaluate those tasks' held-out prompts separately.`,
    );
  const kwargs: [string, Py][] = [
    ['output_dir', py('tabrl-trl-output')],
    ['max_steps', py(c.max_steps)],
    ['per_device_train_batch_size', py(perDevice)],
    ['gradient_accumulation_steps', py(c.gradient_accumulation)],
    ['num_generations', py(c.num_generations)],
    ['max_prompt_length', 'MAX_PROMPT_LENGTH'],
    ['max_completion_length', py(c.max_completion_length)],
    ['temperature', py(c.temperature)],
    ['top_p', py(c.top_p)],
    ['top_k', py(c.top_k > 0 ? c.top_k : null)],
    ['min_p', py(c.min_p > 0 ? c.min_p : null)],
    ['learning_rate', py(c.learning_rate)],
    ['adam_beta1', py(c.adam_beta1)],
    ['adam_beta2', py(c.adam_beta2)],
    ['adam_epsilon', py(c.adam_epsilon)],
    ['weight_decay', py(c.weight_decay)],
    ['lr_scheduler_type', py(scheduler)],
    ['warmup_steps', py(c.warmup_steps)],
    ['max_grad_norm', py(c.max_grad_norm)],
    ['num_iterations', py(c.num_iterations)],
    ['beta', py(c.beta)],
    ['loss_type', py(lossType)],
    ['scale_rewards', py(c.advantage_estimator === 'group' ? c.scale_rewards : 'group')],
    ['mask_truncated_completions', py(c.mask_truncated_completions)],
    ['reward_weights', py(c.reward_weights)],
    ['shuffle_dataset', py(false)],
    ['disable_dropout', py(true)],
    ['seed', py(c.seed)],
    ['logging_steps', py(1)],
    ['save_strategy', py('no')],
    ['report_to', py('none')],
  ];
  if (c.epsilon !== null && c.epsilon_high !== null) {
    kwargs.push(['epsilon', py(c.epsilon)], ['epsilon_high', py(c.epsilon_high)]);
  } else notes.push('epsilon null (no ratio clipping): TRL always clips; its default epsilon 0.2 applies.');
  const hub = parseHubId(c.model.name);
  // GRPOTrainer loads the model by name alone; the pinned revision goes through model_init_kwargs
  if (hub && hub.revision !== 'main') kwargs.push(['model_init_kwargs', '{"revision": REVISION}']);
  return { kwargs, notes };
}

/** The prompts the TabRL run trains on, step by step (P per step, no resampling), as dataset rows. */
export function runPrompts(c: RunConfig, options: TrlScriptOptions = {}): TaskSample[] {
  const task = createTask(c.task, { rows: options.datasetRows });
  const fraction = (c.task as { held_out_fraction?: number }).held_out_fraction ?? 0.1;
  const steps = Math.min(c.max_steps, Math.ceil((options.maxPrompts ?? 20_000) / c.prompts_per_step));
  const tasks = createRng(c.seed).split('tasks');
  const out: TaskSample[] = [];
  for (let s = 0; s < steps; s++)
    out.push(...drawTrainingBatch(task, tasks.split(`step:${s}`), c.prompts_per_step, fraction));
  return out;
}

export const PY_REWARDS = `
def completion_text(completion):
    """The completion's text: GRPOTrainer passes a string for plain prompts and [{"role": "assistant", "content": ...}] for conversational ones."""
    return completion if isinstance(completion, str) else completion[0]["content"]


def extract_answer(completion, tag):
    """The trimmed text inside the first <tag>...</tag>, or the whole trimmed completion without a tag."""
    if not tag:
        return completion.strip()
    start = completion.find("<" + tag + ">")
    if start < 0:
        return None
    end = completion.find("</" + tag + ">", start + len(tag) + 2)
    if end < 0:
        return None
    return completion[start + len(tag) + 2:end].strip()


def countdown_correct(text, numbers, target):
    """An arithmetic expression over the given numbers (each at most once) whose exact value is target."""
    if len(text) > 256 or not re.fullmatch(r"[0-9+\\-*/() ]+", text):
        return False
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        return False
    used = []

    def value(node):
        if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool):
            used.append(node.value)
            return Fraction(node.value)
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult, ast.Div)):
            a, b = value(node.left), value(node.right)
            if isinstance(node.op, ast.Add):
                return a + b
            if isinstance(node.op, ast.Sub):
                return a - b
            if isinstance(node.op, ast.Mult):
                return a * b
            if b == 0:
                raise ZeroDivisionError
            return a / b
        raise ValueError("not allowed")

    try:
        result = value(tree.body)
    except (ValueError, ZeroDivisionError, RecursionError):
        return False
    pool = list(numbers)
    for n in used:
        if n not in pool:
            return False
        pool.remove(n)
    return result == Fraction(int(target))


def is_correct(completion, answer, tag, numbers, match):
    given = extract_answer(completion, tag)
    if given is None:
        return False
    if numbers:
        return countdown_correct(given, numbers, answer)
    if match == "numeric":
        try:
            a, b = float(given), float(answer)
        except ValueError:
            return False
        return given != "" and math.isfinite(a) and math.isfinite(b) and abs(a - b) <= 1e-6 * max(1.0, abs(b))
    return given == answer


def correct(completions, answer, tag, numbers, match, **kwargs):
    """1 when the task's verifier accepts the completion, else 0 (TabRL's built-in 'correct')."""
    return [
        1.0 if is_correct(completion_text(c), a, t, n, m) else 0.0
        for c, a, t, n, m in zip(completions, answer, tag, numbers, match)
    ]


def format(completions, tag, **kwargs):  # noqa: A001 - the name TabRL's metrics use
    """Exactly one <tag>...</tag> (spaces around allowed, no < or > inside); without a tag, non-empty with no tag characters."""
    out = []
    for completion, t in zip(completions, tag):
        c = completion_text(completion)
        if not t:
            out.append(1.0 if c.strip() != "" and not re.search(r"[<>]", c) else 0.0)
        else:
            out.append(1.0 if re.fullmatch(r"\\s*<" + re.escape(t) + r">[^<>]*</" + re.escape(t) + r">\\s*", c) else 0.0)
    return out


def char_match(completions, answer, tag, **kwargs):
    """Matching characters at the same positions of the extracted and the expected answer, over the longer length."""
    out = []
    for c, a, t in zip(completions, answer, tag):
        given = extract_answer(completion_text(c), t)
        if given is None:
            out.append(0.0)
            continue
        n = max(len(given), len(a))
        if n == 0:
            out.append(1.0)
            continue
        out.append(sum(1 for x, y in zip(given, a) if x == y) / n)
    return out
`;

/**
 * The prompt section of the script: TabRL's prompt-format rule applied to the tokenizer GRPOTrainer uses,
 * and MAX_PROMPT_LENGTH measured on what it encodes.
 */
export const PY_PROMPTS = `
tokenizer = AutoTokenizer.from_pretrained(MODEL, truncation_side="left", **MODEL_KWARGS)  # as GRPOTrainer loads it

# Prompt format, decided here at run time on the tokenizer GRPOTrainer uses, which reads the same files TabRL
# read (tokenizer_config.json, or chat_template.jinja beside it). With chat_template "auto" TabRL renders each
# prompt as one user message, after SYSTEM_PROMPT when set, through the model's chat template with
# add_generation_prompt whenever the model has one, and sends the prompt as written otherwise or with
# chat_template "none". TRL 0.24.0 applies the chat template only to prompts given as conversations, so a
# conversation is built exactly when TabRL used the template, and a plain string otherwise. Either way
# GRPOTrainer encodes the prompt text without adding special tokens; for plain prompts TabRL adds the
# tokenizer's own (which differs only for a tokenizer that adds a BOS itself, Llama-style).
USE_CHAT_TEMPLATE = CHAT_TEMPLATE == "auto" and tokenizer.chat_template is not None
if SYSTEM_PROMPT is not None and not USE_CHAT_TEMPLATE:
    raise ValueError(
        "system_prompt needs a chat template to place it, but "
        + ('chat_template is "none"' if CHAT_TEMPLATE == "none" else "the tokenizer of " + str(MODEL) + " has none")
        + " (TabRL refuses this run too)"
    )


def as_prompt(text):
    """A task prompt as TabRL gave it to the model: a system + user conversation with a chat template, else the text."""
    if not USE_CHAT_TEMPLATE:
        return text
    system = [] if SYSTEM_PROMPT is None else [{"role": "system", "content": SYSTEM_PROMPT}]
    return system + [{"role": "user", "content": text}]


def prompt_tokens(prompt):
    """How many tokens GRPOTrainer feeds for a prompt: rendered by TRL's own maybe_apply_chat_template, no special tokens added."""
    text = maybe_apply_chat_template({"prompt": prompt}, tokenizer)["prompt"]
    return len(tokenizer(text, add_special_tokens=False)["input_ids"])


DATASET = [dict(row, prompt=as_prompt(row["prompt"])) for row in ROWS]
# max_prompt_length counts tokens of the rendered prompt and GRPOTrainer cuts longer prompts from the left;
# TabRL never cuts a prompt, so the limit is the longest rendered prompt of this dataset.
MAX_PROMPT_LENGTH = max(prompt_tokens(row["prompt"]) for row in DATASET)
`;

/** The whole script. */
export function trlScript(c: RunConfig, options: TrlScriptOptions = {}): string {
  const samples = runPrompts(c, options);
  const { kwargs, notes } = grpoConfigKwargs(c);
  for (const [k] of kwargs)
    if (!GRPO_CONFIG_FIELDS.has(k))
      throw new Error(`trl export: ${k} is not a GRPOConfig field of TRL ${TRL_VERSION}`);
  const hub = parseHubId(c.model.name);
  const modelRef = hub
    ? py(hub.repo)
    : `${py(options.modelPath ?? './tabrl-model')}  # the HF folder exported from TabRL (model "${c.model.name}")`;
  const modelKwargs =
    hub && hub.revision !== 'main'
      ? `REVISION = ${py(hub.revision)}\nMODEL_KWARGS = {"revision": REVISION}`
      : 'MODEL_KWARGS = {}';
  const match = (c.task as { match?: string }).match ?? 'exact';
  const rows = samples.map(
    (s) =>
      `    ${py({ prompt: s.prompt, answer: s.answer, tag: s.tag, numbers: s.numbers ?? null, match })},`,
  );
  const builtin = new Set(['correct', 'format', 'char_match']);
  const userStubs = c.reward_funcs
    .filter((name) => !builtin.has(name))
    .map((name) => {
      const source = c.reward_code.find((f) => f.name === name)?.source ?? '(source not in the config)';
      const quoted = source
        .split('\n')
        .map((l) => `# ${l}`)
        .join('\n');
      return `\n# User reward "${name}", written in JavaScript for TabRL's sandbox:\n${quoted}\n# completions: strings, or [{"role": "assistant", "content": ...}] with a chat template (completion_text reads both).\ndef ${name}(completions, **kwargs):\n    raise NotImplementedError("port the JavaScript reward ${name} above to Python")\n`;
    })
    .join('');
  let peft = '';
  let peftArg = '';
  if (c.lora) {
    if (!options.modelConfig)
      throw new Error('trl export: LoRA runs need the model config for target module names');
    const lora = { rank: c.lora.rank, alpha: c.lora.alpha, targetModules: c.lora.target_modules };
    peft = `\nfrom peft import LoraConfig\n\npeft_config = LoraConfig(r=${py(lora.rank)}, lora_alpha=${py(lora.alpha)}, lora_dropout=0.0, target_modules=${py(peftTargetModules(options.modelConfig, lora))}, task_type="CAUSAL_LM")\n`;
    peftArg = '\n    peft_config=peft_config,';
  }
  const noteLines =
    notes.length > 0
      ? notes.map((n) => `# NOTE: ${n}`).join('\n')
      : '# Every TabRL option of this run maps onto a GRPOConfig field.';
  const requirements = [
    `trl==${TRL_VERSION}`,
    TRANSFORMERS_REQUIREMENT,
    'datasets',
    ...(c.lora ? ['peft'] : []),
  ];
  return `#!/usr/bin/env python3
# Generated by TabRL: run "${c.algorithm}" on task ${c.task.name} with TRL's GRPOTrainer.
# Requires trl==${TRL_VERSION} (the GRPOConfig fields used here are those of that version) with ${TRANSFORMERS_REQUIREMENT}
# (4.56.1 is TRL ${TRL_VERSION}'s own floor; TRL ${TRL_VERSION} predates transformers 5, so 4.x is what it was released
# against, and every keyword used here also exists in transformers 5.17.0). Install and run:
#   pip install ${requirements.map((r) => `"${r}"`).join(' ')}
#   python3 this_script.py
${noteLines}
import ast
import math
import re
from fractions import Fraction

from datasets import Dataset
from transformers import AutoTokenizer
from trl import GRPOConfig, GRPOTrainer, maybe_apply_chat_template
${peft}
MODEL = ${modelRef}
${modelKwargs}
CHAT_TEMPLATE = ${py(c.chat_template)}  # the run's chat_template: "auto" (the model's template when it has one) or "none"
SYSTEM_PROMPT = ${py(c.system_prompt)}  # the run's system_prompt (None: the template's own default)

# The prompts the TabRL run trained on, in step order (${c.prompts_per_step} per step, seed ${c.seed}), as written.
ROWS = [
${rows.join('\n')}
]
${PY_PROMPTS}${PY_REWARDS}${userStubs}

training_args = GRPOConfig(
${kwargs.map(([k, v]) => `    ${k}=${v},`).join('\n')}
)

trainer = GRPOTrainer(
    model=MODEL,
    reward_funcs=[${c.reward_funcs.join(', ')}],
    args=training_args,
    train_dataset=Dataset.from_list(DATASET),
    processing_class=tokenizer,${peftArg}
)

if __name__ == "__main__":
    trainer.train()
`;
}
