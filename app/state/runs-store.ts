/**
 * Runs the lab knows: the live one, saved ones reopened from IndexedDB and imported files. Each run's
 * config is frozen when it is created; metrics and samples only ever append. Which runs the charts
 * overlay, which one the inspector shows, and what the worker says it is doing live here too.
 */
import { create } from 'zustand';
import type { RewardModelInfo } from '../../engine/rewards/onnx-info.js';
import type { PromptFormatInfo } from '../../engine/tokenizers/prompt-format.js';
import type { SessionPhase, StepMetrics, StepSamples } from '../../engine/train/session-types.js';
import type { RunState } from '../worker/protocol.js';
import { capSamples } from './sample-history.js';

export interface RunRecord {
  id: string;
  name: string;
  createdAt: number;
  config: unknown;
  kernelVariants: Record<string, string>;
  source: 'live' | 'saved' | 'imported';
  metrics: StepMetrics[];
  samples: StepSamples[];
  /** An arm of an experiment (experiments-store.ts): the experiment's id and the arm's label. */
  experiment?: { id: string; label: string };
}

export interface PhaseStatus {
  phase: SessionPhase;
  progress?: number;
  detail?: string;
}

interface RunsState {
  runs: Record<string, RunRecord>;
  /** Newest first. */
  order: string[];
  /** The run the controls drive and the inspector shows by default. */
  activeRunId: string | null;
  /** Runs drawn on the charts. */
  visible: string[];
  /** Step the inspector shows; null follows the latest. */
  inspectedStep: number | null;
  worker: { runId: string | null; state: RunState; step: number; message?: string };
  phase: PhaseStatus | null;
  /** How the live run's prompts reach its model (chat template or raw), as its session reported. */
  promptFormat: { runId: string; model: string; info: PromptFormatInfo } | null;
  /** The live run's reward models and the execution provider each ended on, as its session reported. */
  rewardModels: { runId: string; models: RewardModelInfo[] } | null;
  warnings: string[];
  addRun: (run: RunRecord) => void;
  appendMetrics: (runId: string, rows: StepMetrics[]) => void;
  appendSamples: (runId: string, samples: StepSamples[]) => void;
  setKernelVariants: (runId: string, variants: Record<string, string>) => void;
  removeRun: (runId: string) => void;
  /** A saved run the worker continues (Continue after a reload) becomes live again. */
  markLive: (runId: string) => void;
  setActive: (runId: string | null) => void;
  toggleVisible: (runId: string) => void;
  inspectStep: (step: number | null) => void;
  setWorkerState: (w: RunsState['worker']) => void;
  setPhase: (p: PhaseStatus | null) => void;
  setPromptFormat: (p: RunsState['promptFormat']) => void;
  setRewardModels: (r: RunsState['rewardModels']) => void;
  addWarning: (message: string) => void;
}

/** A run's metrics after the append: rows for steps already present are replaced, order kept. */
function mergeRows<T extends { step: number }>(old: T[], rows: T[]): T[] {
  const last = old.length > 0 ? old[old.length - 1].step : Number.NEGATIVE_INFINITY;
  if (rows.every((r, i) => r.step > (i === 0 ? last : rows[i - 1].step))) return old.concat(rows);
  const byStep = new Map(old.map((r) => [r.step, r]));
  for (const r of rows) byStep.set(r.step, r);
  return [...byStep.values()].sort((a, b) => a.step - b.step);
}

export const useRunsStore = create<RunsState>((set) => ({
  runs: {},
  order: [],
  activeRunId: null,
  visible: [],
  inspectedStep: null,
  worker: { runId: null, state: 'idle', step: 0 },
  phase: null,
  promptFormat: null,
  rewardModels: null,
  warnings: [],
  addRun: (run) =>
    set((s) => ({
      runs: { ...s.runs, [run.id]: run },
      order: [run.id, ...s.order.filter((id) => id !== run.id)],
      visible: s.visible.includes(run.id) ? s.visible : [...s.visible, run.id],
    })),
  appendMetrics: (runId, rows) =>
    set((s) => {
      const run = s.runs[runId];
      if (!run) return s;
      return { runs: { ...s.runs, [runId]: { ...run, metrics: mergeRows(run.metrics, rows) } } };
    }),
  setKernelVariants: (runId, variants) =>
    set((s) => {
      const run = s.runs[runId];
      if (!run) return s;
      return { runs: { ...s.runs, [runId]: { ...run, kernelVariants: { ...variants } } } };
    }),
  appendSamples: (runId, samples) =>
    set((s) => {
      const run = s.runs[runId];
      if (!run) return s;
      return {
        runs: { ...s.runs, [runId]: { ...run, samples: capSamples(mergeRows(run.samples, samples)) } },
      };
    }),
  removeRun: (runId) =>
    set((s) => {
      const { [runId]: _gone, ...runs } = s.runs;
      return {
        runs,
        order: s.order.filter((id) => id !== runId),
        visible: s.visible.filter((id) => id !== runId),
        activeRunId: s.activeRunId === runId ? null : s.activeRunId,
      };
    }),
  markLive: (runId) =>
    set((s) => {
      const run = s.runs[runId];
      if (!run || run.source === 'live') return s;
      return { runs: { ...s.runs, [runId]: { ...run, source: 'live' } } };
    }),
  setActive: (runId) =>
    set((s) => ({
      activeRunId: runId,
      inspectedStep: null,
      visible: runId && !s.visible.includes(runId) ? [...s.visible, runId] : s.visible,
    })),
  toggleVisible: (runId) =>
    set((s) => ({
      visible: s.visible.includes(runId) ? s.visible.filter((id) => id !== runId) : [...s.visible, runId],
    })),
  inspectStep: (step) => set({ inspectedStep: step }),
  setWorkerState: (worker) => set({ worker }),
  setPhase: (phase) => set({ phase }),
  setPromptFormat: (promptFormat) => set({ promptFormat }),
  setRewardModels: (rewardModels) => set({ rewardModels }),
  addWarning: (message) => set((s) => ({ warnings: [...s.warnings.slice(-4), message] })),
}));

export function newRunId(): string {
  return `run-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
}
