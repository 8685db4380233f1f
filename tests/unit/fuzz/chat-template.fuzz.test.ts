/**
 * Chat templates fuzzed the way a run meets them: tokenizer_config.json's `chat_template` (string or
 * list form) through PromptFormat.forRun (which renders an example prompt at load) and then rendered
 * for system + user and user-only conversations. Refusals must be ChatTemplateError with a message,
 * and a render is bounded (steps, output, range()), so no template hangs. Inputs: random text, real
 * template shapes (ChatML, Qwen2.5, Llama 3, Mistral with raise_exception) spliced with Jinja tokens,
 * loops made long, and tokenizer_config.json fields given wrong types.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChatTemplate, ChatTemplateError } from '../../../engine/tokenizers/chat-template.js';
import { PromptFormat } from '../../../engine/tokenizers/prompt-format.js';
import type { Tokenizer } from '../../../engine/tokenizers/tokenizer.js';
import { family, fuzzParser, fuzzTimeout } from './harness.js';
import { mutatedJsonValue, randomText, splicedText } from './mutate.js';

const CHATML =
  "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\nYou are a helpful assistant<|im_end|>\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";
const QWEN25 = String.raw`{%- if messages[0]['role'] == 'system' %}
    {{- '<|im_start|>system\n' + messages[0]['content'] + '<|im_end|>\n' }}
{%- else %}
    {{- '<|im_start|>system\nYou are Qwen, a helpful assistant.<|im_end|>\n' }}
{%- endif %}
{%- for message in messages %}
    {%- if (message.role == "user") or (message.role == "system" and not loop.first) %}
        {{- '<|im_start|>' + message.role + '\n' + message.content + '<|im_end|>' + '\n' }}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}{{- '<|im_start|>assistant\n' }}{%- endif %}`;
const LLAMA3 = String.raw`{{- bos_token }}{%- set date_string = "26 Jul 2024" %}
{%- if messages[0]['role'] == 'system' %}{%- set system_message = messages[0]['content']|trim %}{%- set messages = messages[1:] %}
{%- else %}{%- set system_message = "" %}{%- endif %}
{{- "<|start_header_id|>system<|end_header_id|>\n\nToday Date: " + date_string + "\n\n" + system_message + "<|eot_id|>" }}
{%- for message in messages %}{{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' }}{%- endfor %}
{%- if add_generation_prompt %}{{- '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{%- endif %}`;
const MISTRAL = String.raw`{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}{% endif %}{% endfor %}{% for i in range(messages | length) %}{{ i }}{% endfor %}`;
const TEMPLATES = [CHATML, QWEN25, LLAMA3, MISTRAL];
const JINJA_TOKENS = [
  '{%',
  '%}',
  '{{',
  '}}',
  '{#',
  '#}',
  '{%-',
  '-%}',
  'endfor',
  'endif',
  'for x in ',
  ' if ',
  'else',
  '(',
  ')',
  '[',
  ']',
  "'",
  '"',
  '|',
  '~',
  '+',
  '*',
  '**',
  'range(',
  '99999999',
  'messages',
  'loop.',
  '| tojson',
  '| length',
  'namespace(',
  'macro ',
  'call ',
  'set ',
  'raise_exception(',
];

const baseConfig = (chatTemplate: unknown) => ({
  bos_token: '<s>',
  eos_token: { content: '</s>' },
  additional_special_tokens: ['<|im_start|>', '<|im_end|>'],
  chat_template: chatTemplate,
});

/** A tokenizer that only carries the config: PromptFormat reads tokenizerConfig() and encodes text. */
const carrying = (config: unknown): Tokenizer => ({
  vocabSize: 2,
  eosId: 1,
  encode: () => [0],
  decode: () => '',
  toJSON: () => ({}),
  tokenizerConfig: () => config as Record<string, unknown>,
});

function loadAndRender(config: unknown): 'parsed' {
  const tokenizer = carrying(config);
  const format = PromptFormat.forRun(tokenizer, { chat_template: 'auto', system_prompt: null }, '12+34=');
  format.encode('7+8=');
  if (format.template) {
    const withSystem = PromptFormat.forRun(tokenizer, { chat_template: 'auto', system_prompt: 'Be brief.' });
    withSystem.render('1+1=');
    format.template.render([{ role: 'user', content: 'hi' }], { addGenerationPrompt: false });
  }
  return 'parsed';
}

const templateText = fc.oneof(
  fc.constantFrom(...TEMPLATES),
  fc.constantFrom(...TEMPLATES).chain((t) => splicedText(t, JINJA_TOKENS)),
);
const inputs = fc.oneof(
  { weight: 6, arbitrary: family('random template text', randomText(600).map(baseConfig)) },
  { weight: 6, arbitrary: family('real template', fc.constantFrom(...TEMPLATES).map(baseConfig)) },
  { weight: 6, arbitrary: family('real template spliced with Jinja', templateText.map(baseConfig)) },
  family(
    'long loops and ranges',
    // weight 1 of 31: 21 distinct inputs, each run to the step budget (~25 ms)
    fc
      .tuple(
        fc.constantFrom('10', '1000', '100000', '10**9', '-1', '1e308', "'x'"),
        fc.integer({ min: 1, max: 3 }),
      )
      .map(([n, nesting]) => {
        const open = `{% for i in range(${n}) %}`.repeat(nesting);
        return baseConfig(`${open}{{ messages[0].content }}${'{% endfor %}'.repeat(nesting)}`);
      }),
  ),
  {
    weight: 6,
    arbitrary: family(
      'list form',
      fc
        .array(fc.record({ name: fc.constantFrom('default', 'tool_use', ''), template: templateText }), {
          maxLength: 3,
        })
        .map(baseConfig),
    ),
  },
  {
    weight: 6,
    arbitrary: family(
      'tokenizer_config.json fields mutated',
      fc.oneof(...TEMPLATES.map((t) => mutatedJsonValue(baseConfig(t)))),
    ),
  },
);

describe('fuzz: chat templates', () => {
  it(
    'every template loads and renders, or is refused with a ChatTemplateError, in bounded time',
    () => {
      const report = fuzzParser(
        'chat template',
        inputs,
        loadAndRender,
        (e) => e instanceof ChatTemplateError,
      );
      // the Mistral shape refuses a system message with its own raise_exception: a ChatTemplateError
      expect(report.families['real template'].parsed).toBeGreaterThan(0);
    },
    fuzzTimeout(),
  );

  it('the real shapes render a user prompt; the Mistral one refuses a system prompt with its own words', () => {
    for (const t of TEMPLATES) expect(loadAndRender(baseConfig(t === MISTRAL ? CHATML : t))).toBe('parsed');
    const mistral = PromptFormat.forRun(carrying(baseConfig(MISTRAL)), {
      chat_template: 'auto',
      system_prompt: 'x',
    });
    expect(() => mistral.render('1+1=')).toThrow(/Conversation roles must alternate/);
  });

  it('regression: a tokenizer_config.json that is null is a ChatTemplateError (was a TypeError)', () => {
    expect(() => ChatTemplate.fromTokenizerConfig(null as never)).toThrow(ChatTemplateError);
  });

  it('regression: range(10**8) is refused at once (the library allocated it: 4 GB, then out of memory)', () => {
    const t = new ChatTemplate('{% for i in range(100000000) %}x{% endfor %}', {});
    expect(() => t.render([{ role: 'user', content: 'a' }], { addGenerationPrompt: true })).toThrow(
      /range\(\) of 100000000 numbers is longer than/,
    );
  });

  it('regression: nested loops stop at the step budget (3000 x 3000 empty iterations took minutes)', () => {
    const t = new ChatTemplate(
      '{% for i in range(3000) %}{% for j in range(3000) %}{% endfor %}{% endfor %}',
      {},
    );
    expect(() => t.render([], { addGenerationPrompt: true })).toThrow(/more than 20000 steps/);
  });
});
