/**
 * The lab's ExperimentExecutor (engine/experiments/runner.ts), free of DOM and of the worker's globals:
 * the runner's run folders are virtual paths (`memory:<experiment id>/<arm>`) whose checkpoints live
 * in the worker's memory (MemoryCheckpoints), as the session's saveCheckpoint produces them; training
 * and evaluation open sessions through `openSession`, which reads those paths back through the same
 * openCheckpoint mechanism a warm start or a resume uses. It mirrors cli/commands/experiment.ts's
 * executor: interpolation through engine/model/interpolate.ts, evaluation through a session's
 * evaluateDetailed, guided arms with θ_ref read from memory and checked for the same tokenizer.
 */
import type { RunConfig } from '../../engine/config/schema.js';
import type { ArmEvaluation, ExperimentExecutor } from '../../engine/experiments/runner.js';
import { type CheckpointFs, memoryFs, readCheckpoint } from '../../engine/model/checkpoint.js';
import type { ModelConfig } from '../../engine/model/config.js';
import { folderManifest, MANIFEST_FILE, manifestBytes } from '../../engine/model/folder-manifest.js';
import { interpolateCheckpoints } from '../../engine/model/interpolate.js';
import { checkSameTokenizer } from '../../engine/train/guidance.js';
import type { CheckpointFiles, SessionEvents, StepMetrics } from '../../engine/train/session-types.js';

/** Virtual paths of the checkpoints an experiment keeps in memory start with this. */
export const MEMORY_PREFIX = 'memory:';

/** Checkpoint folders by virtual path, each a map of file name to bytes. */
export class MemoryCheckpoints {
  private readonly folders = new Map<string, CheckpointFiles>();

  put(path: string, files: CheckpointFiles): void {
    this.folders.set(path, new Map(files));
  }

  has(path: string): boolean {
    return this.folders.has(path);
  }

  get(path: string): CheckpointFiles | undefined {
    return this.folders.get(path);
  }

  /** The folder at `path` as a read-only CheckpointFs, or null when nothing is kept there. */
  open(path: string): CheckpointFs | null {
    const files = this.folders.get(path);
    if (!files) return null;
    const fs = memoryFs(files);
    return {
      readFile: fs.readFile,
      writeFile: async (name) => {
        throw new Error(`${path}/${name}: an experiment's kept checkpoints are read-only`);
      },
      where: (name) => `${path}/${name} (kept in the engine worker's memory)`,
    };
  }

  paths(): string[] {
    return [...this.folders.keys()];
  }

  clear(): void {
    this.folders.clear();
  }
}

/** What the executor needs of a training session (engine/train/session.ts's TrainingSession has it). */
export interface ExperimentSession {
  step(): Promise<StepMetrics>;
  saveCheckpoint(): Promise<CheckpointFiles>;
  evaluateDetailed(count: number): Promise<ArmEvaluation>;
  dispose(): void;
}

export type OpenExperimentSession = (request: {
  config: RunConfig;
  events: SessionEvents;
  /** Opens the kept checkpoint a model name names (null: not one of the experiment's). */
  openKept: (name: string) => CheckpointFs | null;
  guidanceReference?: { config: ModelConfig; values: ReadonlyMap<string, ArrayLike<number>> };
}) => Promise<ExperimentSession>;

export interface BrowserExecutorHooks {
  /** An arm (or its saved start, `label (start)`) begins training for `steps` steps. */
  onTrainStart?: (label: string, config: RunConfig, steps: number) => void;
  /** One training step of `label` done, `seconds` of wall clock. */
  onStep?: (label: string, metrics: StepMetrics, seconds: number) => void;
  /** `label`'s evaluation begins, under `config`. */
  onEvaluateStart?: (label: string, config: RunConfig) => void;
  /** `label` evaluated: its metrics, after `seconds`. */
  onEvaluated?: (label: string, metrics: Record<string, number>, seconds: number) => void;
  onWarning?: (label: string, message: string) => void;
}

export class ExperimentCancelled extends Error {
  constructor() {
    super('The experiment was cancelled.');
    this.name = 'ExperimentCancelled';
  }
}

/** Files of A an interpolated folder does not copy (as `tabrl interpolate`): weights, training state. */
const NOT_COPIED = /^(model.*\.safetensors|model\.safetensors\.index\.json|trainer_state\..*|files\.json)$/;

export function browserExecutor(o: {
  openSession: OpenExperimentSession;
  checkpoints: MemoryCheckpoints;
  hooks?: BrowserExecutorHooks;
  /** Checked between steps; true stops the experiment with ExperimentCancelled. */
  cancelled?: () => boolean;
  now?: () => number;
}): ExperimentExecutor {
  const { checkpoints: kept, hooks = {} } = o;
  const now = o.now ?? (() => performance.now() / 1000);
  const openKept = (name: string) => kept.open(name);
  const checkCancel = () => {
    if (o.cancelled?.()) throw new ExperimentCancelled();
  };
  const mustOpen = (path: string): CheckpointFs => {
    const fs = kept.open(path);
    if (!fs) throw new Error(`experiment: no checkpoint is kept at ${path}`);
    return fs;
  };
  return {
    join: (dir, name) => `${dir}/${name}`,
    now,
    checkpointOf: (runDir) => (kept.has(`${runDir}/checkpoint`) ? `${runDir}/checkpoint` : runDir),
    async train(label, config, dir, steps) {
      checkCancel();
      hooks.onTrainStart?.(label, config, steps);
      const session = await o.openSession({
        config,
        openKept,
        events: { onWarning: (m) => hooks.onWarning?.(label, m) },
      });
      const rows: StepMetrics[] = [];
      try {
        for (let i = 0; i < steps; i++) {
          checkCancel();
          const t0 = now();
          const m = await session.step();
          rows.push(m);
          hooks.onStep?.(label, m, now() - t0);
        }
        kept.put(`${dir}/checkpoint`, await session.saveCheckpoint());
      } finally {
        session.dispose();
      }
      return rows as unknown as Record<string, unknown>[];
    },
    async interpolate(start, final, alpha, outDir) {
      checkCancel();
      const from = mustOpen(start);
      const r = await interpolateCheckpoints(
        { fs: from, label: start },
        { fs: mustOpen(final), label: final },
        alpha,
      );
      const files = new Map<string, Uint8Array>([['model.safetensors', r.weights]]);
      for (const [name, bytes] of kept.get(start) ?? []) if (!NOT_COPIED.test(name)) files.set(name, bytes);
      files.set(MANIFEST_FILE, manifestBytes(await folderManifest(files)));
      kept.put(outDir, files);
    },
    async evaluate(label, modelDir, config, reference) {
      checkCancel();
      hooks.onEvaluateStart?.(label, config);
      const t0 = now();
      const evalConfig = { ...config, model: { name: modelDir, overrides: {} } };
      let guidanceReference: { config: ModelConfig; values: Map<string, Float32Array> } | undefined;
      if (config.guidance_weight !== 1) {
        if (reference === undefined)
          throw new Error(`experiment arm ${label}: guidance_weight ≠ 1 needs a reference checkpoint`);
        const policy = await readCheckpoint(mustOpen(modelDir));
        const ref = await readCheckpoint(mustOpen(reference));
        checkSameTokenizer(policy, ref, reference);
        guidanceReference = { config: ref.config, values: ref.params };
      }
      const session = await o.openSession({
        config: evalConfig,
        openKept,
        events: { onWarning: (m) => hooks.onWarning?.(label, m) },
        ...(guidanceReference ? { guidanceReference } : {}),
      });
      try {
        const ev = await session.evaluateDetailed(config.eval_prompts);
        hooks.onEvaluated?.(label, ev.metrics, now() - t0);
        return ev;
      } finally {
        session.dispose();
      }
    },
  };
}
