/**
 * The lab's state (zustand). The UI reads it through selectors; only the worker client writes GPU
 * facts into it.
 */
import { create } from 'zustand';
import type { AdapterFacts } from '../../engine/device.js';

export type GpuStatus =
  | { kind: 'probing' }
  | { kind: 'ready'; facts: AdapterFacts }
  | { kind: 'unavailable'; message: string }
  | { kind: 'error'; message: string };

interface LabState {
  gpu: GpuStatus;
  setAdapter: (facts: AdapterFacts) => void;
  setNoWebGpu: (message: string) => void;
  setGpuError: (message: string) => void;
}

export const useLabStore = create<LabState>((set) => ({
  gpu: { kind: 'probing' },
  setAdapter: (facts) => set({ gpu: { kind: 'ready', facts } }),
  setNoWebGpu: (message) => set({ gpu: { kind: 'unavailable', message } }),
  setGpuError: (message) => set({ gpu: { kind: 'error', message } }),
}));
