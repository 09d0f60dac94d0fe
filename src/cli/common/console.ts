import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { startConsole } from '../../../components/index.ts';
import type { OpenShell } from '../../../components/shell/session.ts';
import type { DeviceSpec } from '../../model/device.ts';
import type { AppStore, StoreEvent } from '../../state/store.ts';
import { openInventory, simLabDirFor } from './inventory.ts';
import { findRunningSimLab, startSimLab } from '../../lab/sim/lab.ts';
import { loadInventoryFile } from '../../inventory/load.ts';
import type { CliIo } from './io.ts';
import { tuneHeapForConsole } from './heap.ts';
import { RegistryUnavailableError } from '../../registry/errors.ts';
import { adoptOnStart } from '../../workflows/service/adopt-start.ts';
import { announceRegistryDown, openFabric, openWorkflows, registryPathFor, type Fabric } from '../wiring.ts';

export interface ConsoleValues {
  inventory?: string;
  lab?: boolean;
  'lab-netns'?: boolean;
  'read-only'?: boolean;
  log?: string;
  registry?: string;
  operator?: string;
}

/** The console's log: store events appended to a file, never to the terminal the UI owns. */
export function consoleLogPath(env: NodeJS.ProcessEnv, explicit?: string): string {
  if (explicit) return explicit;
  const base = env.XDG_STATE_HOME || join(env.HOME || homedir(), '.local', 'state');
  return join(base, 'routedeck', 'console.log');
}

export function logEventsTo(store: AppStore, file: string): () => void {
  // One descriptor held for the whole run: a console out of descriptors (EMFILE) can still log.
  // A write that fails (EMFILE, ENOSPC, …) never throws into the store's caller: one note on the
  // status line, retried with the next event, and a second note once writing works again.
  let fd: number | null = null;
  let failing = false;
  const write = (line: string) => {
    try {
      if (fd === null) {
        mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
        fd = openSync(file, 'a', 0o600);
      }
      // Every console on the machine shares this file: the pid tells whose line it is.
      writeSync(fd, `${new Date().toISOString()} [${process.pid}] ${line}\n`);
      if (failing) console.warn(`console log ${file}: writing again`);
      failing = false;
    } catch (error) {
      if (!failing) {
        const code = (error as NodeJS.ErrnoException).code ?? String(error);
        console.warn(`console log ${file}: cannot write (${code}); events still show here`);
      }
      failing = true;
      if (fd !== null) closeQuietly(fd);
      fd = null;
    }
  };
  write(`console started on ${store.getState().source.label}`);
  let last: StoreEvent | undefined = store.getState().events.at(-1);
  const unsubscribe = store.subscribe((state) => {
    if (state.events.at(-1) === last) return;
    // Events is a bounded ring: log what came after the last one logged (all, if it was trimmed away).
    const fresh = state.events.slice(last ? state.events.lastIndexOf(last) + 1 : 0);
    last = state.events.at(-1);
    for (const event of fresh) write(`${event.level.toUpperCase()} ${event.device}: ${event.message}`);
  });
  return () => {
    unsubscribe();
    if (fd !== null) closeQuietly(fd);
    fd = null;
  };
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already unusable: nothing more to lose
  }
}

/** What `routedeck serve` adds to a console: the terminal it draws on, and a hook on the store. */
export interface ConsoleExtras {
  stdout?: NodeJS.WriteStream;
  /** Called with the store once it exists; the returned function runs at exit. */
  attach?(store: AppStore): Promise<() => Promise<void>>;
}

/** The interactive console: on the embedded lab when no inventory is given (what `npm start` runs). */
export async function runConsole(
  values: ConsoleValues,
  io: CliIo,
  extras: ConsoleExtras = {},
): Promise<number> {
  tuneHeapForConsole();
  const useLab = !values.inventory && !values['lab-netns'];
  const opened = useLab ? await openLabForConsole(io.env) : await openInventory(values, io.env);
  const lab = opened.source.kind === 'lab-sim';
  const fabric = openFabric(opened.inventory, opened.source, {
    poller: { intervalMs: lab ? { router: 2_000, hypervisor: 3_000 } : {} },
    settleFirst: true,
  });
  const stopLog = logEventsTo(fabric.store, consoleLogPath(io.env, values.log));
  let readOnly = values['read-only'] ?? false;
  // A read-only console never opens the registry: it cannot plan, apply or take a lease.
  let workflows: Awaited<ReturnType<typeof openWorkflows>> | null = null;
  if (!readOnly) {
    try {
      workflows = await openWorkflows(opened.inventory, fabric, {
        registryPath: registryPathFor(opened.inventory, opened.source, io.env, values.registry),
        ...(values.operator ? { operator: values.operator } : {}),
      });
    } catch (error) {
      // A team's registry that is down must not take the fabric's live view with it.
      if (!(error instanceof RegistryUnavailableError)) throw error;
      readOnly = true;
      announceRegistryDown(fabric.store, error);
    }
  }
  const wf = workflows;
  const stopAdopt = wf ? adoptOnStart(fabric.store, wf.service) : () => {};
  fabric.poller.start();
  let detach: (() => Promise<void>) | null = null;
  try {
    detach = extras.attach ? await extras.attach(fabric.store) : null;
    const ui = startConsole({
      ...(extras.stdout ? { stdout: extras.stdout } : {}),
      store: fabric.store,
      poller: fabric.poller,
      readOnly,
      ...(workflows ? { workflows: workflows.service } : {}),
      // A read-only console gets no way to open a shell at all, as it gets no workflow service.
      ...(readOnly ? {} : { openShell: shellOpener(fabric, opened.inventory.devices) }),
    });
    await ui.waitUntilExit();
    return 0;
  } finally {
    await detach?.();
    stopAdopt();
    stopLog();
    await fabric.close();
    workflows?.close();
    await opened.close();
  }
}

/** Shells for the shell pane, on the connection the poller already holds to the device. */
function shellOpener(fabric: Fabric, devices: readonly DeviceSpec[]): OpenShell {
  return (name, size) => {
    const spec = devices.find((device) => device.name === name);
    if (!spec) return Promise.reject(new Error(`no device ${name} in the inventory`));
    return fabric.ssh.get(spec).shell({ ...size, term: 'xterm-256color' });
  };
}

/** The running lab if one is up (`routedeck lab sim` elsewhere), else one of our own for this console. */
async function openLabForConsole(env: NodeJS.ProcessEnv) {
  const dir = simLabDirFor(env);
  const source = { kind: 'lab-sim' as const, label: 'LAB (simulated)' };
  const running = await findRunningSimLab(dir);
  if (running) return { inventory: loadInventoryFile(running.inventoryPath), source, close: async () => {} };
  const started = await startSimLab(dir ? { dir } : {});
  return { inventory: loadInventoryFile(started.inventoryPath), source, close: () => started.stop() };
}
