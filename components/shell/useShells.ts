import { useCallback, useSyncExternalStore } from 'react';
import { useConsole } from '../hooks/context.ts';
import type { ShellsState } from './session.ts';

/**
 * A field of the console's shells (`fallback` on a console without them). The selector must return a
 * stored value, not a new object: the console re-renders only when it changes, not on every frame of
 * output of a shell in the background.
 */
export function useShellsState<U>(selector: (s: ShellsState) => U, fallback: U): U {
  const { shells } = useConsole();
  const subscribe = useCallback(
    (onChange: () => void) => (shells ? shells.store.subscribe(onChange) : () => {}),
    [shells],
  );
  return useSyncExternalStore(subscribe, () => (shells ? selector(shells.store.getState()) : fallback));
}
