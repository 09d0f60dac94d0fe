import { createContext, useContext } from 'react';
import type { Poller } from '../../src/poller/poller.ts';
import type { KeyTable } from '../keys.ts';
import type { ShellManager } from '../shell/session.ts';
import type { Theme } from '../theme.ts';
import type { WorkflowController } from '../workflows/controller.ts';
import type { ConsoleCapture } from './console-capture.ts';
import type { ReadonlyAppStore } from './throttled-store.ts';

export interface ConsoleContextValue {
  store: ReadonlyAppStore;
  /** console.* output captured while the UI is up. */
  logs: Pick<ConsoleCapture, 'last' | 'subscribe'>;
  poller: Pick<Poller, 'pollNow'> | null;
  readOnly: boolean;
  /** The workflow side (wizards, timeline); null on a read-only console or without a registry. */
  workflows: WorkflowController | null;
  /** Shells on devices (the shell pane); null on a read-only console or without SSH. */
  shells: ShellManager | null;
  keys: KeyTable;
  theme: Theme;
  now: () => number;
}

export const ConsoleContext = createContext<ConsoleContextValue | null>(null);

export function useConsole(): ConsoleContextValue {
  const value = useContext(ConsoleContext);
  if (!value) throw new Error('component used outside <ConsoleContext>');
  return value;
}
