/**
 * The config being edited: the user's choices (a preset's partial config plus edits, or a whole
 * config from a share link) and, derived from them by parseRunConfig, the resolved RunConfig or the
 * validation messages by option. Runs take a frozen copy of `resolved` when they start.
 */
import { create } from 'zustand';
import {
  DEFAULT_PRESET,
  findPreset,
  type PartialRunConfig,
  parseRunConfig,
  type RunConfig,
  resolveRunConfig,
} from '../../engine/config/index.js';

interface ConfigState {
  draft: Record<string, unknown>;
  presetName: string | null;
  resolved: RunConfig | null;
  /** The last valid resolution: shows defaults of untouched options while an edit is invalid. */
  lastValid: RunConfig;
  /** parseRunConfig's lines ("num_generations: must be >= 2 (got 1)"). */
  errors: string[];
  choosePreset: (name: string) => void;
  setOption: (path: readonly string[], value: unknown) => void;
  /** Replaces the draft with a whole config (a share link, a reopened run). */
  loadConfig: (config: Record<string, unknown>, presetName?: string | null) => void;
}

function resolve(
  draft: Record<string, unknown>,
): Pick<ConfigState, 'resolved' | 'errors'> & { lastValid?: RunConfig } {
  const r = parseRunConfig(draft);
  return r.ok
    ? { resolved: r.config, lastValid: r.config, errors: [] }
    : { resolved: null, errors: r.errors };
}

function withValueAt(root: Record<string, unknown>, path: readonly string[], value: unknown) {
  const out = structuredClone(root);
  if (path.length === 2 && path[0] === 'task' && path[1] === 'name') {
    out.task = { name: value };
    return out;
  }
  let node = out;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    node[key] = typeof next === 'object' && next !== null && !Array.isArray(next) ? { ...next } : {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]] = value;
  return out;
}

function presetDraft(name: string): Record<string, unknown> {
  return structuredClone(findPreset(name).config as PartialRunConfig) as Record<string, unknown>;
}

const initialDraft = presetDraft(DEFAULT_PRESET);

export const useConfigStore = create<ConfigState>((set) => ({
  draft: initialDraft,
  presetName: DEFAULT_PRESET,
  lastValid: resolveRunConfig(initialDraft as PartialRunConfig),
  ...resolve(initialDraft),
  choosePreset: (name) => {
    const draft = presetDraft(name);
    set({ draft, presetName: name, ...resolve(draft) });
  },
  setOption: (path, value) =>
    set((s) => {
      const draft = withValueAt(s.draft, path, value);
      return { draft, ...resolve(draft) };
    }),
  loadConfig: (config, presetName = null) => {
    const draft = structuredClone(config);
    set({ draft, presetName, ...resolve(draft) });
  },
}));

/** The value the form shows at `path`: the draft's, else the last valid resolution's (a default). */
export function valueAt(state: Pick<ConfigState, 'draft' | 'lastValid'>, path: readonly string[]): unknown {
  const pick = (root: unknown) =>
    path.reduce<unknown>(
      (v, k) => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[k] : undefined),
      root,
    );
  const fromDraft = pick(state.draft);
  if (fromDraft !== undefined) return fromDraft;
  return pick(state.lastValid);
}

/** Errors whose option path is `path` (or below it), without the path prefix. */
export function errorsAt(errors: readonly string[], path: readonly string[]): string[] {
  const prefix = path.join('.');
  return errors
    .filter((e) => e.startsWith(`${prefix}:`) || e.startsWith(`${prefix}.`))
    .map((e) => (e.startsWith(`${prefix}:`) ? e.slice(prefix.length + 1).trim() : e));
}
