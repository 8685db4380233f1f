/**
 * View settings of the lab that are not part of any run: chart smoothing, presenter mode, controls
 * hidden by URL flags, the token shading of the inspector, charts added by hand, and messages for the user (a refused share
 * link, a full storage quota).
 */
import { create } from 'zustand';

export type TokenShading = 'logprob' | 'entropy' | 'none';
export type LabView = 'lab' | 'guide';
/** The tab of the setup column: the presets or the experiments gallery. */
export type SetupTab = 'presets' | 'experiments';

export interface Notice {
  id: number;
  kind: 'error' | 'info';
  title: string;
  text: string;
}

interface UiState {
  smoothing: number;
  presenter: boolean;
  hidden: string[];
  shading: TokenShading;
  view: LabView;
  setupTab: SetupTab;
  notices: Notice[];
  /** Metrics the person added with "More charts", each drawn on a chart of its own. */
  extraCharts: string[];
  setSmoothing: (w: number) => void;
  setPresenter: (on: boolean) => void;
  setHidden: (names: string[]) => void;
  setShading: (s: TokenShading) => void;
  setView: (v: LabView) => void;
  setSetupTab: (t: SetupTab) => void;
  notify: (n: Omit<Notice, 'id'>) => void;
  dismiss: (id: number) => void;
  addChart: (metric: string) => void;
  removeChart: (metric: string) => void;
}

let noticeId = 0;

export const useUiStore = create<UiState>((set) => ({
  smoothing: 0.6,
  presenter: false,
  hidden: [],
  shading: 'logprob',
  view: 'lab',
  setupTab: 'presets',
  notices: [],
  extraCharts: [],
  setSmoothing: (smoothing) => set({ smoothing }),
  setPresenter: (presenter) => set({ presenter }),
  setHidden: (hidden) => set({ hidden }),
  setShading: (shading) => set({ shading }),
  setView: (view) => set({ view }),
  setSetupTab: (setupTab) => set({ setupTab }),
  notify: (n) =>
    set((s) => ({ notices: [...s.notices.filter((x) => x.title !== n.title), { ...n, id: ++noticeId }] })),
  dismiss: (id) => set((s) => ({ notices: s.notices.filter((n) => n.id !== id) })),
  addChart: (metric) =>
    set((s) => (s.extraCharts.includes(metric) ? s : { extraCharts: [...s.extraCharts, metric] })),
  removeChart: (metric) => set((s) => ({ extraCharts: s.extraCharts.filter((m) => m !== metric) })),
}));
