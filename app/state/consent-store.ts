/**
 * Consent for code that arrived from elsewhere: a share link whose config carries reward_code is held
 * here, not loaded, until the person has read the code and chosen. Accept loads the config as it came;
 * Decline loads it without reward_code and without the reward_funcs that named it. Nothing runs the
 * held code (not even "Test on sample") while it waits: it is not in the config being edited.
 */
import { create } from 'zustand';
import { parseRunConfig, type RunConfig, SHARED_DEFAULTS } from '../../engine/config/index.js';
import { isBuiltinReward } from '../../engine/rewards/sandbox.js';
import { useConfigStore } from './config-store.js';
import { datasetDropHint, replayHint } from './dataset-store.js';
import { useUiStore } from './ui-store.js';

interface ConsentState {
  /** A config with reward_code waiting for Accept or Decline. */
  pending: RunConfig | null;
  hold: (config: RunConfig) => void;
  accept: () => void;
  decline: () => void;
}

/** The config without user code: reward_code emptied, its names (and their weights) dropped. */
export function withoutRewardCode(config: RunConfig): { config: RunConfig; dropped: string[] } {
  const keep = config.reward_funcs.map((name) => isBuiltinReward(name));
  const dropped = config.reward_funcs.filter((_, i) => !keep[i]);
  let funcs = config.reward_funcs.filter((_, i) => keep[i]);
  let weights = config.reward_weights?.filter((_, i) => keep[i]) ?? null;
  if (funcs.length === 0) {
    funcs = [...SHARED_DEFAULTS.reward_funcs];
    weights = null;
  }
  const parsed = parseRunConfig({ ...config, reward_code: [], reward_funcs: funcs, reward_weights: weights });
  if (!parsed.ok)
    throw new Error(`the config without its reward code is invalid: ${parsed.errors.join('; ')}`);
  return { config: parsed.config, dropped };
}

export const useConsentStore = create<ConsentState>((set, get) => ({
  pending: null,
  hold: (config) => set({ pending: config }),
  accept: () => {
    const config = get().pending;
    if (!config) return;
    set({ pending: null });
    useConfigStore.getState().loadConfig(config as unknown as Record<string, unknown>, null);
    useUiStore.getState().notify({
      kind: 'info',
      title: 'Configuration loaded from the share link',
      text: `Its reward code (${config.reward_code.map((c) => c.name).join(', ')}) runs in a sandbox without network access. ${replayHint(config)}`,
    });
  },
  decline: () => {
    const config = get().pending;
    if (!config) return;
    set({ pending: null });
    const { config: clean, dropped } = withoutRewardCode(config);
    useConfigStore.getState().loadConfig(clean as unknown as Record<string, unknown>, null);
    useUiStore.getState().notify({
      kind: 'info',
      title: 'Configuration loaded without its reward code',
      text:
        (dropped.length > 0
          ? `The reward functions ${dropped.join(', ')} were removed; reward_funcs is now ${clean.reward_funcs.join(', ')}. `
          : '') +
        `The run will not replay the shared one exactly.${datasetDropHint(clean) ? ` ${datasetDropHint(clean)}` : ''}`,
    });
  },
}));
