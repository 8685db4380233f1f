/**
 * How a task prompt becomes the model's input ids. With a chat template in use (RunConfig
 * `chat_template: auto` and the model's tokenizer_config.json has one), the prompt is one user message
 * (after an optional system message) rendered with `add_generation_prompt`, then encoded without the
 * tokenizer's own special tokens, as transformers' `apply_chat_template(tokenize=True)` and TRL's
 * GRPOTrainer do (the template writes any BOS itself). Otherwise the prompt text is encoded as it is,
 * special tokens added (Llama's BOS), which is what base models and the built-in char models expect.
 */
import { type ChatMessage, ChatTemplate, ChatTemplateError } from './chat-template.js';
import type { Tokenizer } from './tokenizer.js';

export interface PromptFormatOptions {
  /** `auto`: the model's chat template when its tokenizer_config.json has one; `none`: raw prompts. */
  chat_template: 'auto' | 'none';
  /** A system message before each prompt; needs a chat template in use. null = none (the template's default). */
  system_prompt: string | null;
}

/** What the lab shows about a run's prompts. */
export interface PromptFormatInfo {
  /** `template`: rendered through the model's chat template; `raw`: as written. */
  mode: 'template' | 'raw';
  /** Why raw: the model has no template, or the config turned it off. */
  reason?: 'model-has-none' | 'off';
  /** The list form's entry used, if any. */
  templateName?: string | null;
  systemPrompt: string | null;
  /** An example prompt and what the model sees for it. */
  example?: { prompt: string; rendered: string };
}

export class PromptFormat {
  private constructor(
    readonly tokenizer: Tokenizer,
    /** Null when prompts go to the model as they are. */
    readonly template: ChatTemplate | null,
    readonly systemPrompt: string | null,
    private readonly off: boolean,
  ) {}

  /** The format a run's options ask for on this tokenizer; refuses a template that cannot render a prompt. */
  static forRun(tokenizer: Tokenizer, options: PromptFormatOptions, examplePrompt?: string): PromptFormat {
    const template =
      options.chat_template === 'auto' ? ChatTemplate.fromTokenizerConfig(tokenizer.tokenizerConfig()) : null;
    if (!template && options.system_prompt !== null) {
      const why =
        options.chat_template === 'none'
          ? 'chat_template is "none"'
          : "the model's tokenizer_config.json has no chat_template";
      throw new ChatTemplateError(
        `system_prompt needs a chat template to place it, but ${why}; set system_prompt to null or use a chat model`,
      );
    }
    const format = new PromptFormat(
      tokenizer,
      template,
      options.system_prompt,
      options.chat_template === 'none',
    );
    // a template that fails, or drops the prompt, is refused at load rather than at the first step
    if (template && examplePrompt !== undefined) format.render(examplePrompt);
    return format;
  }

  /** The text the model is given for `prompt`. */
  render(prompt: string): string {
    if (!this.template) return prompt;
    const messages: ChatMessage[] = [];
    if (this.systemPrompt !== null) messages.push({ role: 'system', content: this.systemPrompt });
    messages.push({ role: 'user', content: prompt });
    const text = this.template.render(messages, { addGenerationPrompt: true });
    if (!text.includes(prompt.trim()))
      throw new ChatTemplateError(
        `${this.template.label()} of tokenizer_config.json rendered the user message ${JSON.stringify(prompt)} ` +
          `without its text (got ${JSON.stringify(text.length > 120 ? `${text.slice(0, 117)}...` : text)}); ` +
          'it does not read messages[i].content, or expects other roles. Set chat_template to "none" to send prompts as they are',
      );
    return text;
  }

  /** The ids of `prompt` as every forward pass (rollout, eval, Try, SFT) sees it. */
  encode(prompt: string): number[] {
    return this.template
      ? this.tokenizer.encode(this.render(prompt), { addSpecialTokens: false })
      : this.tokenizer.encode(prompt, { addSpecialTokens: true });
  }

  info(examplePrompt?: string): PromptFormatInfo {
    const example =
      examplePrompt === undefined
        ? undefined
        : { prompt: examplePrompt, rendered: this.render(examplePrompt) };
    if (this.template)
      return { mode: 'template', templateName: this.template.name, systemPrompt: this.systemPrompt, example };
    return { mode: 'raw', reason: this.off ? 'off' : 'model-has-none', systemPrompt: null, example };
  }
}
