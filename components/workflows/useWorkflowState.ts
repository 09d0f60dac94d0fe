import { useCallback, useSyncExternalStore } from 'react';
import { useConsole } from '../hooks/context.ts';
import type { WorkflowUiState } from './controller.ts';

/**
 * A field of the workflow controller's state (`fallback` on a console without workflows). The
 * selector must return a stored value, not a new object, and `fallback` must be a constant.
 */
export function useWorkflowState<U>(selector: (s: WorkflowUiState) => U, fallback: U): U {
  const { workflows } = useConsole();
  const subscribe = useCallback(
    (onChange: () => void) => (workflows ? workflows.store.subscribe(onChange) : () => {}),
    [workflows],
  );
  return useSyncExternalStore(subscribe, () => (workflows ? selector(workflows.store.getState()) : fallback));
}
