/**
 * Puts a simulated fabric on the wire: an SSH server per device, an HTTPS VyOS API per router,
 * the inventory and known_hosts that point at them, faults, and the control socket.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { VyosApiServer } from '../../vyos-api/index.ts';
import type { SimEvent, SimFabric } from '../types.ts';
import { controlSocketPath, startControlServer, type ControlServer } from './control.ts';
import { createFaults, type FaultTarget, type SimFaults } from './faults.ts';
import {
  findRunningSimLab,
  removeLabState,
  renderInventory,
  renderKnownHosts,
  simLabDir,
  simLabFiles,
  writeLabState,
  type LabDeviceEntry,
} from './files.ts';
import { ensurePrivateDir, loadOrCreateApiKey, loadOrCreateCert, loadOrCreateSshKey } from './keys.ts';
import { startRouterApi } from './router-api.ts';
import { SimSshServer } from './ssh-server.ts';

export type SimLabDevice = LabDeviceEntry;

export interface SimLab {
  dir: string;
  inventoryPath: string;
  knownHostsPath: string;
  fabric: SimFabric;
  devices: SimLabDevice[];
  faults: SimFaults;
  controlSocket: string;
  /** Bytes a device's SSH server has sent (benchmarks: what watching the fabric costs per device). */
  bytesSent(device: string): number;
  stop(): Promise<void>;
}

export interface LabServerOptions {
  dir?: string;
  fabric: SimFabric;
  /** The lab made the fabric, so stop() closes it (a failed start leaves that to the caller). */
  ownsFabric: boolean;
  apiVersion?: '1.4' | '1.5-rolling';
  confirmMinuteMs?: number;
  /** How long a router reboot keeps its API and SSH down (default 30 s; tests make it small). */
  rebootMs?: number;
  writeState?: boolean;
}

const USER = 'noc';
const API_KEY_ID = 'noc';
const MAX_EVENTS = 500;
/** Names become file names (hostkeys/<device>) and remote prompts: the inventory's own pattern. */
const DEVICE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

export async function startLabServers(opts: LabServerOptions): Promise<SimLab> {
  const { fabric } = opts;
  const dir = simLabDir(opts.dir);
  const files = simLabFiles(dir);
  const writeState = opts.writeState ?? true;
  const models = fabric.devices();
  for (const d of models) {
    if (!DEVICE_NAME.test(d.name))
      throw new Error(`simulated device name ${JSON.stringify(d.name)} is not valid`);
  }
  if (new Set(models.map((d) => d.name)).size !== models.length)
    throw new Error('simulated device names repeat');

  await ensurePrivateDir(dir);
  await mkdir(files.hostKeysDir, { recursive: true, mode: 0o700 });
  await mkdir(files.tlsDir, { recursive: true, mode: 0o700 });
  const running = await findRunningSimLab(dir);
  if (running) throw new Error(`a lab is already running in ${dir} (pid ${running.pid}); stop it first`);
  // A new lab is a new fabric: the registry a previous lab left (its workloads, plans) describes
  // devices that no longer exist.
  await Promise.all(
    ['', '-wal', '-shm'].map((suffix) => rm(path.join(dir, `registry.sqlite${suffix}`), { force: true })),
  );

  const [clientKey, apiKey] = await Promise.all([
    loadOrCreateSshKey(files.clientKey, true),
    loadOrCreateApiKey(files.apiKey),
  ]);
  const version = opts.apiVersion ?? '1.5-rolling';
  const ssh = new Map<string, SimSshServer>();
  const apis = new Map<string, VyosApiServer>();
  const events: SimEvent[] = [];
  const note = (device: string, message: string): void => {
    events.push({ at: Date.now(), device, message });
    if (events.length > MAX_EVENTS) events.splice(0, events.length - MAX_EVENTS);
  };
  const offEvents = fabric.onEvent((event) => note(event.device, event.message));
  let control: ControlServer | undefined;

  const closeAll = async (closeFabric: boolean): Promise<void> => {
    offEvents();
    await control?.close();
    await Promise.all([
      ...[...ssh.values()].map((s) => s.close()),
      ...[...apis.values()].map((a) => a.close()),
    ]);
    if (closeFabric) fabric.close();
  };

  try {
    // Keys and certificates are made once and cached; everything per device starts in parallel.
    // allSettled: on a failure, every server that did start is in the maps for closeAll.
    const started = await Promise.allSettled(
      models.map(async (device) => {
        const hostKey = await loadOrCreateSshKey(files.hostKey(device.name));
        ssh.set(
          device.name,
          await SimSshServer.start({ device, hostKey, authorizedKey: clientKey.public, user: USER }),
        );
        if (device.kind !== 'vyos') return;
        const tls = await loadOrCreateCert(files.tlsDir, device.name);
        const api = await startRouterApi({
          device,
          keyId: API_KEY_ID,
          key: apiKey,
          tls,
          version,
          ...(opts.confirmMinuteMs !== undefined ? { confirmMinuteMs: opts.confirmMinuteMs } : {}),
          ...(opts.rebootMs !== undefined ? { rebootMs: opts.rebootMs } : {}),
          onProblem: (message) => note(device.name, message),
          onReboot: (reason, downMs) => {
            // A rebooting router answers nothing: its SSH goes down with its API.
            ssh.get(device.name)?.dropSsh(downMs);
            note(device.name, `rebooted: ${reason}; back in ${downMs} ms with its saved config`);
          },
        });
        apis.set(device.name, api);
      }),
    );
    const failed = started.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;

    const devices: SimLabDevice[] = models.map((d) => {
      const api = apis.get(d.name);
      const sshPort = ssh.get(d.name)!.port;
      const base = { name: d.name, role: d.role, kind: d.kind, sshPort };
      return api ? { ...base, apiUrl: api.url, apiFingerprint: api.fingerprint256 } : base;
    });
    const knownHosts = models.map((d) => {
      const server = ssh.get(d.name)!;
      return { port: server.port, publicKey: server.hostPublicKey };
    });
    await writeFile(files.knownHosts, renderKnownHosts(knownHosts), { mode: 0o644 });
    await writeFile(
      files.inventory,
      renderInventory({
        devices,
        tenants: fabric.tenants,
        user: USER,
        clientKeyPath: files.clientKey,
        knownHostsPath: files.knownHosts,
        apiKeyPath: files.apiKey,
      }),
      { mode: 0o644 },
    );
    await writeFile(files.workloads, `${JSON.stringify(fabric.workloads(), null, 2)}\n`, { mode: 0o644 });

    const targets = new Map<string, FaultTarget>();
    for (const d of models) {
      const api = apis.get(d.name);
      targets.set(d.name, { ssh: ssh.get(d.name)!, ...(api ? { api } : {}) });
    }
    const faults = createFaults(fabric, targets, note);
    const controlPath = controlSocketPath(files.controlSocket);
    control = await startControlServer(controlPath, {
      faults,
      events: (limit) => events.slice(-limit),
      status: () => ({
        pid: process.pid,
        dir,
        inventoryPath: files.inventory,
        devices: devices.map((d) => ({ ...d, connections: ssh.get(d.name)?.connections ?? 0 })),
        faults: faults.status(),
      }),
    });
    if (writeState) {
      await writeLabState(files.state, {
        pid: process.pid,
        startedAt: new Date().toISOString(),
        inventoryPath: files.inventory,
        controlSocket: controlPath,
      });
    }

    let stopping: Promise<void> | undefined;
    return {
      dir,
      inventoryPath: files.inventory,
      knownHostsPath: files.knownHosts,
      fabric,
      devices,
      faults,
      controlSocket: controlPath,
      bytesSent: (device) => ssh.get(device)?.bytesSent ?? 0,
      stop() {
        stopping ??= (async () => {
          if (writeState) await removeLabState(files.state, process.pid);
          await closeAll(opts.ownsFabric);
        })();
        return stopping;
      },
    };
  } catch (error) {
    await closeAll(false).catch(() => undefined);
    throw error;
  }
}
