/**
 * A training run you can drive one step at a time: the lab's worker and the CLI both hold one. It loads
 * the starting policy, takes the frozen reference when RL starts (after any SFT warm-up; none when
 * beta = 0, unless rft's SFT updates use sft_loss asft; asft's SFT phases anchor to the starting
 * policy instead), runs SFT / RFT / RL steps as the algorithm says, evaluates on held-out prompts, and saves
 * and resumes checkpoints whose trainer state (trainer-state.ts: optimizer moments, step, reinforce
 * baseline, reference, PPO's value head) makes a resumed run continue exactly as an uninterrupted one.
 * Under guidance_weight ≠ 1 evaluation samples from (1 − w)·z_ref + w·z_θ against θ_ref (held apart from
 * KL's when beta = 0, and saved with the trainer state); the Try panel adds guidance w and α (guidance.ts).
 */
import type { Runtime } from '../../kernels/runtime/index.js';
import type { RunConfig } from '../config/schema.js';
import { cacheStorageHubCache, type HubOptions } from '../hub/index.js';
import { type CheckpointFs, memoryFs, readCheckpoint, writeCheckpoint } from '../model/checkpoint.js';
import type { ModelConfig } from '../model/config.js';
import { type Guidance, sampleWithKvCache } from '../model/gpu/generate.js';
import { attachLora, baseView, frozenAdapterView, GpuLora } from '../model/gpu/lora.js';
import { GpuModel } from '../model/gpu/model.js';
import { GpuParams } from '../model/gpu/params.js';
import { initLoraParams, type LoraOptions, mergeLora } from '../model/lora.js';
import { assertFits, estimateRunMemory, formatBytes, type MemoryOptions } from '../model/memory.js';
import { adamwDispose, adamwInit } from '../optim/adamw.js';
import type { RewardModelInfo } from '../rewards/onnx-info.js';
import { disposeRewardFunctions } from '../rewards/onnx-rewards.js';
import type { OnnxPlacement } from '../rewards/onnx-runtime.js';
import type { RewardSandbox } from '../rewards/sandbox.js';
import { createRng, type Rng } from '../rl/random.js';
import { tryStream } from '../rl/streams.js';
import { type DatasetRow, heldOutSet } from '../tasks/index.js';
import type { Task, TaskSample } from '../tasks/types.js';
import { PromptFormat, type PromptFormatInfo } from '../tokenizers/prompt-format.js';
import type { Tokenizer } from '../tokenizers/tokenizer.js';
import { evaluateDetailed } from './evaluate.js';
import { beginFreezeStage, restoreFreeze } from './freeze.js';
import { interpolatedPolicy, savedGuidanceReference, saveGuidanceReference } from './guidance.js';
import { prepareKernels } from './kernel-warmup.js';
import { loadStartingPolicy, type OpenCheckpoint } from './policy-source.js';
import { emptyRelift } from './relift.js';
import type { RolloutContext } from './rollout.js';
import { resetSelfTargets } from './self-targets.js';
import type { CheckpointFiles, SessionEvents, StepMetrics } from './session-types.js';
import { runTasks, stageRolloutContexts, withAlphabetOf } from './stage-env.js';
import {
  endsStage,
  enterStage,
  planStages,
  type Stage,
  type StageEnv,
  type StageHooks,
  stageAt,
  startStage,
} from './stages.js';
import { stepKind } from './step-kind.js';
import { runStep, type TrainerContext } from './steps.js';
import { restoreTrainerState, saveTrainerState } from './trainer-state.js';

export interface SessionOptions {
  /** Opens checkpoint folders named by `config.model.name` (warm starts, user folders). */
  openCheckpoint?: OpenCheckpoint;
  /** Rows of a `dataset` task. */
  datasetRows?: readonly DatasetRow[];
  /** A checkpoint folder this run saved; training continues from its trainer state. */
  resume?: CheckpointFs;
  /** Downloads for `model.name` = `org/name[@revision]`: hub base URL, cache, progress. */
  hub?: HubOptions;
  /** Budget (and limits, default this runtime's adapter) the memory estimate must fit before weights download. */
  memory?: MemoryOptions;
  /**
   * Runs the config's reward_code functions (engine/rewards/sandbox-node.ts in Node, the lab's page
   * sandbox in the browser); required when reward_funcs names one. The caller owns and disposes it.
   */
  rewardSandbox?: RewardSandbox;
  /** Where the config's reward models may run (default: WebGPU where there is one, else WASM). */
  rewardModelPlacement?: OnnxPlacement;
  /**
   * θ_ref for guidance (`tabrl eval --guidance w --reference DIR`) instead of the run's own: weights of a
   * model with the policy's vocabulary (the caller checks the tokenizer).
   */
  guidanceReference?: { config: ModelConfig; values: ReadonlyMap<string, ArrayLike<number>> };
  /** Work at every stage's first step (engine/train/stages.ts StageHooks; e.g. freeze's frozen set). */
  stageHooks?: StageHooks;
}

/** The Try panel's knobs beyond start/current: guidance weight w and interpolation α (both default 1). */
export interface TryOptions {
  guidance?: number;
  alpha?: number;
}

/** An eval_tasks entry as the session holds it. */
interface EvalTask {
  label: string;
  task: Task;
  heldOut: TaskSample[] | null;
}

export class TrainingSession {
  /** Steps completed; the next `step()` runs step number `stepsDone`. */
  stepsDone = 0;
  /** The kernel variants this run uses (pinned from the config, or tuned before step 0): a replay pins them. */
  kernelVariants: Record<string, string> = {};
  private startValues: Map<string, Float32Array>;
  /** Held-out prompts of the current stage's task. */
  private heldOut: TaskSample[] | null = null;
  /** The run's stages (one without `stages`) and the index of the one the next step belongs to. */
  readonly stages: Stage[];
  stageIndex = 0;
  private evalTasks: EvalTask[] = [];
  private stageEnv: StageEnv;
  private stageHooks: StageHooks;
  /** Every stage's reward functions (disposed once each). */
  private rewardSets: RolloutContext['rewards'][] = [];
  private disposed = false;
  /** θ_ref taken when RL starts for guidance_weight ≠ 1 when training holds none (beta = 0): not KL's. */
  private guideRef: GpuParams | null = null;
  /** θ_ref given from outside (SessionOptions.guidanceReference), with its own architecture. */
  private externalRef: GpuModel | null = null;
  /** The policy's LoRA adapters (config.lora); null for full fine-tuning. */
  lora: GpuLora | null = null;
  /** How prompts reach the model (chat template or raw), with one of the task's prompts rendered. */
  promptFormat: PromptFormatInfo | null = null;
  /** The reward models reward_funcs names, with the execution provider each ended on. */
  rewardModels: RewardModelInfo[] = [];

  private constructor(
    readonly rt: Runtime,
    readonly config: RunConfig,
    readonly modelConfig: ModelConfig,
    readonly tokenizer: Tokenizer,
    private readonly ctx: TrainerContext,
    private readonly events: SessionEvents,
    startValues: Map<string, Float32Array>,
    stages: Stage[],
    stageEnv: StageEnv,
    stageHooks: StageHooks,
  ) {
    this.startValues = startValues;
    this.stages = stages;
    this.stageEnv = stageEnv;
    this.stageHooks = stageHooks;
  }

  /** The current stage's task. */
  get task(): Task {
    return this.ctx.task;
  }

  /** The current stage. */
  get stage(): Stage {
    return this.stages[this.stageIndex];
  }

  private get staged(): boolean {
    return this.config.stages !== null;
  }

  static async create(
    rt: Runtime,
    config: RunConfig,
    events: SessionEvents = {},
    options: SessionOptions = {},
  ): Promise<TrainingSession> {
    events.onPhase?.('loading', 0, `model ${config.model.name}`);
    // a run without stages is one stage, the config itself (engine/train/stages.ts)
    const stages = planStages(config);
    const { stageTasks, evalTasks, all: allTasks } = runTasks(config, stages, options.datasetRows);
    const task = stageTasks[0];
    const rng = createRng(config.seed);
    const memory: MemoryOptions = { limits: rt.limits, ...options.memory };
    // the estimate of a staged run is its largest stage's
    const fitsEveryStage = (modelConfig: ModelConfig, o: MemoryOptions) =>
      assertFits(estimateRunMemory(modelConfig, config, o));
    const policy = await loadStartingPolicy(
      config.model,
      withAlphabetOf(task, allTasks),
      rng.split('init'),
      options.openCheckpoint,
      {
        hub: reportDownloads(options.hub ?? defaultHubOptions(), events),
        checkFits: (modelConfig) => fitsEveryStage(modelConfig, memory),
      },
    );
    // the model's chat template (if any, and chat_template is auto), checked on one of each task's prompts
    const exampleOf = (t: Task) => t.draw(createRng(config.seed).split('prompt-format')).prompt;
    const examplePrompt = exampleOf(task);
    const stagePrompts = stages.map((st, i) =>
      PromptFormat.forRun(policy.tokenizer, st.config, exampleOf(stageTasks[i])),
    );
    const prompts = stagePrompts[0];
    // config.json alone could only assume short prompts; with the tokenizer and template known, check
    // again with the longest of a sample of the task's prompts before anything is put on the GPU
    const promptTokens =
      memory.promptTokens ??
      Math.max(...stages.map((_, i) => longestPrompt(stageTasks[i], stagePrompts[i], config.seed)));
    fitsEveryStage(policy.config, { ...memory, promptTokens });
    events.onPhase?.('loading', 0.6, 'uploading weights');
    // LoRA never trains the base, so its matrices are stored as f16 (half the bytes; docs/MODELS.md)
    const model = GpuModel.load(rt, policy.config, policy.values, {
      frozenWeights: config.lora ? 'f16' : 'f32',
    });
    const lora = config.lora ? createAdapters(rt, policy.config, config.lora, rng.split('lora')) : null;
    if (lora) attachLora(model.params, lora);
    const tokenizer = policy.tokenizer;
    const {
      rollouts: stageRollouts,
      rewardModelInfo,
      rewardSets,
    } = await stageRolloutContexts(
      stages,
      { model, tokenizer, tasks: stageTasks, prompts: stagePrompts },
      options,
    );
    const stageEnv: StageEnv = {
      task: (st) => stageTasks[st.index],
      rolloutContext: (st) => stageRollouts[st.index],
    };
    const ctx: TrainerContext = {
      config: stages[0].config,
      model,
      tokenizer,
      task,
      rng,
      rolloutCtx: stageRollouts[0],
      // LoRA trains the adapters alone; the base stays frozen
      optimizer: adamwInit(lora?.params ?? model.params),
      trainable: lora?.params ?? model.params,
      grads: GpuParams.zerosLike(lora?.params ?? model.params, '.grad'),
      ref: null,
      freeze: null,
      selfTargets: new Map(),
      valueHead: null,
      reinforce: { baseline: null },
      stageStart: 0,
      numTokens: 0,
      numCompletions: 0,
      relift: emptyRelift(),
      phase: (phase, progress, detail) => events.onPhase?.(phase, progress, detail),
      warn: (message) => events.onWarning?.(message),
    };
    const session = new TrainingSession(
      rt,
      config,
      policy.config,
      tokenizer,
      ctx,
      events,
      policy.values,
      stages,
      stageEnv,
      options.stageHooks ?? {},
    );
    session.lora = lora;
    session.promptFormat = prompts.info(examplePrompt);
    session.rewardModels = rewardModelInfo;
    session.rewardSets = rewardSets;
    session.evalTasks = evalTasks;
    if (options.guidanceReference) {
      const g = options.guidanceReference;
      session.externalRef = GpuModel.load(rt, g.config, g.values);
    }
    if (options.resume) await session.restore(options.resume);
    else {
      session.stageHooks.onStageStart?.(ctx, stages[0]);
      session.takeReference();
    }
    events.onPhase?.('tuning', 0, 'compiling kernels and choosing variants for this adapter');
    session.kernelVariants = await prepareKernels(
      ctx,
      (p) => events.onPhase?.('tuning', p),
      session.kernelVariants,
    );
    events.onPhase?.('idle', 1);
    return session;
  }

  /** Whether the current stage is past its SFT warm-up (or is an RL stage without one). */
  private rlStarted(): boolean {
    return stepKind(this.ctx.config, this.stepsDone - this.ctx.stageStart) !== 'sft';
  }

  /**
   * θ_ref, when the current stage needs one (docs/ALGORITHMS.md "The reference θ_ref"). RL phase: the
   * policy's weights when the stage's RL starts, for beta > 0 or for `rft` under `sft_loss: asft`. SFT
   * phase (algorithm `sft` or the `sft_steps` warm-up) under `asft` or `sft_targets: self_when_correct`:
   * the policy at the stage's start, dropped when RL starts. LoRA: the base plus a frozen copy of the
   * adapters as they were then (the base with adapters off when that is step 0). Guidance
   * (guidance_weight ≠ 1) with no reference held for training takes its own copy at the same point.
   */
  private takeReference(): void {
    const ctx = this.ctx;
    const c = ctx.config;
    if (ctx.ref) return;
    const asft = c.sft_loss === 'asft';
    // LoRA: the base plus a frozen copy of the adapters as they are when θ_ref is taken; taken at
    // step 0 the adapters are at their start (B = 0), so the base with adapters off is that, uncopied.
    // A copy is restored from the trainer state on resume, so this runs only when none was saved.
    const takenAt = ctx.stageStart + (this.rlStarted() ? c.sft_steps : 0);
    const loraRef = (lora: GpuLora) =>
      takenAt > 0 ? frozenAdapterView(ctx.model.params, lora) : baseView(ctx.model.params);
    if (!this.rlStarted()) {
      // asft's anchor, or the greedy answerer of sft_targets self_when_correct
      if (!asft && c.sft_targets !== 'self_when_correct') return;
      if (this.lora) ctx.ref = loraRef(this.lora);
      else if (this.stepsDone === ctx.stageStart) ctx.ref = ctx.model.params.clone('.ref');
      else ctx.ref = GpuParams.upload(this.rt, this.modelConfig, this.startValues);
      return;
    }
    if (c.beta > 0 || (asft && c.algorithm === 'rft'))
      ctx.ref = this.lora ? loraRef(this.lora) : ctx.model.params.clone('.ref');
    // guidance evaluates against θ_ref even when training needs none; a separate copy, so KL is untouched
    if (c.guidance_weight !== 1 && !ctx.ref && !this.guideRef && !this.externalRef)
      this.guideRef = this.lora ? loraRef(this.lora) : ctx.model.params.clone('.guidance');
  }

  /**
   * θ_ref's parameters for guidance and the Try panel's α: the reference the run holds, else (before RL,
   * or a run that holds none) the starting policy as a temporary the caller disposes (`temporary`).
   */
  private referenceParams(): { params: GpuParams; temporary: boolean } {
    const held = this.ctx.ref ?? this.guideRef;
    if (held) return { params: held, temporary: false };
    const params = this.lora
      ? baseView(this.ctx.model.params)
      : GpuParams.upload(this.rt, this.modelConfig, this.startValues);
    return { params, temporary: true };
  }

  /**
   * Runs `use` with guidance at weight w (docs/ALGORITHMS.md "Guidance at inference"; undefined at
   * w = 1, the policy alone), then frees a temporary reference.
   */
  private async withGuidance<T>(weight: number, use: (g: Guidance | undefined) => Promise<T>): Promise<T> {
    if (weight === 1) return use(undefined);
    if (!(weight >= 0 && weight <= 2)) throw new Error(`guidance weight must be in [0, 2] (got ${weight})`);
    if (this.externalRef) return use({ weight, model: this.externalRef });
    const ref = this.referenceParams();
    try {
      return await use({ weight, model: this.ctx.model, params: ref.params });
    } finally {
      if (ref.temporary) ref.params.dispose();
    }
  }

  get phase(): 'sft' | 'rl' {
    return this.rlStarted() ? 'rl' : 'sft';
  }

  /** Runs exactly one step and returns its metrics row (also posted through the events). */
  async step(): Promise<StepMetrics> {
    if (this.disposed) throw new Error('this training session was disposed');
    const c = this.ctx.config;
    const s = this.stepsDone;
    const staged = this.staged;
    // the starting policy is evaluated before the first update, so every chart has where the run
    // began (always in a staged run, which also evaluates at each stage's last step)
    const atStart = (c.eval_every > 0 || staged) && s === 0 ? await this.evaluateWithPhase() : null;
    const wasSft = !this.rlStarted();
    // half fine-tuning: a stage's choice is drawn at its first step (a resume restores it)
    const freeze = c.freeze && !this.ctx.freeze ? beginFreezeStage(this.ctx, this.stageIndex) : {};
    const out = await runStep(this.ctx, s);
    Object.assign(out.metrics, freeze);
    this.stepsDone++;
    if (staged) out.metrics.stage = this.stageIndex;
    const stageEnds = staged && endsStage(this.stages, this.stepsDone);
    const nextStage =
      stageEnds && this.stepsDone < this.config.max_steps ? stageAt(this.stages, this.stepsDone) : null;
    if (wasSft && this.rlStarted()) {
      // the SFT warm-up's asft anchor was the stage's starting policy; RL's reference is taken now
      this.ctx.ref?.dispose();
      this.ctx.ref = null;
    }
    if (!nextStage) this.takeReference();
    if (atStart) Object.assign(out.metrics, atStart);
    else if ((c.eval_every > 0 && this.stepsDone % c.eval_every === 0) || stageEnds)
      Object.assign(out.metrics, await this.evaluateWithPhase());
    // the next stage begins now, so a checkpoint saved after this step holds its reset state
    if (nextStage) this.beginStage(nextStage);
    this.events.onPhase?.('idle');
    if (out.samples) this.events.onSamples?.(out.samples);
    this.events.onMetrics?.(out.metrics);
    return out.metrics;
  }

  /** Resets and enters `next` (engine/train/stages.ts startStage), then takes its θ_ref if due. */
  private beginStage(next: Stage): void {
    const prev = this.stage;
    startStage(this.ctx, prev, next, this.stageEnv, this.stageHooks);
    this.stageIndex = next.index;
    // per stage too: relift's buffer, freeze's choice (drawn again at the stage's first step) and the
    // self targets, which were θ_ref's answers
    this.ctx.relift = emptyRelift();
    this.ctx.freeze = null;
    resetSelfTargets(this.ctx);
    if (this.stageEnv.task(prev) !== this.ctx.task) this.heldOut = null;
    this.takeReference();
  }

  private async evaluateWithPhase(): Promise<Record<string, number>> {
    this.events.onPhase?.('eval');
    return this.evaluate();
  }

  /**
   * The eval metrics of the current policy on the current stage's held-out prompts (`eval/*`), and on
   * each eval_tasks task's own (`eval/<label>/*`), with the same n and k.
   */
  async evaluate(count = this.ctx.config.eval_prompts): Promise<Record<string, number>> {
    return (await this.evaluateDetailed(count)).metrics;
  }

  /**
   * evaluate's metrics with each one's per-prompt values (what an experiment's bootstrap resamples),
   * under the run's guidance_weight (every task, eval_tasks too).
   */
  async evaluateDetailed(
    count = this.ctx.config.eval_prompts,
  ): Promise<{ metrics: Record<string, number>; perPrompt: Record<string, number[]> }> {
    const c = this.ctx.config;
    if (!this.heldOut || this.heldOut.length < count) this.heldOut = this.heldOutOf(this.task, count);
    const prompts = this.heldOut.slice(0, count);
    return this.withGuidance(c.guidance_weight, async (guidance) => {
      const out = await evaluateDetailed(
        this.ctx.rolloutCtx,
        c,
        prompts,
        this.stepsDone,
        undefined,
        guidance,
      );
      for (const e of this.evalTasks) {
        if (!e.heldOut || e.heldOut.length < count) e.heldOut = this.heldOutOf(e.task, count);
        const rolloutCtx = { ...this.ctx.rolloutCtx, task: e.task };
        const m = await evaluateDetailed(
          rolloutCtx,
          c,
          e.heldOut.slice(0, count),
          this.stepsDone,
          undefined,
          guidance,
        );
        const relabel = (k: string) => k.replace(/^eval\//, `eval/${e.label}/`);
        for (const [k, v] of Object.entries(m.metrics)) out.metrics[relabel(k)] = v;
        for (const [k, v] of Object.entries(m.perPrompt)) out.perPrompt[relabel(k)] = v;
      }
      return out;
    });
  }

  /** `count` held-out prompts of `task` (the same ones whichever stage or eval_tasks entry asks). */
  private heldOutOf(task: Task, count: number): TaskSample[] {
    const options = this.tasksOptions(task);
    const fraction = (options as { held_out_fraction?: number }).held_out_fraction ?? 0.1;
    return heldOutSet(task, this.ctx.rng.split('eval'), count, fraction);
  }

  /** The task options `task` was made from (a stage's or an eval_tasks entry's). */
  private tasksOptions(task: Task): RunConfig['task'] {
    const st = this.stages.find((x) => this.stageEnv.task(x) === task);
    if (st) return st.config.task;
    return this.config.eval_tasks[this.evalTasks.findIndex((e) => e.task === task)].task;
  }

  /**
   * Answers of the starting or current policy to free-form prompts (the lab's Try panel). For the current
   * policy, `alpha` ≠ 1 samples θ_α = (1 − α)·θ_ref + α·θ (a temporary copy, or LoRA's ΔW scaled by α)
   * and `guidance` ≠ 1 mixes θ_ref's logits in: (1 − w)·z_ref + w·z_θα.
   */
  async generate(
    prompts: readonly string[],
    which: 'start' | 'current',
    samples = 1,
    knobs: TryOptions = {},
  ): Promise<string[][]> {
    const alpha = knobs.alpha ?? 1;
    // LoRA's starting policy is the frozen base the run holds (adapters off, as the KL reference): a
    // view, not a float32 copy that the memory estimate does not count
    const start = () =>
      this.lora
        ? baseView(this.ctx.model.params)
        : GpuParams.upload(this.rt, this.modelConfig, this.startValues);
    let params: GpuParams | undefined;
    if (which === 'start') params = start();
    else if (alpha !== 1) {
      const ref = this.referenceParams();
      try {
        params = interpolatedPolicy(ref.params, this.ctx.model.params, alpha);
      } finally {
        if (ref.temporary) ref.params.dispose();
      }
    }
    const weight = which === 'current' ? (knobs.guidance ?? 1) : 1;
    try {
      return await this.withGuidance(weight, (guidance) =>
        this.sampleTry(prompts, samples, params, guidance),
      );
    } finally {
      params?.dispose();
    }
  }

  private async sampleTry(
    prompts: readonly string[],
    samples: number,
    params: GpuParams | undefined,
    guidance: Guidance | undefined,
  ): Promise<string[][]> {
    const rows = prompts.flatMap((p) =>
      Array.from({ length: samples }, () => this.ctx.rolloutCtx.prompts.encode(p)),
    );
    const sampling = this.ctx.rolloutCtx.sampling;
    const gen = await sampleWithKvCache(this.ctx.model, rows, {
      ...sampling,
      step: tryStream(this.stepsDone),
      params,
      guidance,
    });
    const eos = this.tokenizer.eosId;
    const texts = gen.tokens.map((ids) =>
      this.tokenizer.decode(
        ids.filter((id) => id !== eos),
        { skipSpecialTokens: true },
      ),
    );
    return prompts.map((_, i) => texts.slice(i * samples, (i + 1) * samples));
  }

  /** The policy's weights by HF name; for LoRA runs the base with the adapters merged in (what exports write). */
  async policyWeights(): Promise<Map<string, Float32Array>> {
    const base = await this.ctx.model.params.download();
    if (!this.lora) return base;
    return mergeLora(this.modelConfig, this.lora.options, base, await this.lora.params.download());
  }

  /** The LoRA adapter tensors by module name (`<module>.lora_A.weight`), null without LoRA. */
  async adapterWeights(): Promise<Map<string, Float32Array> | null> {
    return this.lora ? this.lora.params.download() : null;
  }

  /** The run as an HF checkpoint folder plus TabRL trainer state (LoRA: merged weights, adapters in the state). */
  async saveCheckpoint(fs: CheckpointFs = memoryFs()): Promise<CheckpointFiles> {
    this.events.onPhase?.('checkpoint');
    const params = await this.policyWeights();
    const state = await saveTrainerState(this.config, this, this.ctx, this.lora);
    // guidance's own θ_ref (full fine-tune, RL started): a LoRA one is the base, an SFT-phase one the start
    await saveGuidanceReference(state, !this.lora && this.rlStarted() ? this.guideRef : null);
    if (this.staged) state.json.stage = this.stageIndex;
    const target = fs as CheckpointFs & { files?: Map<string, Uint8Array> };
    await writeCheckpoint(target, {
      config: this.modelConfig,
      params,
      tokenizer: this.tokenizer.toJSON(),
      tokenizerConfig: this.tokenizer.tokenizerConfig(),
      trainerState: state,
    });
    this.events.onPhase?.('idle');
    return target.files ?? new Map();
  }

  private async restore(fs: CheckpointFs): Promise<void> {
    const ckpt = await readCheckpoint(fs);
    const run = restoreTrainerState(ckpt.trainerState, this.config, this.ctx, this.lora);
    // LoRA: the base reloaded from model.name is unchanged by training; only the adapters resume
    if (!this.lora) this.ctx.model.params.write(ckpt.params);
    const guideRef = this.lora ? null : savedGuidanceReference(ckpt.trainerState);
    if (guideRef) this.guideRef = GpuParams.upload(this.rt, this.modelConfig, guideRef);
    this.stepsDone = run.stepsDone;
    this.kernelVariants = run.kernelVariants;
    // the state was saved after any stage start its last step made, so the stage is the next step's
    const stage = stageAt(this.stages, this.stepsDone);
    const saved = ckpt.trainerState?.json.stage;
    if (saved !== undefined && saved !== stage.index)
      throw new Error(
        `resume: the trainer state says stage ${saved} but step ${this.stepsDone} is in stage ${stage.index}; the checkpoint does not belong to this config`,
      );
    enterStage(this.ctx, stage, this.stageEnv);
    this.stageIndex = stage.index;
    // the freeze choice belongs to the stage now entered: restored under its config, not stage 0's
    restoreFreeze(this.ctx, ckpt.trainerState?.json.freeze as { stage: number; units: string[] } | undefined);
    this.takeReference();
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const ctx = this.ctx;
    for (const rewards of this.rewardSets) disposeRewardFunctions(rewards);
    ctx.grads.dispose();
    adamwDispose(ctx.optimizer);
    ctx.ref?.dispose();
    this.guideRef?.dispose();
    this.externalRef?.dispose();
    ctx.valueHead?.dispose();
    this.lora?.dispose();
    ctx.model.dispose();
  }
}

/** The session contract's factory (engine/train/session-types.ts). */
export function createTrainingSession(
  rt: Runtime,
  config: RunConfig,
  events: SessionEvents = {},
  options: SessionOptions = {},
): Promise<TrainingSession> {
  return TrainingSession.create(rt, config, events, options);
}

/** Fresh adapters (A kaiming-uniform from the run's 'lora' stream, B = 0): the policy starts as the base. */
function createAdapters(
  rt: Runtime,
  model: ModelConfig,
  lora: NonNullable<RunConfig['lora']>,
  rng: Rng,
): GpuLora {
  const options: LoraOptions = { rank: lora.rank, alpha: lora.alpha, targetModules: lora.target_modules };
  return GpuLora.upload(
    rt,
    model,
    options,
    initLoraParams(model, options, () => rng.next()),
  );
}

/** Where hub downloads go by default: Cache Storage in a browser or worker (survives reloads), none in Node. */
function defaultHubOptions(): HubOptions {
  return 'caches' in globalThis ? { cache: cacheStorageHubCache() } : {};
}

/** Download progress as 'loading' phases (at most four a second per file, plus each file's end). */
function reportDownloads(hub: HubOptions, events: SessionEvents): HubOptions {
  let last = 0;
  return {
    ...hub,
    onProgress: (p) => {
      hub.onProgress?.(p);
      const now = Date.now();
      if (!p.done && now - last < 250) return;
      last = now;
      const of = p.total ? ` of ${formatBytes(p.total)}` : '';
      const fraction = p.total ? (0.6 * p.loaded) / p.total : 0.3;
      events.onPhase?.(
        'loading',
        fraction,
        `${p.cached ? 'cached' : 'downloading'} ${p.file}: ${formatBytes(p.loaded)}${of}`,
      );
    },
  };
}

/** Tokens of the longest of 64 prompts drawn from the task as the run renders them (its own RNG stream). */
function longestPrompt(task: Task, prompts: PromptFormat, seed: number): number {
  const rng = createRng(seed).split('prompt-length');
  let longest = 0;
  for (let i = 0; i < 64; i++) longest = Math.max(longest, prompts.encode(task.draw(rng).prompt).length);
  return longest;
}
