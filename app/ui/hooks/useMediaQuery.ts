/**
 * Whether a CSS media query matches, kept current as the window resizes. The lab uses it where
 * markup state (not only style) follows the screen size: the setup disclosure that starts closed on
 * narrow screens. Breakpoints live in `NARROW_SCREEN` so CSS and script agree.
 */
import { useSyncExternalStore } from 'react';

/** The single-column layout's breakpoint; styles.css uses the same `max-width: 900px`. */
export const NARROW_SCREEN = '(max-width: 900px)';

export function useMediaQuery(query: string): boolean {
  return useSyncExternalStore(
    (onChange) => {
      const list = window.matchMedia(query);
      list.addEventListener('change', onChange);
      return () => list.removeEventListener('change', onChange);
    },
    () => window.matchMedia(query).matches,
    () => false,
  );
}
