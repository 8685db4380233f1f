/**
 * Chat templates against an independent renderer: every expected string below was rendered by Python's
 * Jinja2 3.1.6 in transformers' environment (ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks,
 * raise_exception) from the same template text and variables, and every expected id list is spelt out
 * token by token over a hand-built tokenizer. The templates are written here in the shapes of
 * SmolLM2-Instruct's (one line, ChatML, default system turn) and Qwen2.5-Instruct's (whitespace control,
 * a tools branch), plus a Llama-2-style one that writes bos_token/eos_token itself (list form).
 */
import { describe, expect, it } from 'vitest';
import { CharTokenizer } from './char-tokenizer.js';
import { ChatTemplate, ChatTemplateError } from './chat-template.js';
import { tokenizerFromJSON } from './load.js';
import { PromptFormat } from './prompt-format.js';

const SMOLLM2_STYLE =
  "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

const QWEN25_STYLE = String.raw`{%- if tools %}
    {{- '<|im_start|>system\n' }}
    {%- if messages[0]['role'] == 'system' %}
        {{- messages[0]['content'] }}
    {%- else %}
        {{- 'You are Qwen, a helpful assistant.' }}
    {%- endif %}
    {{- "\n\n# Tools\n<tools>" }}
    {%- for tool in tools %}
        {{- "\n" }}
        {{- tool | tojson }}
    {%- endfor %}
    {{- "\n</tools><|im_end|>\n" }}
{%- else %}
    {%- if messages[0]['role'] == 'system' %}
        {{- '<|im_start|>system\n' + messages[0]['content'] + '<|im_end|>\n' }}
    {%- else %}
        {{- '<|im_start|>system\nYou are Qwen, a helpful assistant.<|im_end|>\n' }}
    {%- endif %}
{%- endif %}
{%- for message in messages %}
    {%- if (message.role == "user") or (message.role == "system" and not loop.first) or (message.role == "assistant") %}
        {{- '<|im_start|>' + message.role + '\n' + message.content + '<|im_end|>' + '\n' }}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|im_start|>assistant\n' }}
{%- endif %}
`;

/** The SmolLM2 shape written over several lines without `-`: trim_blocks/lstrip_blocks decide the newlines. */
const MULTILINE = String.raw`{% for message in messages %}
  {% if loop.first and messages[0]['role'] != 'system' %}
{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}
  {% endif %}
{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n' }}
{% endfor %}
{% if add_generation_prompt %}
{{ '<|im_start|>assistant\n' }}
{% endif %}`;

const LLAMA2_STYLE =
  "{{ bos_token }}{% for message in messages %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] | trim + ' [/INST]' }}{% elif message['role'] == 'system' %}{{ '<<SYS>>' + message['content'] + '<</SYS>>' }}{% else %}{{ ' ' + message['content'] + ' ' + eos_token }}{% endif %}{% endfor %}";

// Printable ASCII and the newline, one token each; specials first.
const CHARS = `\n${Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i)).join('')}`;

/** A tokenizer.json with one token per character (BPE without merges) and the given added specials. */
function tokenizerJson(specials: string[], bos?: string) {
  const vocab: Record<string, number> = {};
  for (const t of [...specials, ...CHARS]) vocab[t] = Object.keys(vocab).length;
  return {
    json: {
      version: '1.0',
      added_tokens: specials.map((content, id) => ({
        id,
        content,
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: false,
        special: true,
      })),
      normalizer: null,
      // wrapped in a Sequence so the file is not mistaken for TabRL's own char tokenizer
      pre_tokenizer: {
        type: 'Sequence',
        pretokenizers: [
          { type: 'Split', pattern: { Regex: '[\\s\\S]' }, behavior: 'Isolated', invert: false },
        ],
      },
      post_processor: bos
        ? {
            type: 'TemplateProcessing',
            single: [{ SpecialToken: { id: bos, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
            pair: [{ Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }],
            special_tokens: { [bos]: { id: bos, ids: [vocab[bos]], tokens: [bos] } },
          }
        : null,
      decoder: { type: 'Fuse' },
      model: {
        type: 'BPE',
        dropout: null,
        unk_token: null,
        continuing_subword_prefix: null,
        end_of_word_suffix: null,
        fuse_unk: false,
        byte_fallback: false,
        ignore_merges: false,
        vocab,
        merges: [],
      },
    },
    /** Expected ids: a part that is a special token is its id, any other part one id per character. */
    ids: (...parts: string[]) =>
      parts.flatMap((p) => (specials.includes(p) ? [vocab[p]] : [...p].map((ch) => vocab[ch]))),
  };
}

const CHATML = ['<|endoftext|>', '<|im_start|>', '<|im_end|>'];
const AUTO = { chat_template: 'auto', system_prompt: null } as const;

describe('chat templates rendered as transformers renders them', () => {
  it('SmolLM2-style: the default system turn, the user prompt, the generation prompt; exact ids', () => {
    const { json, ids } = tokenizerJson(CHATML);
    const tok = tokenizerFromJSON(json, {
      bos_token: '<|im_start|>',
      eos_token: '<|im_end|>',
      pad_token: '<|im_end|>',
      chat_template: SMOLLM2_STYLE,
    });
    const format = PromptFormat.forRun(tok, AUTO, '12+34=');
    expect(format.render('12+34=')).toBe(
      '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n<|im_start|>user\n12+34=<|im_end|>\n<|im_start|>assistant\n',
    );
    expect(format.encode('12+34=')).toEqual(
      ids(
        '<|im_start|>',
        'system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face',
        '<|im_end|>',
        '\n',
        '<|im_start|>',
        'user\n12+34=',
        '<|im_end|>',
        '\n',
        '<|im_start|>',
        'assistant\n',
      ),
    );
    const withSystem = PromptFormat.forRun(tok, { ...AUTO, system_prompt: 'Answer with a number.' });
    expect(withSystem.render('12+34=')).toBe(
      '<|im_start|>system\nAnswer with a number.<|im_end|>\n<|im_start|>user\n12+34=<|im_end|>\n<|im_start|>assistant\n',
    );
    expect(format.info('7+5=')).toEqual({
      mode: 'template',
      templateName: null,
      systemPrompt: null,
      example: { prompt: '7+5=', rendered: format.render('7+5=') },
    });
    // "none" sends the prompt as written
    const raw = PromptFormat.forRun(tok, { chat_template: 'none', system_prompt: null });
    expect(raw.encode('12+34=')).toEqual(ids('12+34='));
    expect(raw.info()).toMatchObject({ mode: 'raw', reason: 'off' });
  });

  it('Qwen2.5-style: whitespace control, the tools branch skipped, a system prompt replaces the default', () => {
    const { json, ids } = tokenizerJson(CHATML);
    const tok = tokenizerFromJSON(json, {
      eos_token: '<|im_end|>',
      pad_token: '<|endoftext|>',
      bos_token: null,
      chat_template: QWEN25_STYLE,
    });
    const format = PromptFormat.forRun(tok, AUTO);
    expect(format.render('12+34=')).toBe(
      '<|im_start|>system\nYou are Qwen, a helpful assistant.<|im_end|>\n<|im_start|>user\n12+34=<|im_end|>\n<|im_start|>assistant\n',
    );
    const sys = PromptFormat.forRun(tok, { ...AUTO, system_prompt: 'Answer with a number.' });
    expect(sys.render('12+34=')).toBe(
      '<|im_start|>system\nAnswer with a number.<|im_end|>\n<|im_start|>user\n12+34=<|im_end|>\n<|im_start|>assistant\n',
    );
    expect(sys.encode('12+34=')).toEqual(
      ids(
        '<|im_start|>',
        'system\nAnswer with a number.',
        '<|im_end|>',
        '\n',
        '<|im_start|>',
        'user\n12+34=',
        '<|im_end|>',
        '\n',
        '<|im_start|>',
        'assistant\n',
      ),
    );
  });

  it('without whitespace control, trim_blocks/lstrip_blocks leave the newlines Jinja2 leaves', () => {
    const template = new ChatTemplate(MULTILINE, {});
    expect(template.render([{ role: 'user', content: '12+34=' }], { addGenerationPrompt: true })).toBe(
      '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n\n<|im_start|>user\n12+34=<|im_end|>\n\n<|im_start|>assistant\n\n',
    );
  });

  it('Llama-2-style in the list form: bos_token/eos_token from AddedToken objects, one BOS in the ids', () => {
    const { json, ids } = tokenizerJson(['<unk>', '<s>', '</s>'], '<s>');
    const config = {
      bos_token: { content: '<s>', lstrip: false, normalized: false, rstrip: false, single_word: false },
      eos_token: { content: '</s>', lstrip: false, normalized: false, rstrip: false, single_word: false },
      unk_token: '<unk>',
      chat_template: [
        { name: 'default', template: LLAMA2_STYLE },
        { name: 'tool_use', template: "{{ raise_exception('tools only') }}" },
      ],
    };
    const tok = tokenizerFromJSON(json, config);
    const template = ChatTemplate.fromTokenizerConfig(config);
    expect(template?.name).toBe('default');
    expect(template?.specialTokens).toEqual({ bos_token: '<s>', eos_token: '</s>', unk_token: '<unk>' });
    const conversation = [
      { role: 'user', content: '1+1=' },
      { role: 'assistant', content: '2' },
      { role: 'user', content: '2+2=' },
    ] as const;
    expect(template?.render(conversation, { addGenerationPrompt: true })).toBe(
      '<s>[INST] 1+1= [/INST] 2 </s>[INST] 2+2= [/INST]',
    );
    const format = PromptFormat.forRun(tok, AUTO);
    expect(format.render(' 12+34= ')).toBe('<s>[INST] 12+34= [/INST]');
    // the template writes BOS; the post-processor's BOS is not added again (add_special_tokens=False)
    expect(format.encode(' 12+34= ')).toEqual(ids('<s>', '[INST] 12+34= [/INST]'));
    expect(tok.encode('x')).toEqual(ids('<s>', 'x'));
  });

  it("TabRL's char tokenizer keeps a chat_template of tokenizer_config.json, so saved checkpoints keep it", () => {
    const char = new CharTokenizer();
    const template = '{% for m in messages %}[{{ m.content }}]{{ eos_token }}{% endfor %}:';
    const loaded = tokenizerFromJSON(char.toJSON(), { ...char.tokenizerConfig(), chat_template: template });
    expect(loaded).toBeInstanceOf(CharTokenizer);
    expect(loaded.tokenizerConfig().chat_template).toBe(template);
    const format = PromptFormat.forRun(loaded, AUTO, '1+2=');
    expect(format.render('1+2=')).toBe('[1+2=]<eos>:');
    expect(format.encode('1+2=')).toEqual([...char.encode('[1+2=]'), char.eosId, ...char.encode(':')]);
    // no template: prompts go as written, and a system prompt has nowhere to go
    const plain = PromptFormat.forRun(char, AUTO);
    expect(plain.info()).toMatchObject({ mode: 'raw', reason: 'model-has-none' });
    expect(plain.encode('1+2=')).toEqual(char.encode('1+2='));
    expect(() => PromptFormat.forRun(char, { chat_template: 'auto', system_prompt: 'Be brief.' })).toThrow(
      /system_prompt needs a chat template to place it, but the model's tokenizer_config.json has no chat_template/,
    );
  });
});

describe('template problems are refused with what is wrong', () => {
  const { json } = tokenizerJson(CHATML);
  const withTemplate = (chat_template: unknown) =>
    tokenizerFromJSON(json, { eos_token: '<|im_end|>', chat_template });

  it('a template that does not parse', () => {
    expect(() =>
      PromptFormat.forRun(withTemplate('{% for message in messages %}{{ message.content }}'), AUTO, '1+1='),
    ).toThrow(
      /the chat template cannot be parsed by @huggingface\/jinja: .* \(template starts "\{% for message in messages %\}\{\{ message.content \}\}"\)/,
    );
  });

  it("a template's raise_exception, with the roles it was given", () => {
    const gemmaLike =
      "{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}{% for m in messages %}{{ m.content }}{% endfor %}";
    const tok = withTemplate(gemmaLike);
    expect(PromptFormat.forRun(tok, AUTO, '1+1=').render('1+1=')).toBe('1+1=');
    let error: unknown;
    try {
      PromptFormat.forRun(tok, { ...AUTO, system_prompt: 'Be brief.' }, '1+1=');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ChatTemplateError);
    expect((error as Error).message).toBe(
      'the chat template of tokenizer_config.json failed to render a system + user conversation: System role not supported',
    );
  });

  it('a template that drops the prompt', () => {
    expect(() =>
      PromptFormat.forRun(withTemplate("{{ '<|im_start|>assistant\\n' }}"), AUTO, '12+34='),
    ).toThrow(
      /the chat template of tokenizer_config.json rendered the user message "12\+34=" without its text \(got "<\|im_start\|>assistant\\n"\)/,
    );
  });

  it('a list without "default", and a chat_template of the wrong type', () => {
    expect(() =>
      PromptFormat.forRun(
        withTemplate([
          { name: 'tool_use', template: 'a' },
          { name: 'rag', template: 'b' },
        ]),
        AUTO,
      ),
    ).toThrow(/chat_template lists templates named "tool_use", "rag" but none named "default"/);
    expect(() => PromptFormat.forRun(withTemplate(42), AUTO)).toThrow(
      /chat_template must be a string or a list of \{"name", "template"\} \(got number\)/,
    );
    // "none" never reads the template, so a broken one does not stop a raw run
    expect(
      PromptFormat.forRun(withTemplate(42), { chat_template: 'none', system_prompt: null }).render('x'),
    ).toBe('x');
  });
});
