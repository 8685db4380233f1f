/**
 * The page side of share links: read the URL flags at load (restore a shared config or say why it
 * was refused, hide controls, presenter mode) and make a link of the config being edited.
 */
import { parseRunConfig } from '../../engine/config/index.js';
import { useConfigStore } from '../state/config-store.js';
import { useConsentStore } from '../state/consent-store.js';
import { replayHint } from '../state/dataset-store.js';
import { useExperimentsStore } from '../state/experiments-store.js';
import { useRunsStore } from '../state/runs-store.js';
import { useUiStore } from '../state/ui-store.js';
import { decodeSharePayload, encodeSharePayload } from './codec.js';
import { readExperimentLink } from './experiment-link.js';
import { buildShareUrl, readLabUrlFlags } from './fragment.js';

/** Applies `location`'s flags to the stores. A bad link keeps the defaults and explains. */
export function applyUrlFlags(hash: string, search: string): void {
  const flags = readLabUrlFlags(hash, search);
  const ui = useUiStore.getState();
  ui.setHidden(flags.hide);
  if (flags.presenter) ui.setPresenter(true);
  if (/(?:^|[#&?])guide(?:=1)?(?:&|$)/.test(hash) || /[?&]guide(?:=1)?(?:&|$)/.test(search))
    ui.setView('guide');
  if (flags.share === null) return;
  const refuse = (text: string) =>
    ui.notify({
      kind: 'error',
      title: 'This share link could not be opened',
      text: `${text} The default preset is loaded instead.`,
    });
  const decoded = decodeSharePayload(flags.share);
  if (!decoded.ok) {
    refuse(decoded.error);
    return;
  }
  const config = decoded.payload.config as Record<string, unknown>;
  const variants = {
    ...((config.kernel_variants as Record<string, string> | undefined) ?? {}),
    ...decoded.payload.kernel_variants,
  };
  const parsed = parseRunConfig({ ...config, kernel_variants: variants });
  if (!parsed.ok) {
    refuse(`Its configuration has invalid values: ${parsed.errors.slice(0, 5).join('; ')}.`);
    return;
  }
  if (parsed.config.reward_code.length > 0) {
    // Code from a link runs only after the person has read it and accepted (ConsentDialog).
    useConsentStore.getState().hold(parsed.config);
    return;
  }
  useConfigStore.getState().loadConfig(parsed.config as unknown as Record<string, unknown>, null);
  ui.notify({
    kind: 'info',
    title: 'Configuration loaded from the share link',
    // a dropped dataset never travels in a link, only its name: the hint says to drop it here
    text: replayHint(parsed.config),
  });
}

/** The link for the config being edited (with the current hide flags), or why there is none. */
export function currentShareUrl(pageHref: string): { ok: true; url: string } | { ok: false; error: string } {
  const { resolved, errors } = useConfigStore.getState();
  if (!resolved) return { ok: false, error: `The configuration is not valid: ${errors.join('; ')}` };
  // the live run of this very config knows which kernel variants it used on this adapter
  const runs = useRunsStore.getState();
  const active = runs.activeRunId ? runs.runs[runs.activeRunId] : undefined;
  const withoutVariants = (c: unknown) => JSON.stringify({ ...(c as object), kernel_variants: {} });
  const variants =
    active && withoutVariants(active.config) === withoutVariants(resolved)
      ? { ...active.kernelVariants, ...resolved.kernel_variants }
      : resolved.kernel_variants;
  const share = encodeSharePayload({ ...resolved, kernel_variants: variants }, variants);
  return { ok: true, url: buildShareUrl(pageHref, share, useUiStore.getState().hidden) };
}

/**
 * An experiment link (`#experiment=...`, experiment-link.ts): selects that experiment in the gallery
 * (it runs on Run); a broken one is refused with the reason, and nothing else changes.
 */
export function applyExperimentLink(hash: string): void {
  const link = readExperimentLink(hash);
  if (!link) return;
  const ui = useUiStore.getState();
  if (!link.ok) {
    ui.notify({
      kind: 'error',
      title: 'This experiment link could not be opened',
      text: `${link.error} Nothing was changed; the gallery lists every experiment.`,
    });
    return;
  }
  useExperimentsStore.getState().select(link.spec);
  ui.setSetupTab('experiments');
  ui.notify({
    kind: 'info',
    title: 'Experiment opened from the share link',
    text: 'Its settings are selected in the Experiments gallery: press Run to run it in this tab.',
  });
}
