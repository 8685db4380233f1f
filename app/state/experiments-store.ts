/**
 * The lab's experiments (docs/EXPERIMENTS.md "In the lab"): the one the panel shows, the one the
 * gallery has selected (a share link selects one), the worker's progress, and every experiment this
 * browser ran, each with its arms' run ids and, once finished, its verdict. Each arm is a run of
 * runs-store.ts (so the charts overlay the arms as they overlay saved runs); the record here groups
 * them and is saved in IndexedDB (saved-runs-db.ts) beside them.
 */
import { create } from 'zustand';
import type { ExperimentResult } from '../../engine/experiments/runner.js';
import type { Scale } from '../../engine/experiments/types.js';
import type { ExperimentSpec } from '../experiments/spec.js';
import type { ExperimentProgress } from '../worker/protocol.js';

export type ExperimentState = 'running' | 'done' | 'failed' | 'cancelled' | 'interrupted';

export interface ExperimentRecord {
  id: string;
  spec: ExperimentSpec;
  /** The experiment's name (a declared one's, or `vary KEY`). */
  name: string;
  claim: string;
  metric: string;
  expected: string;
  scale: Scale;
  seed: number;
  createdAt: number;
  state: ExperimentState;
  /** The arms begun so far, in the order they began: label and run id. */
  arms: { label: string; runId: string }[];
  result?: ExperimentResult;
  /** Wall seconds of the whole experiment (when done). */
  seconds?: number;
  /** Why it failed, or that it was cancelled. */
  message?: string;
}

interface ExperimentsState {
  records: Record<string, ExperimentRecord>;
  /** Newest first. */
  order: string[];
  /** The experiment the panel above the charts shows. */
  currentId: string | null;
  /** What the gallery has selected (a share link selects one): it runs on Run. */
  selected: ExperimentSpec | null;
  /** Where the running experiment is. */
  progress: { experimentId: string; progress: ExperimentProgress } | null;
  put: (record: ExperimentRecord) => void;
  update: (id: string, change: Partial<ExperimentRecord>) => void;
  remove: (id: string) => void;
  setCurrent: (id: string | null) => void;
  select: (spec: ExperimentSpec | null) => void;
  setProgress: (p: ExperimentsState['progress']) => void;
}

export const useExperimentsStore = create<ExperimentsState>((set) => ({
  records: {},
  order: [],
  currentId: null,
  selected: null,
  progress: null,
  put: (record) =>
    set((s) => ({
      records: { ...s.records, [record.id]: record },
      order: s.order.includes(record.id) ? s.order : [record.id, ...s.order],
    })),
  update: (id, change) =>
    set((s) => {
      const r = s.records[id];
      if (!r) return s;
      return { records: { ...s.records, [id]: { ...r, ...change } } };
    }),
  remove: (id) =>
    set((s) => {
      const { [id]: _gone, ...records } = s.records;
      return {
        records,
        order: s.order.filter((x) => x !== id),
        currentId: s.currentId === id ? null : s.currentId,
        progress: s.progress?.experimentId === id ? null : s.progress,
      };
    }),
  setCurrent: (currentId) => set({ currentId }),
  select: (selected) => set({ selected }),
  setProgress: (progress) => set({ progress }),
}));

export function newExperimentId(): string {
  return `exp-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
}
