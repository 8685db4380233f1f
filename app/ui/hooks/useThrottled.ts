/**
 * Reads a zustand store through a selector but re-renders at most once per `intervalMs`: the charts
 * redraw about ten times a second however fast the worker's batches arrive.
 */
import { useEffect, useRef, useState } from 'react';
import type { StoreApi, UseBoundStore } from 'zustand';

export function useThrottledStore<S, T>(
  store: UseBoundStore<StoreApi<S>>,
  selector: (s: S) => T,
  intervalMs = 100,
): T {
  const [value, setValue] = useState(() => selector(store.getState()));
  const selectorRef = useRef(selector);
  selectorRef.current = selector;
  useEffect(() => {
    let last = 0;
    let timer: ReturnType<typeof setTimeout> | null = null;
    let latest = selectorRef.current(store.getState());
    setValue(latest);
    const commit = () => {
      timer = null;
      last = performance.now();
      setValue(latest);
    };
    const unsubscribe = store.subscribe((state) => {
      const next = selectorRef.current(state);
      if (Object.is(next, latest)) return;
      latest = next;
      if (timer !== null) return;
      const wait = last + intervalMs - performance.now();
      if (wait <= 0) commit();
      else timer = setTimeout(commit, wait);
    });
    return () => {
      unsubscribe();
      if (timer !== null) clearTimeout(timer);
    };
  }, [store, intervalMs]);
  return value;
}
