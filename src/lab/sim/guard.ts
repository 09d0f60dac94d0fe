/**
 * Anti-spoofing events on a simulated hypervisor: a guest sending from a foreign source (vmguard
 * drops and counts it per TAP), and drift (a set element changed by hand, behind routedeck's back).
 */
import { ToolError } from './model/errors.ts';
import type { SimNode } from './model/node.ts';
import { nft } from './shell/nft.ts';

/** A 64-byte ICMP echo with a foreign source, as the real capture's 84-byte IPv4 pings minus L2. */
const SPOOF_PACKET_BYTES = 84;

function hypervisor(node: SimNode | undefined, device: string): SimNode {
  if (!node || node.spec.role !== 'hypervisor') throw new Error(`${device} is not a hypervisor of the lab`);
  return node;
}

export function spoofFrom(node: SimNode | undefined, device: string, tap: string, packets: number): void {
  const hv = hypervisor(node, device);
  if (!Number.isInteger(packets) || packets < 1 || packets > 1_000_000)
    throw new Error(`packets must be a whole number from 1 to 1000000, got ${String(packets)}`);
  try {
    hv.kernel.link(tap);
  } catch {
    throw new Error(`${device} has no interface ${JSON.stringify(tap)}`);
  }
  if (!tap.startsWith('tap')) throw new Error(`${tap} is not a TAP (vmguard only filters tap*)`);
  const c = hv.nft.spoofed.get(tap) ?? { packets: 0, bytes: 0 };
  hv.nft.spoofed.set(tap, { packets: c.packets + packets, bytes: c.bytes + packets * SPOOF_PACKET_BYTES });
}

/** The same `nft add|delete element` an engineer would type on the host; nft's errors become plain ones. */
export function editGuardSet(
  node: SimNode | undefined,
  device: string,
  op: 'add' | 'delete',
  set: 'allow4' | 'allow6',
  tap: string,
  cidr: string,
): void {
  const hv = hypervisor(node, device);
  if (!/^[A-Za-z0-9_.+-]{1,15}$/.test(tap))
    throw new Error(`${JSON.stringify(tap)} is not an interface name`);
  try {
    nft(hv, [op, 'element', 'inet', 'vmguard', set, `{ "${tap}" . ${cidr} }`], true);
  } catch (error) {
    if (error instanceof ToolError) throw new Error(error.message.split('\n')[0] ?? 'nft failed');
    throw error;
  }
}
