/**
 * GPT-2 and Llama/Qwen2 transformers on the WebGPU kernels: forward over a left-padded batch (or a
 * block of new tokens against a KV cache), and backward that accumulates a gradient for every named
 * parameter. Residual adds are fused into the next norm; the residual gradient is one tensor that every
 * branch adds into, since d(a+b)/da = d(a+b)/db = identity. LoRA adapters attached to a parameter set
 * (gpu/lora.ts) ride on its linear layers; the backward computes a gradient only for the tensors that
 * `grads` holds, so a LoRA run's frozen base gets none. The token embedding and LM head may be stored
 * as row chunks (gpu/params.ts, above one storage binding): they go through the chunk-aware gather,
 * scatter and matmul, and every other parameter is read whole.
 */
import { attentionBackward, attentionForward } from '../../../kernels/ops/attention/attention.js';
import { copyTimeSteps, sliceColumns, writeColumns } from '../../../kernels/ops/copy/copy.js';
import { embeddingBackward, embeddingForward } from '../../../kernels/ops/embedding/embedding.js';
import { biasGeluBackward, biasGeluForward } from '../../../kernels/ops/gelu/gelu.js';
import { matmul } from '../../../kernels/ops/matmul/matmul.js';
import { matmulRowChunks } from '../../../kernels/ops/matmul/matmul-row-chunks.js';
import { ropeBackward, ropeForward } from '../../../kernels/ops/rope/rope.js';
import { swigluBackward, swigluForward } from '../../../kernels/ops/swiglu/swiglu.js';
import type { Runtime, Tensor } from '../../../kernels/runtime/index.js';
import type { ModelConfig } from '../config.js';
import { HEAD_PIECE_BYTES } from '../head-pieces.js';
import type { GpuBatch } from './batch.js';
import {
  addLoraForward,
  type LinearGrads,
  type LinearWeights,
  linearBackward,
  linearForward,
} from './linear.js';
import { loraWeightsFor } from './lora.js';
import { disposeNorm, type NormSaved, type NormSpec, normBackward, normForward } from './norms.js';
import type { GpuParams } from './params.js';

/** Per-layer keys and values of every row, [B,Tmax,Hkv,D], plus which cache slots hold real tokens. */
export interface KvCache {
  k: Tensor[];
  v: Tensor[];
  keyMask: Tensor; // [B,Tmax]
  capacity: number;
}

export interface ForwardOptions {
  /** Keep activations for `backwardHidden` (forwardHidden only). */
  train?: boolean;
  /** Write this block's keys/values into the cache at `start` and attend over the cache. */
  cache?: KvCache;
  start?: number;
  /** Logits of the last time step only ([B,V]); generation needs nothing else. */
  lastOnly?: boolean;
}

interface LayerSaved {
  n1: NormSaved;
  q: Tensor;
  k: Tensor;
  v: Tensor;
  attOut: Tensor;
  lse: Tensor;
  n2: NormSaved;
  /** GPT-2: pre-activation fc; Llama: gate. */
  a: Tensor;
  /** GPT-2: gelu output; Llama: up. */
  b: Tensor;
  /** Llama: swiglu output. */
  c?: Tensor;
}

export interface Activations {
  batch: GpuBatch;
  layers: LayerSaved[];
  final: NormSaved;
}

export interface HiddenResult {
  /** [B*T,C] final normalised hidden states (or [B,C]); owned by `saved` when training. */
  hidden: Tensor;
  saved?: Activations;
}

export interface ForwardResult {
  /** [B*T,V] (or [B,V] with lastOnly). */
  logits: Tensor;
  /** [B*T,C] final normalised hidden states (or [B,C]). */
  hidden: Tensor;
}

export class GpuTransformer {
  readonly family: ModelConfig['family'];
  /** The most bytes of logits head.ts makes at once (tests lower it to make several pieces). */
  headPieceBytes = HEAD_PIECE_BYTES;
  private readonly C: number;
  private readonly H: number;
  private readonly Hkv: number;
  private readonly D: number;

  constructor(
    readonly rt: Runtime,
    readonly config: ModelConfig,
  ) {
    this.family = config.family;
    this.C = config.hiddenSize;
    this.H = config.numHeads;
    this.Hkv = config.numKvHeads;
    this.D = config.headDim;
  }

  // ------------------------------------------------------------------ names

  private prefix(l: number): string {
    return this.family === 'gpt2' ? `transformer.h.${l}` : `model.layers.${l}`;
  }

  private norm(which: 'ln1' | 'ln2' | 'final', l = 0): NormSpec {
    const eps = this.config.normEps;
    if (this.family === 'gpt2') {
      const base =
        which === 'final' ? 'transformer.ln_f' : `${this.prefix(l)}.${which === 'ln1' ? 'ln_1' : 'ln_2'}`;
      return { kind: 'layernorm', weight: `${base}.weight`, bias: `${base}.bias`, eps };
    }
    const name =
      which === 'final'
        ? 'model.norm.weight'
        : `${this.prefix(l)}.${which === 'ln1' ? 'input_layernorm' : 'post_attention_layernorm'}.weight`;
    return { kind: 'rmsnorm', weight: name, eps };
  }

  private linear(p: GpuParams, name: string): LinearWeights {
    return {
      weight: p.get(`${name}.weight`),
      bias: p.maybe(`${name}.bias`),
      orientation: this.family === 'gpt2' ? 'in_out' : 'out_in',
      lora: loraWeightsFor(p, name),
    };
  }

  private embeddingName(): string {
    return this.family === 'gpt2' ? 'transformer.wte.weight' : 'model.embed_tokens.weight';
  }

  /** The LM head's [V,C] weight, as its row chunks (the tied embedding or lm_head). */
  headWeights(p: GpuParams): readonly Tensor[] {
    return p.chunks(this.headName());
  }

  /** Gradient chunks of the LM head in `grads`, or undefined when it does not train (LoRA). */
  headGrads(grads: GpuParams): readonly Tensor[] | undefined {
    return grads.maybeChunks(this.headName());
  }

  private headName(): string {
    return this.config.tieWordEmbeddings ? this.embeddingName() : 'lm_head.weight';
  }

  // ------------------------------------------------------------------ forward

  /**
   * Inference over `batch` (B rows of T tokens): final hidden states, then the LM head's logits
   * `hidden · Wᵀ`. Training goes through forwardHidden and head.ts, which never make [B*T,V] at once.
   */
  forward(p: GpuParams, batch: GpuBatch, opts: Omit<ForwardOptions, 'train'> = {}): ForwardResult {
    const { hidden } = this.forwardHidden(p, batch, opts);
    const logits = matmulRowChunks(this.rt, hidden, this.headWeights(p)); // [N,V] = hidden · Wᵀ
    return { logits, hidden };
  }

  /**
   * The model up to the final norm, without the LM head: for callers that run the head themselves in
   * row pieces (head.ts) so that [B*T,V] logits never exist at once.
   */
  forwardHidden(p: GpuParams, batch: GpuBatch, opts: ForwardOptions = {}): HiddenResult {
    const rt = this.rt;
    const train = Boolean(opts.train);
    if (train && (opts.cache || opts.lastOnly))
      throw new Error('forward: training runs over whole sequences, without a cache');
    const { B, T } = batch;
    const N = B * T;
    let x =
      this.family === 'gpt2'
        ? embeddingForward(rt, p.chunks('transformer.wte.weight'), batch.ids, {
            positions: { table: p.get('transformer.wpe.weight'), pos: batch.positions },
          })
        : embeddingForward(rt, p.chunks('model.embed_tokens.weight'), batch.ids);
    let delta: Tensor | null = null;
    const layers: LayerSaved[] = [];
    for (let l = 0; l < this.config.numLayers; l++) {
      const n1 = normForward(rt, p, this.norm('ln1', l), x, delta);
      delta?.dispose();
      if (!train && n1.ownsX) x.dispose(); // the residual now lives in n1.x
      const att = this.attention(p, l, n1.y, batch, opts);
      const oName =
        this.family === 'gpt2' ? `${this.prefix(l)}.attn.c_proj` : `${this.prefix(l)}.self_attn.o_proj`;
      const proj = linearForward(rt, att.out.reshape([N, this.H * this.D]), this.linear(p, oName));
      const n2 = normForward(rt, p, this.norm('ln2', l), n1.x, proj);
      proj.dispose();
      const mlp = this.mlp(p, l, n2.y);
      if (train) {
        layers.push({ n1, q: att.q, k: att.k, v: att.v, attOut: att.out, lse: att.lse, n2, ...mlp.saved });
      } else {
        disposeNorm(n1, true);
        n1.x.dispose(); // the residual now lives in n2.x
        for (const t of [att.q, att.k, att.v, att.out, att.lse]) t.dispose();
        disposeNorm(n2, true);
        for (const t of Object.values(mlp.saved)) t?.dispose();
      }
      x = n2.x;
      delta = mlp.out;
    }
    const final = normForward(rt, p, this.norm('final'), x, delta);
    delta?.dispose();
    if (!train && final.ownsX) x.dispose();
    let hidden = final.y;
    if (opts.lastOnly) {
      const last = rt.empty([B, 1, this.C], 'hidden.last');
      copyTimeSteps(rt, hidden.reshape([B, T, this.C]), T - 1, last, 0, 1);
      hidden.dispose();
      final.mean?.dispose();
      final.rstd.dispose();
      hidden = last.reshapeOwned([B, this.C]);
    }
    if (!train) {
      if (!opts.lastOnly) {
        final.mean?.dispose();
        final.rstd.dispose();
      }
      if (final.ownsX) final.x.dispose();
      return { hidden };
    }
    return { hidden, saved: { batch, layers, final } };
  }

  private attention(p: GpuParams, l: number, h: Tensor, batch: GpuBatch, opts: ForwardOptions) {
    const rt = this.rt;
    const { B, T } = batch;
    const [H, Hkv, D] = [this.H, this.Hkv, this.D];
    let q: Tensor;
    let k: Tensor;
    let v: Tensor;
    if (this.family === 'gpt2') {
      const qkv = linearForward(rt, h, this.linear(p, `${this.prefix(l)}.attn.c_attn`));
      q = sliceColumns(rt, qkv, 0, H * D).reshapeOwned([B, T, H, D]);
      k = sliceColumns(rt, qkv, H * D, Hkv * D).reshapeOwned([B, T, Hkv, D]);
      v = sliceColumns(rt, qkv, (H + Hkv) * D, Hkv * D).reshapeOwned([B, T, Hkv, D]);
      qkv.dispose();
    } else {
      const a = `${this.prefix(l)}.self_attn`;
      const theta = { theta: this.config.ropeTheta };
      const qRaw = linearForward(rt, h, this.linear(p, `${a}.q_proj`));
      const kRaw = linearForward(rt, h, this.linear(p, `${a}.k_proj`));
      v = linearForward(rt, h, this.linear(p, `${a}.v_proj`)).reshapeOwned([B, T, Hkv, D]);
      q = ropeForward(rt, qRaw.reshape([B, T, H, D]), batch.positions, theta);
      k = ropeForward(rt, kRaw.reshape([B, T, Hkv, D]), batch.positions, theta);
      qRaw.dispose();
      kRaw.dispose();
    }
    const scale = 1 / Math.sqrt(D);
    if (opts.cache) {
      const start = opts.start ?? 0;
      const cache = opts.cache;
      copyTimeSteps(
        rt,
        k.reshape([B, T, Hkv * D]),
        0,
        cache.k[l].reshape([B, cache.capacity, Hkv * D]),
        start,
        T,
      );
      copyTimeSteps(
        rt,
        v.reshape([B, T, Hkv * D]),
        0,
        cache.v[l].reshape([B, cache.capacity, Hkv * D]),
        start,
        T,
      );
      const r = attentionForward(rt, q, cache.k[l], cache.v[l], {
        scale,
        qOffset: start,
        keyMask: cache.keyMask,
      });
      return { q, k, v, out: r.out, lse: r.lse };
    }
    const r = attentionForward(rt, q, k, v, { scale, qOffset: 0, keyMask: batch.keyMask });
    return { q, k, v, out: r.out, lse: r.lse };
  }

  private mlp(
    p: GpuParams,
    l: number,
    h: Tensor,
  ): { out: Tensor; saved: { a: Tensor; b: Tensor; c?: Tensor } } {
    const rt = this.rt;
    if (this.family === 'gpt2') {
      const pre = `${this.prefix(l)}.mlp`;
      const fc = matmul(rt, h, p.get(`${pre}.c_fc.weight`));
      const fcLora = loraWeightsFor(p, `${pre}.c_fc`);
      if (fcLora) addLoraForward(rt, h, fcLora, fc);
      const g = biasGeluForward(rt, fc, p.get(`${pre}.c_fc.bias`));
      const out = linearForward(rt, g, this.linear(p, `${pre}.c_proj`));
      return { out, saved: { a: fc, b: g } };
    }
    const pre = `${this.prefix(l)}.mlp`;
    const gate = linearForward(rt, h, this.linear(p, `${pre}.gate_proj`));
    const up = linearForward(rt, h, this.linear(p, `${pre}.up_proj`));
    const act = swigluForward(rt, gate, up);
    const out = linearForward(rt, act, this.linear(p, `${pre}.down_proj`));
    return { out, saved: { a: gate, b: up, c: act } };
  }

  // ------------------------------------------------------------------ backward

  /**
   * The backward below the LM head: accumulates every other parameter's gradient given d(loss)/d(final
   * hidden states) [B*T,C] (the caller keeps `dhidden`). Frees the saved activations.
   */
  backwardHidden(p: GpuParams, grads: GpuParams, saved: Activations, dhidden: Tensor): void {
    const rt = this.rt;
    const { B, T } = saved.batch;
    const N = B * T;
    const [H, Hkv, D] = [this.H, this.Hkv, this.D];
    const ds = rt.zeros([N, this.C], 'grad.residual');
    normBackward(rt, p, this.normGrads(grads, 'final'), this.norm('final'), saved.final, dhidden, ds);
    disposeNorm(saved.final);
    for (let l = this.config.numLayers - 1; l >= 0; l--) {
      const s = saved.layers[l];
      const dh2 = this.mlpBackward(p, grads, l, s, ds);
      normBackward(rt, p, this.normGrads(grads, 'ln2', l), this.norm('ln2', l), s.n2, dh2, ds);
      dh2.dispose();
      // attention output projection and the attention itself
      const oName =
        this.family === 'gpt2' ? `${this.prefix(l)}.attn.c_proj` : `${this.prefix(l)}.self_attn.o_proj`;
      const dAtt = linearBackward(
        rt,
        ds,
        s.attOut.reshape([N, H * D]),
        this.linear(p, oName),
        this.linearGrads(grads, oName),
      );
      const ag = attentionBackward(rt, dAtt.reshape([B, T, H, D]), s.q, s.k, s.v, s.attOut, s.lse, {
        scale: 1 / Math.sqrt(D),
        qOffset: 0,
        keyMask: saved.batch.keyMask,
      });
      dAtt.dispose();
      const dh = rt.zeros([N, this.C], 'grad.attnInput');
      if (this.family === 'gpt2') {
        const name = `${this.prefix(l)}.attn.c_attn`;
        const dqkv = rt.empty([N, (H + 2 * Hkv) * D], 'grad.qkv');
        writeColumns(rt, ag.dq.reshape([N, H * D]), dqkv, 0);
        writeColumns(rt, ag.dk.reshape([N, Hkv * D]), dqkv, H * D);
        writeColumns(rt, ag.dv.reshape([N, Hkv * D]), dqkv, (H + Hkv) * D);
        linearBackward(rt, dqkv, s.n1.y, this.linear(p, name), this.linearGrads(grads, name), dh);
        dqkv.dispose();
      } else {
        const a = `${this.prefix(l)}.self_attn`;
        const theta = { theta: this.config.ropeTheta };
        const dq = ropeBackward(rt, ag.dq, saved.batch.positions, theta);
        const dk = ropeBackward(rt, ag.dk, saved.batch.positions, theta);
        for (const [name, g] of [
          [`${a}.q_proj`, dq.reshape([N, H * D])],
          [`${a}.k_proj`, dk.reshape([N, Hkv * D])],
          [`${a}.v_proj`, ag.dv.reshape([N, Hkv * D])],
        ] as const) {
          linearBackward(rt, g, s.n1.y, this.linear(p, name), this.linearGrads(grads, name), dh);
        }
        dq.dispose();
        dk.dispose();
      }
      for (const t of [ag.dq, ag.dk, ag.dv]) t.dispose();
      normBackward(rt, p, this.normGrads(grads, 'ln1', l), this.norm('ln1', l), s.n1, dh, ds);
      dh.dispose();
      for (const t of [s.q, s.k, s.v, s.attOut, s.lse, s.a, s.b, s.c]) t?.dispose();
      disposeNorm(s.n2);
      disposeNorm(s.n1);
    }
    // the embedding: layer 0's norm input is the embedding output, owned by nobody but us
    const x0 = saved.layers[0]?.n1.x;
    if (x0 && !saved.layers[0].n1.ownsX) x0.dispose();
    const dwte = grads.maybeChunks(this.embeddingName());
    const dwpe = grads.maybe('transformer.wpe.weight');
    if (dwte && this.family === 'gpt2' && dwpe) {
      embeddingBackward(rt, ds, saved.batch.ids, dwte, {
        positions: { dtable: dwpe, pos: saved.batch.positions },
      });
    } else if (dwte) {
      embeddingBackward(rt, ds, saved.batch.ids, dwte);
    }
    ds.dispose();
    saved.layers.length = 0;
  }

  /** The gradient tensors `grads` holds for a linear layer (none for frozen ones). */
  private linearGrads(grads: GpuParams, name: string): LinearGrads {
    const da = grads.maybe(`${name}.lora_A.weight`);
    const db = grads.maybe(`${name}.lora_B.weight`);
    return {
      dweight: grads.maybe(`${name}.weight`),
      dbias: grads.maybe(`${name}.bias`),
      lora: da && db ? { da, db } : undefined,
    };
  }

  /** `grads` when it holds this norm's parameters, null (frozen) otherwise. */
  private normGrads(grads: GpuParams, which: 'ln1' | 'ln2' | 'final', l = 0): GpuParams | null {
    return grads.maybe(this.norm(which, l).weight) ? grads : null;
  }

  /** Backward of the MLP given the residual gradient `ds`; returns d(norm output) [N,C]. */
  private mlpBackward(p: GpuParams, grads: GpuParams, l: number, s: LayerSaved, ds: Tensor): Tensor {
    const rt = this.rt;
    const pre = `${this.prefix(l)}.mlp`;
    if (this.family === 'gpt2') {
      const dg = linearBackward(
        rt,
        ds,
        s.b,
        this.linear(p, `${pre}.c_proj`),
        this.linearGrads(grads, `${pre}.c_proj`),
      );
      const dbias = grads.maybe(`${pre}.c_fc.bias`);
      const scratch = dbias ? null : rt.zeros([this.config.intermediateSize], 'scratch.dbias');
      const dfc = biasGeluBackward(rt, dg, s.a, p.get(`${pre}.c_fc.bias`), {
        dbias: dbias ?? (scratch as Tensor),
      });
      scratch?.dispose();
      dg.dispose();
      const fcGrads = this.linearGrads(grads, `${pre}.c_fc`);
      const dh2 = linearBackward(
        rt,
        dfc,
        s.n2.y,
        {
          weight: p.get(`${pre}.c_fc.weight`),
          orientation: 'in_out',
          lora: loraWeightsFor(p, `${pre}.c_fc`),
        },
        { dweight: fcGrads.dweight, lora: fcGrads.lora },
      );
      dfc.dispose();
      return dh2;
    }
    const dAct = linearBackward(
      rt,
      ds,
      s.c as Tensor,
      this.linear(p, `${pre}.down_proj`),
      this.linearGrads(grads, `${pre}.down_proj`),
    );
    const { dgate, dup } = swigluBackward(rt, dAct, s.a, s.b);
    dAct.dispose();
    const dh2 = linearBackward(
      rt,
      dgate,
      s.n2.y,
      this.linear(p, `${pre}.gate_proj`),
      this.linearGrads(grads, `${pre}.gate_proj`),
    );
    linearBackward(
      rt,
      dup,
      s.n2.y,
      this.linear(p, `${pre}.up_proj`),
      this.linearGrads(grads, `${pre}.up_proj`),
      dh2,
    );
    dgate.dispose();
    dup.dispose();
    return dh2;
  }
}
