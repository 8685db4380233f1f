/**
 * How much of a run's sample history the tab keeps in memory. Every step's samples are kept while the
 * run holds at most SAMPLE_CAP completions; past it, the oldest steps are thinned to every
 * THINNED_EVERY-th step (the newest CAP/2 completions are always kept whole), so a long run of big
 * batches cannot fill the tab's memory while the inspector still reaches across the whole run. Saved
 * runs keep every step in IndexedDB; the cap is on what one tab holds.
 */
import type { StepSamples } from '../../engine/train/session-types.js';

/** Completions held in memory per run before older steps are thinned (about 25 to 50 MB of samples). */
export const SAMPLE_CAP = 60_000;
/** After thinning, older steps kept: those whose step is a multiple of this. */
export const THINNED_EVERY = 10;

const completions = (s: StepSamples) => s.groups.reduce((n, g) => n + g.completions.length, 0);

/** `rows` (sorted by step) within the cap: unchanged under it, else older steps thinned. */
export function capSamples(rows: StepSamples[]): StepSamples[] {
  let total = 0;
  for (const r of rows) total += completions(r);
  if (total <= SAMPLE_CAP) return rows;
  // keep the newest steps whole up to half the cap; thin everything older
  let recent = 0;
  let cut = rows.length;
  while (cut > 0 && recent + completions(rows[cut - 1]) <= SAMPLE_CAP / 2) recent += completions(rows[--cut]);
  return [...rows.slice(0, cut).filter((r) => r.step % THINNED_EVERY === 0), ...rows.slice(cut)];
}

/** True when `rows` no longer holds every step from its first to its last. */
export function isThinned(rows: readonly StepSamples[]): boolean {
  return rows.length > 1 && rows[rows.length - 1].step - rows[0].step + 1 > rows.length;
}
