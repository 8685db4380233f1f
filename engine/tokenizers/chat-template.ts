/**
 * A model's chat template (tokenizer_config.json `chat_template`), rendered with @huggingface/jinja the
 * way transformers' `apply_chat_template` renders it: trim_blocks and lstrip_blocks on, `messages` and
 * `add_generation_prompt` given, and every special token tokenizer_config.json names (`bos_token`,
 * `eos_token`, `pad_token`, ..., `additional_special_tokens`) available as a variable, as transformers
 * passes `special_tokens_map`. Both forms are read: a string, or a list of `{name, template}` of which
 * `default` is used (transformers' rule). Problems name the template and what is wrong with it.
 * Departure: a template comes from a downloaded file, so one render is bounded (steps, output length,
 * range() length) where the library would loop or allocate without end.
 */
import { Environment, Interpreter, Template } from '@huggingface/jinja';
import { previewJson } from '../json-depth.js';

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export class ChatTemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChatTemplateError';
  }
}

/** transformers' SPECIAL_TOKENS_ATTRIBUTES: each is a template variable when tokenizer_config.json sets it. */
const SPECIAL_TOKEN_KEYS = [
  'bos_token',
  'eos_token',
  'unk_token',
  'sep_token',
  'pad_token',
  'cls_token',
  'mask_token',
] as const;

/** A token name as tokenizer_config.json writes it: a string or an AddedToken object `{content, ...}`. */
function tokenText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as { content?: unknown }).content === 'string')
    return (v as { content: string }).content;
  return undefined;
}

/** The special tokens a template sees, by variable name (only those the config sets, as transformers). */
export function templateSpecialTokens(config: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of SPECIAL_TOKEN_KEYS) {
    const text = tokenText(config[key]);
    if (text !== undefined) out[key] = text;
  }
  const extra = config.additional_special_tokens;
  if (Array.isArray(extra))
    out.additional_special_tokens = extra.map(tokenText).filter((t) => t !== undefined);
  return out;
}

/**
 * The template text of tokenizer_config.json, with its name in the list form (null for a plain string);
 * null when the config has no chat_template.
 */
export function chatTemplateSource(
  config: Record<string, unknown>,
): { name: string | null; source: string } | null {
  if (typeof config !== 'object' || config === null || Array.isArray(config))
    throw new ChatTemplateError(`tokenizer_config.json: expected a JSON object (got ${previewJson(config)})`);
  const t = config.chat_template;
  if (t === undefined || t === null) return null;
  if (typeof t === 'string') return { name: null, source: t };
  if (Array.isArray(t)) {
    const named = t.filter(
      (e): e is { name: string; template: string } =>
        typeof e === 'object' &&
        e !== null &&
        typeof (e as { name?: unknown }).name === 'string' &&
        typeof (e as { template?: unknown }).template === 'string',
    );
    if (named.length !== t.length)
      throw new ChatTemplateError(
        'tokenizer_config.json: chat_template is a list, but not every entry is {"name": ..., "template": ...}',
      );
    const chosen = named.find((e) => e.name === 'default');
    if (!chosen)
      throw new ChatTemplateError(
        `tokenizer_config.json: chat_template lists templates named ${named.map((e) => JSON.stringify(e.name)).join(', ')} ` +
          'but none named "default", which is the one used (set chat_template to "none" to send prompts as they are)',
      );
    return { name: chosen.name, source: chosen.template };
  }
  throw new ChatTemplateError(
    `tokenizer_config.json: chat_template must be a string or a list of {"name", "template"} (got ${typeof t})`,
  );
}

/** Interpreter steps (expressions, statements, loop iterations) one render may take: real templates take
 * hundreds for a system + user prompt; 20,000 empty loop iterations already take about half a second. */
export const MAX_RENDER_STEPS = 20_000;
/** Longest text one block of a render may produce (characters). */
export const MAX_RENDER_CHARS = 4_000_000;
/** Longest list range() may make: the library prepares a scope per item before the loop runs (100,000 took 2 s). */
const MAX_RANGE = 10_000;

/** The library's range(), refusing lists longer than MAX_RANGE (range(10**9) would allocate gigabytes). */
function boundedRange(start: number, stop?: number, step = 1): number[] {
  const [from, to] = stop === undefined ? [0, start] : [start, stop];
  if (![from, to, step].every(Number.isFinite) || step === 0)
    throw new Error(`range(${from}, ${to}, ${step}) needs finite bounds and a step other than 0`);
  const length = Math.max(0, Math.ceil((to - from) / step));
  if (length > MAX_RANGE)
    throw new Error(`range() of ${length} numbers is longer than the ${MAX_RANGE} allowed`);
  return Array.from({ length }, (_, i) => from + i * step);
}

/** @huggingface/jinja's setupGlobals (not exported), with range() bounded; chat-template.test.ts compares them. */
function templateGlobals(): Record<string, unknown> {
  const pad2 = (n: number) => String(n).padStart(2, '0');
  const strftimeNow = (format: string) => {
    const d = new Date();
    const month = (style: 'long' | 'short') => new Intl.DateTimeFormat(undefined, { month: style }).format(d);
    return String(format).replace(/%[YmdbBHM%]/g, (t) => {
      const parts: Record<string, string> = {
        '%Y': String(d.getFullYear()),
        '%m': pad2(d.getMonth() + 1),
        '%d': pad2(d.getDate()),
        '%b': month('short'),
        '%B': month('long'),
        '%H': pad2(d.getHours()),
        '%M': pad2(d.getMinutes()),
        '%%': '%',
      };
      return parts[t] ?? t;
    });
  };
  return {
    false: false,
    true: true,
    none: null,
    raise_exception: (message: unknown) => {
      throw new Error(String(message));
    },
    range: boundedRange,
    strftime_now: strftimeNow,
    True: true,
    False: false,
    None: null,
  };
}

type Evaluate = Interpreter['evaluate'];
type EvaluateBlock = (statements: unknown[], env: Environment) => { value: string };

/** The library's interpreter with a step budget: every evaluation and every block (loop iteration) counts. */
class BoundedInterpreter extends Interpreter {
  private steps = 0;

  constructor(env: Environment) {
    super(env);
    // evaluateBlock is private in the typings; it runs once per loop iteration, even for an empty body
    const self = this as unknown as { evaluateBlock: EvaluateBlock };
    const block = self.evaluateBlock;
    if (typeof block !== 'function')
      throw new Error('@huggingface/jinja changed: Interpreter.evaluateBlock is gone');
    self.evaluateBlock = (statements, env) => {
      this.step();
      const out = block.call(this, statements, env);
      if (out.value.length > MAX_RENDER_CHARS)
        throw new Error(`it produced more than ${MAX_RENDER_CHARS} characters`);
      return out;
    };
  }

  override evaluate(...args: Parameters<Evaluate>): ReturnType<Evaluate> {
    this.step();
    return super.evaluate(...args);
  }

  private step(): void {
    if (++this.steps > MAX_RENDER_STEPS)
      throw new Error(`it took more than ${MAX_RENDER_STEPS} steps (a loop that does not end?)`);
  }
}

export class ChatTemplate {
  private readonly template: Template;

  /** `name`: the entry of the list form, null for a plain string (used in messages). */
  constructor(
    readonly source: string,
    readonly specialTokens: Record<string, unknown>,
    readonly name: string | null = null,
  ) {
    try {
      this.template = new Template(source);
    } catch (e) {
      throw new ChatTemplateError(
        `${this.label()} cannot be parsed by @huggingface/jinja: ${(e as Error).message} (template starts ${preview(source)})`,
      );
    }
  }

  /** The template tokenizer_config.json carries, or null when it has none. */
  static fromTokenizerConfig(config: Record<string, unknown>): ChatTemplate | null {
    const found = chatTemplateSource(config);
    return found ? new ChatTemplate(found.source, templateSpecialTokens(config), found.name) : null;
  }

  /** `chat_template` of tokenizer_config.json, or `chat_template "tool_use"` in the list form. */
  label(): string {
    return this.name === null ? 'the chat template' : `the chat template named ${JSON.stringify(this.name)}`;
  }

  render(messages: readonly ChatMessage[], options: { addGenerationPrompt: boolean }): string {
    try {
      // Template.render, with the interpreter bounded
      const env = new Environment();
      const items = {
        ...templateGlobals(),
        ...this.specialTokens,
        messages: messages.map((m) => ({ ...m })),
        add_generation_prompt: options.addGenerationPrompt,
      };
      for (const [key, value] of Object.entries(items)) env.set(key, value);
      return String(new BoundedInterpreter(env).run(this.template.parsed).value);
    } catch (e) {
      throw new ChatTemplateError(
        `${this.label()} of tokenizer_config.json failed to render a ${messages.map((m) => m.role).join(' + ')} conversation: ${(e as Error).message}`,
      );
    }
  }
}

function preview(text: string): string {
  const oneLine = text.replace(/\s+/g, ' ');
  return JSON.stringify(oneLine.length > 60 ? `${oneLine.slice(0, 57)}...` : oneLine);
}
