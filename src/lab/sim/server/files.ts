/**
 * The files a running embedded lab leaves for its clients: the inventory (which any routedeck
 * command can load like a real one), known_hosts, the workloads it created, and lab.json so a
 * second terminal can find the running lab and its control socket.
 */
import { readFile, rm } from 'node:fs/promises';
import { createConnection } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { z } from 'zod';
import type { DeviceKind, DeviceRole } from '../../../model/device.ts';
import type { TenantSpec } from '../../../model/workload.ts';
import { writePrivateFile } from './keys.ts';

/** This file lives in <repo>/src/lab/sim/server/, so the repository root is four levels up. */
const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** `<repo>/.lab/sim`, or `$ROUTEDECK_LAB_DIR/sim` (the lab root shared with the netns lab). */
export function simLabDir(dir?: string): string {
  if (dir) return path.resolve(dir);
  const env = process.env['ROUTEDECK_LAB_DIR'];
  if (env) return path.resolve(env, 'sim');
  return path.join(REPO_ROOT, '.lab', 'sim');
}

export function simLabFiles(dir: string) {
  return {
    state: path.join(dir, 'lab.json'),
    inventory: path.join(dir, 'inventory.yaml'),
    knownHosts: path.join(dir, 'known_hosts'),
    workloads: path.join(dir, 'workloads.json'),
    clientKey: path.join(dir, 'id_ed25519'),
    apiKey: path.join(dir, 'api-key'),
    controlSocket: path.join(dir, 'control.sock'),
    hostKeysDir: path.join(dir, 'hostkeys'),
    hostKey: (device: string) => path.join(dir, 'hostkeys', device),
    tlsDir: path.join(dir, 'tls'),
  };
}

export interface LabDeviceEntry {
  name: string;
  role: DeviceRole;
  kind: DeviceKind;
  sshPort: number;
  apiUrl?: string;
  /** `AA:BB:…` SHA-256 of the router's certificate. */
  apiFingerprint?: string;
}

export interface InventoryInputs {
  devices: LabDeviceEntry[];
  tenants: TenantSpec[];
  user: string;
  clientKeyPath: string;
  knownHostsPath: string;
  apiKeyPath: string;
}

/** The inventory YAML, in the schema of src/inventory/schema.ts; secrets only by reference. */
export function renderInventory(inputs: InventoryInputs): string {
  const devices = inputs.devices.map((d) => ({
    name: d.name,
    role: d.role,
    kind: d.kind,
    host: '127.0.0.1',
    port: d.sshPort,
    simulated: true,
    vtysh: 'vtysh',
    // A NOC login is not root on a hypervisor; routers' FRR and VyOS need no prefix.
    ...(d.role === 'hypervisor' ? { privilege: 'sudo -n' } : {}),
    ...(d.apiUrl && d.apiFingerprint
      ? { api: { url: d.apiUrl, key: { file: inputs.apiKeyPath }, tls: { fingerprint: d.apiFingerprint } } }
      : {}),
  }));
  const doc = {
    name: 'lab-sim',
    defaults: {
      user: inputs.user,
      auth: { type: 'key', path: inputs.clientKeyPath },
      knownHosts: inputs.knownHostsPath,
    },
    devices,
    tenants: inputs.tenants.map((t) => ({
      name: t.name,
      ...(t.vrf ? { vrf: t.vrf } : {}),
      pools4: t.pools4,
      pools6: t.pools6,
    })),
  };
  return (
    '# Written by routedeck’s embedded lab at every start (ports change); edits are overwritten.\n' +
    stringify(doc)
  );
}

/** `[127.0.0.1]:<port> ssh-ed25519 <key>` per device, as OpenSSH writes non-22 ports. */
export function renderKnownHosts(entries: { port: number; publicKey: string }[]): string {
  return entries.map((e) => `[127.0.0.1]:${e.port} ${e.publicKey}\n`).join('');
}

const labState = z.object({
  pid: z.number().int().positive(),
  startedAt: z.string(),
  inventoryPath: z.string(),
  controlSocket: z.string(),
});

export type SimLabState = z.infer<typeof labState>;

export async function writeLabState(file: string, state: SimLabState): Promise<void> {
  await writePrivateFile(file, `${JSON.stringify(state, null, 2)}\n`);
}

export async function removeLabState(file: string, pid: number): Promise<void> {
  // Only our own record: a newer lab may have replaced it after we were declared dead.
  const current = await readLabState(file);
  if (current?.pid === pid) await rm(file, { force: true });
}

export async function readLabState(file: string): Promise<SimLabState | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = labState.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** True when something accepts connections on the unix socket (within `timeoutMs`). */
function socketAnswers(socketPath: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection(socketPath);
    const done = (answer: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * The lab running in `dir` (default dir as startSimLab): its recorded pid is alive and its
 * control socket answers, so a pid reused after a crash is not mistaken for a lab.
 */
export async function findRunningSimLab(
  dir?: string,
): Promise<{ inventoryPath: string; controlSocket: string; pid: number } | null> {
  const state = await readLabState(simLabFiles(simLabDir(dir)).state);
  if (!state || !isAlive(state.pid) || !(await socketAnswers(state.controlSocket))) return null;
  return { inventoryPath: state.inventoryPath, controlSocket: state.controlSocket, pid: state.pid };
}
