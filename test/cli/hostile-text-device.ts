/**
 * The embedded lab with one hostile hypervisor: hv1 answers over real SSH like the other simulated
 * devices, but its FRR and iproute2 output carries terminal escapes in the fields a device (or its
 * BGP peer) chooses: a neighbor's hostname, a VRF name, a TAP name and a `% …` error.
 */
import { createSimFabric } from '../../src/lab/sim/fabric.ts';
import { startSimLab, type SimLab } from '../../src/lab/sim/lab.ts';
import type { SimDevice, SimFabric } from '../../src/lab/sim/types.ts';

export const HOSTILE_DEVICE = 'hv1';

/** What hv1 reports instead of the lab's names, and what a screen must show for each. */
export const HOSTILE = {
  // FRR shows the hostname the peer sent in its BGP hostname capability: the peer picks it. This
  // one sets the window title, clears the screen and scrollback, homes the cursor, paints red.
  hostname: 'spine1\u001b]0;owned by spine1\u0007\u001b[2J\u001b[3J\u001b[H\u001b[41m',
  // A Linux VRF is a netdev: up to 15 bytes, anything but `/`, `:` and whitespace. 8-bit CSI
  // (C1, which xterm honours after UTF-8 decoding): red, then concealed.
  vrf: 'blue\u009b31m\u009b8m',
  // Right-to-left override: a terminal with bidi draws the rest reversed ("tapblue-1").
  tap: 'tap\u202e1-eulb',
  // vtysh's `%` error on stdout, quoting text with a C1 CSI (8-bit ESC [), an OSC title and a bidi mark.
  error: '% Unknown command: \u009b2J\u001b]2;pwned\u0007\u202egib',
} as const;

/** The same strings as a screen shows them (safeText's visible escapes). */
export const SHOWN = {
  hostname: 'spine1\\x1b]0;owned by spine1\\x07\\x1b[2J\\x1b[3J\\x1b[H\\x1b[41m',
  vrf: 'blue\\x9b31m\\x9b8m',
  tap: 'tap\\u202e1-eulb',
  error: '% Unknown command: \\x9b2J\\x1b]2;pwned\\x07\\u202egib',
} as const;

const LAB_NAMES = { hostname: 'spine1', vrf: 'blue', tap: 'tap-blue-1' } as const;

/** FRR and iproute2 JSON-escape what they print; a replaced name is a JSON string the same way. */
function rewrite(command: string, stdout: string, failing: Failing): string {
  // A command fails the way vtysh fails: `%` text on stdout (the driver reports its first line).
  const fails = failing === 'all' || (failing === 'ipv6' && command.includes('show ipv6 route vrf all json'));
  if (fails) return `${HOSTILE.error}\n`;
  return stdout
    .replaceAll(`"hostname":"${LAB_NAMES.hostname}"`, `"hostname":${JSON.stringify(HOSTILE.hostname)}`)
    .replaceAll(JSON.stringify(LAB_NAMES.vrf), JSON.stringify(HOSTILE.vrf))
    .replaceAll(JSON.stringify(LAB_NAMES.tap), JSON.stringify(HOSTILE.tap));
}

/** Which of hv1's commands answer the `%` error: its IPv6 routes (the default), all, or none. */
export type Failing = 'ipv6' | 'all' | 'none';

export interface HostileLab {
  lab: SimLab;
  fail(which: Failing): void;
  close(): Promise<void>;
}

/** Starts the lab in `dir` with hv1 hostile; close() stops the servers and the fabric. */
export async function startHostileLab(dir: string): Promise<HostileLab> {
  const fabric: SimFabric = createSimFabric();
  let failing: Failing = 'ipv6';
  const hostile = (device: SimDevice): SimDevice => {
    if (device.name !== HOSTILE_DEVICE) return device;
    return {
      ...device,
      exec: async (command) => {
        const result = await device.exec(command);
        return { ...result, stdout: rewrite(command, result.stdout, failing) };
      },
    };
  };
  const wrapped: SimFabric = {
    ...fabric,
    devices: () => fabric.devices().map(hostile),
    device: (name) => {
      const found = fabric.device(name);
      return found && hostile(found);
    },
  };
  try {
    const lab = await startSimLab({ fabric: wrapped, dir, writeState: false });
    return {
      lab,
      fail: (which) => {
        failing = which;
      },
      close: async () => {
        await lab.stop();
        fabric.close();
      },
    };
  } catch (error) {
    fabric.close();
    throw error;
  }
}
