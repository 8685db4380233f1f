/**
 * Picks the fastest variant of a kernel for each (kernel, shape class) key on the running adapter.
 * Dispatch is synchronous and timing is not, so kernels call `select` (pinned, cached or tuned
 * choice, else a fallback, and the key is queued) and the caller runs `tunePending()` at a quiet
 * moment: before the first training step, after a dry run that met every shape. Tuning times each
 * variant with `rt.sync()` and `performance.now()`: a warm-up, a screening run that drops clear
 * losers, and a few interleaved rounds kept within a budget (seconds a key on SwiftShader); the
 * adapter's usual variant keeps a key unless another beats it clearly. Winners go to a pluggable store keyed
 * by adapter; `choices()`/`pin()` let a run record what it dispatched and a replay reuse it exactly.
 */
import { adapterName } from '../runtime/adapter.js';
import type { Runtime } from '../runtime/runtime.js';
import { type AutotuneStore, type Choices, defaultStore } from './store.js';

/** Variants slower than this factor times the fastest screening run are not timed again. */
const SCREEN_FACTOR = 1.5;

/**
 * The fallback (the variant usually best on this kind of adapter) keeps the key unless another
 * variant beats its best time by more than this fraction: on a shared machine two runs of the same
 * kernel differ by 10-30 %, and a pick made on one lucky sample would be cached for good.
 */
const FALLBACK_MARGIN = 0.1;

/** One tunable call site at one shape class. `prepare` allocates inputs only if tuning happens. */
export interface TuneJob {
  key: string;
  variants: readonly string[];
  prepare(): { run(variant: string): void; dispose(): void };
}

export interface AutotuneOptions {
  store?: AutotuneStore;
  /** Untimed runs per variant before its screening run (the first also compiles the pipeline). Default 1. */
  warmupRuns?: number;
  /** Timed rounds at most among the variants that survive screening; the best time counts. Default 3. */
  timedRuns?: number;
  /**
   * Time per variant that the rounds aim to stay under, in ms; slow kernels get fewer. Default 600:
   * three rounds for a 200 ms kernel (the default model's matmuls on SwiftShader), a few seconds a key.
   */
  budgetMs?: number;
  /** Milliseconds clock (tests pass a virtual one). Default `performance.now`. */
  clock?: () => number;
  /** Receives one line per tuned key (variant timings and the winner). */
  log?: (line: string) => void;
}

/** What the tuner needs from a runtime: a way to wait for the GPU. */
export interface Syncable {
  sync(): Promise<void>;
}

export class Autotuner {
  private readonly store: AutotuneStore;
  /** Winners by `cacheKey` (the key plus the variants it was chosen among), as the store keeps them. */
  private readonly tuned: Choices;
  private pinned: Choices = {};
  private readonly used: Choices = {};
  private readonly pending = new Map<string, { job: TuneJob; fallback: string }>();
  private readonly warned = new Set<string>();
  private readonly warmupRuns: number;
  private readonly timedRuns: number;
  private readonly budgetMs: number;
  private readonly log: (line: string) => void;
  private readonly clock: () => number;

  constructor(
    private readonly target: Syncable,
    /** Adapter description the cache is keyed by (`adapterName(rt.facts)`). */
    readonly adapter: string,
    options: AutotuneOptions = {},
  ) {
    this.store = options.store ?? defaultStore();
    this.tuned = this.store.load(adapter);
    this.warmupRuns = options.warmupRuns ?? 1;
    this.timedRuns = Math.max(1, options.timedRuns ?? 3);
    this.budgetMs = options.budgetMs ?? 600;
    this.log = options.log ?? (() => {});
    this.clock = options.clock ?? (() => performance.now());
  }

  /**
   * The variant to dispatch for `job.key` now: a pin, else the tuned (or cached) winner, else
   * `fallback`, in which case the job waits for `tunePending()`.
   */
  select(job: TuneJob, fallback: string): string {
    const known = this.known(job);
    if (known === undefined && !this.pending.has(job.key)) this.pending.set(job.key, { job, fallback });
    const variant = known ?? fallback;
    this.used[job.key] = variant;
    return variant;
  }

  /** Keys that `select` met without a choice and that `tunePending` will time. */
  pendingKeys(): string[] {
    return [...this.pending.keys()];
  }

  /** Tunes every queued key, one after another; returns `choices()`. */
  async tunePending(): Promise<Choices> {
    for (const { job, fallback } of [...this.pending.values()]) await this.tune(job, fallback);
    return this.choices();
  }

  /**
   * Times every variant of `job` (unless pinned) and records the fastest: a warm-up run each (it
   * compiles), one timed screening run each, then interleaved rounds among the variants within
   * SCREEN_FACTOR of the fastest, and the `fallback` whatever its screening time (one sample taken
   * while something else loads the machine must not throw out the usual winner), as many rounds as
   * the budget allows. Each variant's best time counts, and the fallback stays unless another
   * variant is more than FALLBACK_MARGIN faster.
   */
  async tune(job: TuneJob, fallback?: string): Promise<string> {
    this.pending.delete(job.key);
    const pinned = this.valid(job, this.pinned[job.key]);
    if (pinned) return pinned;
    const { run, dispose } = job.prepare();
    const best = new Map<string, number>();
    const failed = new Map<string, string>();
    const timeOnce = async (variant: string) => {
      const t0 = this.clock();
      run(variant);
      await this.target.sync();
      const ms = this.clock() - t0;
      best.set(variant, Math.min(best.get(variant) ?? Number.POSITIVE_INFINITY, ms));
      return ms;
    };
    try {
      await this.target.sync(); // earlier work must not land in the first timing
      for (const variant of job.variants) {
        try {
          for (let i = 0; i < this.warmupRuns; i++) {
            run(variant);
            await this.target.sync();
          }
          await timeOnce(variant);
        } catch (err) {
          failed.set(variant, err instanceof Error ? err.message : String(err));
          best.delete(variant);
        }
      }
      const fastest = Math.min(...best.values());
      const contenders = [...best]
        .filter(([v, ms]) => ms <= SCREEN_FACTOR * fastest || v === fallback)
        .map(([v]) => v);
      if (contenders.length > 1) {
        const slowest = Math.max(...contenders.map((v) => best.get(v)!));
        const rounds = Math.min(
          this.timedRuns,
          Math.max(1, Math.floor(this.budgetMs / Math.max(slowest, 1e-3))),
        );
        for (let r = 0; r < rounds; r++) for (const variant of contenders) await timeOnce(variant);
      }
    } finally {
      dispose();
    }
    if (best.size === 0) {
      throw new Error(
        `autotune ${job.key}: every variant failed: ${[...failed].map(([v, e]) => `${v}: ${e}`).join('; ')}`,
      );
    }
    const [fastest, fastestMs] = [...best].reduce((w, c) => (c[1] < w[1] ? c : w));
    const fallbackMs = fallback === undefined ? undefined : best.get(fallback);
    const winner =
      fallbackMs !== undefined && fallbackMs <= (1 + FALLBACK_MARGIN) * fastestMs
        ? (fallback as string)
        : fastest;
    for (const k of Object.keys(this.tuned)) if (k.startsWith(`${job.key} among `)) delete this.tuned[k];
    this.tuned[cacheKey(job)] = winner;
    this.used[job.key] = winner;
    this.store.save(this.adapter, this.tuned);
    const timings = [...best].map(([v, ms]) => `${v} ${ms.toFixed(2)}ms`);
    for (const [v, e] of failed) timings.push(`${v} failed (${e})`);
    this.log(`autotune ${job.key}: ${timings.join(', ')} -> ${winner}`);
    return winner;
  }

  /** The variant each key resolved to most recently in this process, plus pins: what a run records. */
  choices(): Choices {
    return { ...this.used, ...this.pinned };
  }

  /** Forces these choices (a replay's recorded ones) over anything tuned or cached. */
  pin(choices: Choices): void {
    this.pinned = { ...this.pinned, ...choices };
    for (const key of Object.keys(choices)) this.pending.delete(key);
  }

  unpin(): void {
    this.pinned = {};
  }

  private known(job: TuneJob): string | undefined {
    return this.valid(job, this.pinned[job.key]) ?? this.valid(job, this.tuned[cacheKey(job)]);
  }

  private valid(job: TuneJob, variant: string | undefined): string | undefined {
    if (variant === undefined) return undefined;
    if (job.variants.includes(variant)) return variant;
    if (this.warned.has(`${job.key}=${variant}`)) return undefined;
    this.warned.add(`${job.key}=${variant}`);
    console.warn(
      `autotune ${job.key}: ignoring unknown variant "${variant}" (known: ${job.variants.join(', ')})`,
    );
    return undefined;
  }
}

/** A winner counts only among the same candidates: adding a variant re-tunes the key. */
function cacheKey(job: TuneJob): string {
  return `${job.key} among ${job.variants.join(',')}`;
}

const tuners = new WeakMap<Runtime, Autotuner>();

/** The runtime's autotuner, created on first use with the platform's default store. */
export function autotunerFor(rt: Runtime): Autotuner {
  let tuner = tuners.get(rt);
  if (!tuner) {
    tuner = new Autotuner(rt, adapterName(rt.facts));
    tuners.set(rt, tuner);
  }
  return tuner;
}

/** Replaces the runtime's autotuner (e.g. with a file store in Node); pins do not carry over. */
export function configureAutotuner(rt: Runtime, options: AutotuneOptions): Autotuner {
  const tuner = new Autotuner(rt, adapterName(rt.facts), options);
  tuners.set(rt, tuner);
  return tuner;
}
