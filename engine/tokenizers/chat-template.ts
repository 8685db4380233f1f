/**
 * A model's chat template (tokenizer_config.json `chat_template`), rendered with @huggingface/jinja the
 * way transformers' `apply_chat_template` renders it: trim_blocks and lstrip_blocks on, `messages` and
 * `add_generation_prompt` given, and every special token tokenizer_config.json names (`bos_token`,
 * `eos_token`, `pad_token`, ..., `additional_special_tokens`) available as a variable, as transformers
 * passes `special_tokens_map`. Both forms are read: a string, or a list of `{name, template}` of which
 * `default` is used (transformers' rule). Problems name the template and what is wrong with it.
 */
import { Template } from '@huggingface/jinja';

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
      return this.template.render({
        ...this.specialTokens,
        messages: messages.map((m) => ({ ...m })),
        add_generation_prompt: options.addGenerationPrompt,
      });
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
