/**
 * A tiny SimFabric for the server tests: one VyOS router and one hypervisor with a handful of
 * commands, so the servers can be tested without the real fabric model.
 */
import type {
  SimDevice,
  SimEvent,
  SimExecResult,
  SimFabric,
  SimFabricOptions,
  VyosConfigJson,
} from '../../../../src/lab/sim/types.ts';

const ok = (stdout: string): SimExecResult => ({ stdout, stderr: '', code: 0 });

function fakeExec(name: string, command: string): SimExecResult {
  if (command === 'hostname') return ok(`${name}\n`);
  if (command === "vtysh -c 'show version'") return ok(`FRRouting 8.4 (${name}).\n`);
  const gen = /^gen (\d+)$/.exec(command);
  if (gen) return ok('x'.repeat(Number(gen[1])));
  if (command === 'both') return { stdout: 'out\n', stderr: 'err\n', code: 3 };
  if (command === 'fail') throw new Error('model exploded');
  return { stdout: '', stderr: `sh: 1: ${command.split(' ')[0]}: not found\n`, code: 127 };
}

export interface FakeFabric extends SimFabric {
  flaps: { device: string; peer: string; downMs?: number }[];
  closed: boolean;
  /** Every command the devices were asked to run, as `device: command`. */
  commands: string[];
  emit(event: SimEvent): void;
}

export function createFakeFabric(): FakeFabric {
  const commands: string[] = [];
  const run = (device: string, command: string): SimExecResult => {
    commands.push(`${device}: ${command}`);
    return fakeExec(device, command);
  };
  const listeners = new Set<(event: SimEvent) => void>();
  let routerConfig: VyosConfigJson = {
    system: { 'host-name': 'spine1' },
    interfaces: { ethernet: { eth1: { description: 'to hv1' } } },
  };
  const router: SimDevice = {
    name: 'spine1',
    role: 'router',
    kind: 'vyos',
    exec: async (command) => run('spine1', command),
    vyosConfig: () => structuredClone(routerConfig),
    applyVyosConfig(config) {
      // A commit-time check, as VyOS's own would refuse it.
      const system = config['system'];
      if (typeof system !== 'object' || Array.isArray(system) || !system['host-name']) {
        throw new Error('system host-name is mandatory\n\n[[system]] failed\nCommit failed');
      }
      routerConfig = structuredClone(config);
    },
  };
  const hv: SimDevice = {
    name: 'hv1',
    role: 'hypervisor',
    kind: 'frr-linux',
    exec: async (c) => run('hv1', c),
  };
  const options: SimFabricOptions = {
    hosts: 1,
    routers: 1,
    workloads: 1,
    tenants: 1,
    seed: 1,
    hopDelayMs: 0,
    jitterMs: 0,
  };
  const fabric: FakeFabric = {
    options,
    tenants: [{ name: 'blue', vrf: 'blue', pools4: ['10.1.0.0/24'], pools6: ['2001:db8:1::/48'] }],
    flaps: [],
    closed: false,
    commands,
    devices: () => [router, hv],
    device: (name) => [router, hv].find((d) => d.name === name),
    workloads: () => [
      {
        name: 'vm1',
        tenant: 'blue',
        vrf: 'blue',
        host: 'hv1',
        tap: 'tap-vm1',
        ipv4: '10.1.0.5',
        ipv6Prefix: '2001:db8:1:5::/64',
      },
    ],
    flapSession(device, peer, downMs) {
      if (device !== 'spine1' || peer !== 'eth1') throw new Error(`${device} has no BGP session ${peer}`);
      fabric.flaps.push({ device, peer, ...(downMs !== undefined ? { downMs } : {}) });
      fabric.emit({ at: Date.now(), device, message: `BGP ${peer} down` });
    },
    overlayFault(device) {
      throw new Error(`${device}: the fake fabric has no overlay`);
    },
    clearOverlay() {},
    overlayStatus: () => [],
    // Its answers are canned: nothing to print ahead.
    printRouteTables: async () => {},
    spoof(device) {
      throw new Error(`${device}: the fake fabric has no anti-spoofing model`);
    },
    editGuard(device) {
      throw new Error(`${device}: the fake fabric has no anti-spoofing model`);
    },
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    emit(event) {
      for (const l of listeners) l(event);
    },
    close() {
      fabric.closed = true;
    },
  };
  return fabric;
}
