/**
 * Test fixtures (Node only): tiny random checkpoints in the exact file layouts the hub serves for the
 * families TabRL reads, and a node:http server on 127.0.0.1 that stands in for the hub's
 * `/{org}/{name}/resolve/{revision}/{file}` route and logs every request.
 *
 * Layouts: `gpt2` as transformers saves it today (`transformer.` prefix, tied head dropped), `gpt2` as the
 * original hub checkpoint (no prefix, `h.N.attn.bias` mask buffers), `llama` shaped like SmolLM2 (GQA 3:1,
 * tied embeddings), `qwen2` like Qwen2.5 (q/k/v bias, tied embeddings, bf16, two shards with an index).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type ModelConfig, parseHfConfig } from '../model/config.js';
import { initParams } from '../model/init.js';
import { paramSpecs } from '../model/param-names.js';
import { type TensorToWrite, writeSafetensors } from '../model/safetensors.js';
import { CharTokenizer, DEFAULT_ALPHABET } from '../tokenizers/char-tokenizer.js';

export type TinyLayout = 'gpt2' | 'gpt2-unprefixed' | 'llama' | 'qwen2-sharded-bf16';
export const TINY_LAYOUTS: readonly TinyLayout[] = ['gpt2', 'gpt2-unprefixed', 'llama', 'qwen2-sharded-bf16'];

export interface TinyCheckpoint {
  config: ModelConfig;
  /** Parameters by canonical name, as float32 (bf16-rounded for the bf16 layout). */
  params: Map<string, Float32Array>;
  files: Map<string, Uint8Array>;
}

const json = (v: unknown) => new TextEncoder().encode(`${JSON.stringify(v, null, 2)}\n`);

/** Round-to-nearest-even float32 -> bfloat16, as torch's .to(torch.bfloat16) does. */
export function toBf16(values: Float32Array): { words: Uint16Array; rounded: Float32Array } {
  const bits = new Uint32Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
  const words = new Uint16Array(values.length);
  const back = new Uint32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const b = bits[i];
    const w = ((b + 0x7fff + ((b >>> 16) & 1)) >>> 16) & 0xffff;
    words[i] = w;
    back[i] = w << 16;
  }
  return { words, rounded: new Float32Array(back.buffer) };
}

function hfConfig(layout: TinyLayout, vocab: number, eos: number, pad: number): Record<string, unknown> {
  switch (layout) {
    case 'gpt2':
    case 'gpt2-unprefixed':
      return {
        architectures: ['GPT2LMHeadModel'],
        model_type: 'gpt2',
        n_embd: 24,
        n_layer: 2,
        n_head: 3,
        n_positions: 32,
        n_inner: null,
        vocab_size: vocab,
        activation_function: 'gelu_new',
        layer_norm_epsilon: 1e-5,
        bos_token_id: eos,
        eos_token_id: eos,
        pad_token_id: pad,
        torch_dtype: 'float32',
      };
    case 'llama':
      return {
        architectures: ['LlamaForCausalLM'],
        model_type: 'llama',
        hidden_size: 24,
        intermediate_size: 40,
        num_hidden_layers: 2,
        num_attention_heads: 6,
        num_key_value_heads: 2,
        head_dim: 4,
        hidden_act: 'silu',
        max_position_embeddings: 64,
        rms_norm_eps: 1e-5,
        rope_theta: 100000,
        rope_scaling: null,
        attention_bias: false,
        mlp_bias: false,
        tie_word_embeddings: true,
        vocab_size: vocab,
        bos_token_id: eos,
        eos_token_id: eos,
        pad_token_id: pad,
        torch_dtype: 'float32',
      };
    case 'qwen2-sharded-bf16':
      return {
        architectures: ['Qwen2ForCausalLM'],
        model_type: 'qwen2',
        hidden_size: 28,
        intermediate_size: 36,
        num_hidden_layers: 2,
        num_attention_heads: 7,
        num_key_value_heads: 1,
        hidden_act: 'silu',
        max_position_embeddings: 64,
        max_window_layers: 2,
        sliding_window: 64,
        use_sliding_window: false,
        rms_norm_eps: 1e-6,
        rope_theta: 1000000,
        tie_word_embeddings: true,
        vocab_size: vocab,
        bos_token_id: eos,
        eos_token_id: eos,
        torch_dtype: 'bfloat16',
      };
    default:
      throw layout satisfies never;
  }
}

/** A tiny checkpoint of `layout` whose tokenizer covers TabRL's default alphabet. */
export function tinyCheckpoint(layout: TinyLayout, seed = 1): TinyCheckpoint {
  const tokenizer = new CharTokenizer({ alphabet: DEFAULT_ALPHABET });
  const raw = hfConfig(layout, tokenizer.vocabSize, tokenizer.eosId, tokenizer.padId ?? 0);
  const config = parseHfConfig(raw);
  let s = seed >>> 0 || 1;
  const uniform = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const params = initParams(config, uniform);
  for (const [name, v] of params)
    if (/bias$/.test(name)) for (let i = 0; i < v.length; i++) v[i] = (uniform() - 0.5) * 0.1;
  const files = new Map<string, Uint8Array>();
  files.set('config.json', json(raw));
  files.set('tokenizer.json', json(tokenizer.toJSON()));
  files.set('tokenizer_config.json', json(tokenizer.tokenizerConfig()));
  files.set('generation_config.json', json({ eos_token_id: tokenizer.eosId }));
  const specs = paramSpecs(config);
  switch (layout) {
    case 'gpt2':
      files.set(
        'model.safetensors',
        writeSafetensors(
          specs.map((p) => ({ ...p, data: params.get(p.name)! })),
          { format: 'pt' },
        ),
      );
      break;
    case 'gpt2-unprefixed': {
      const T = config.maxPositions;
      const mask = new Float32Array(T * T).map((_, i) => (i % T <= Math.floor(i / T) ? 1 : 0));
      const tensors: TensorToWrite[] = [];
      for (const p of specs) {
        tensors.push({
          name: p.name.replace(/^transformer\./, ''),
          shape: p.shape,
          data: params.get(p.name)!,
        });
        const layer = /^transformer\.h\.(\d+)\.ln_1\.weight$/.exec(p.name);
        if (layer) tensors.push({ name: `h.${layer[1]}.attn.bias`, shape: [1, 1, T, T], data: mask });
      }
      files.set('model.safetensors', writeSafetensors(tensors, { format: 'pt' }));
      break;
    }
    case 'llama':
      files.set(
        'model.safetensors',
        writeSafetensors(
          specs.map((p) => ({ ...p, data: params.get(p.name)! })),
          { format: 'pt' },
        ),
      );
      break;
    case 'qwen2-sharded-bf16': {
      const shards: TensorToWrite[][] = [[], []];
      const weightMap: Record<string, string> = {};
      let totalSize = 0;
      specs.forEach((p, i) => {
        const { words, rounded } = toBf16(params.get(p.name)!);
        params.set(p.name, rounded);
        const shard = i < specs.length / 2 ? 0 : 1;
        shards[shard].push({
          name: p.name,
          shape: p.shape,
          dtype: 'BF16',
          bytes: new Uint8Array(words.buffer),
        });
        weightMap[p.name] = `model-0000${shard + 1}-of-00002.safetensors`;
        totalSize += words.byteLength;
      });
      shards.forEach((t, i) => {
        files.set(`model-0000${i + 1}-of-00002.safetensors`, writeSafetensors(t, { format: 'pt' }));
      });
      files.set(
        'model.safetensors.index.json',
        json({ metadata: { total_size: totalSize }, weight_map: weightMap }),
      );
      break;
    }
    default:
      throw layout satisfies never;
  }
  return { config, params, files };
}

export interface LocalHub {
  baseUrl: string;
  /** Paths requested so far, in order. */
  requests: string[];
  /** Repos served, by `org/name@revision`. */
  repos: Map<string, Map<string, Uint8Array>>;
  close(): Promise<void>;
}

export interface HubRouteOptions {
  /** Path the hub's routes sit under (e.g. `/hub` beside a served site); default none. */
  prefix?: string;
  /** Chunks each file goes out in (default 2), `delayMs` apart (default 0): a slow link shows progress. */
  chunks?: number;
  delayMs?: number;
}

/**
 * The hub's `{prefix}/{org}/{name}/resolve/{revision}/{file}` route over `repos`, logging each request's
 * path (prefix removed) in `requests`; false when the path is not under the prefix (someone else's).
 */
export function hubRoute(
  repos: Map<string, Map<string, Uint8Array>>,
  requests: string[],
  options: HubRouteOptions = {},
): (req: IncomingMessage, res: ServerResponse) => boolean {
  const prefix = options.prefix ?? '';
  const chunks = Math.max(1, options.chunks ?? 2);
  return (req, res) => {
    const full = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (!full.startsWith(`${prefix}/`)) return false;
    const path = full.slice(prefix.length);
    requests.push(path);
    const m = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(path);
    const body = m ? repos.get(`${m[1]}@${m[2]}`)?.get(m[3]) : undefined;
    if (!body) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('Entry not found');
      return true;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(body.length) });
    const size = Math.ceil(body.length / chunks);
    const send = (i: number) => {
      const part = body.subarray(i * size, (i + 1) * size);
      if ((i + 1) * size >= body.length) res.end(part);
      else {
        res.write(part);
        setTimeout(() => send(i + 1), options.delayMs ?? 0);
      }
    };
    send(0);
    return true;
  };
}

/** Serves `repos` (`org/name@revision` -> files) under the hub's resolve route; files go out in two chunks. */
export async function startLocalHub(repos: Map<string, Map<string, Uint8Array>>): Promise<LocalHub> {
  const requests: string[] = [];
  const route = hubRoute(repos, requests);
  const server: Server = createServer((req, res) => {
    route(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('local hub: no TCP address');
  return {
    baseUrl: `http://127.0.0.1:${address.port}`,
    requests,
    repos,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
