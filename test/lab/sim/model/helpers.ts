/** Shared helpers for the sim model tests: the drivers' CommandRunner on top of SimDevice.exec. */
import type { DeviceSpec } from '../../../../src/model/device.ts';
import type { DeviceSnapshot } from '../../../../src/model/snapshot.ts';
import { driverFor } from '../../../../src/drivers/index.ts';
import type { SimDevice } from '../../../../src/lab/sim/types.ts';
import type { CommandRunner } from '../../../../src/transport/types.ts';

export function runnerFor(device: SimDevice): CommandRunner {
  return {
    exec: async (command) => device.exec(command),
    async execStream(command, onStdout) {
      const r = await device.exec(command);
      // Split in uneven chunks, as SSH would deliver a large table.
      const buf = Buffer.from(r.stdout);
      for (let i = 0; i < buf.length; i += 1000) onStdout(buf.subarray(i, i + 1000));
      return { code: r.code, stderr: r.stderr };
    },
  };
}

export function specFor(device: SimDevice): DeviceSpec {
  return {
    name: device.name,
    role: device.role,
    kind: device.kind,
    host: '127.0.0.1',
    port: 22,
    user: 'noc',
    auth: { type: 'agent' },
    vtysh: 'vtysh',
    privilege: device.role === 'hypervisor' ? 'sudo -n' : '',
    simulated: true,
  };
}

export function collect(device: SimDevice): Promise<DeviceSnapshot> {
  return driverFor(device.kind).collect({ device: specFor(device), runner: runnerFor(device) });
}

/** The selected route's next-hop interfaces for a prefix in a VRF, read via `show ip route … json`. */
export async function nexthopsOf(device: SimDevice, prefix: string, vrf = 'default'): Promise<string> {
  const v = vrf === 'default' ? '' : ` vrf ${vrf}`;
  const fam = prefix.includes(':') ? 'ipv6' : 'ip';
  const r = await device.exec(`vtysh -c 'show ${fam} route${v} ${prefix} json'`);
  const doc = JSON.parse(r.stdout || '{}') as Record<
    string,
    { selected?: boolean; nexthops: { interfaceName?: string }[] }[]
  >;
  const entry = doc[prefix]?.find((e) => e.selected);
  return entry?.nexthops.map((n) => n.interfaceName).join(',') ?? 'none';
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `check` until it holds, for up to `timeoutMs` (generous: a loaded machine runs timers late;
 * a passing check returns at once). Waiting for the state, not for a fixed time, keeps tests exact.
 */
export async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
}
