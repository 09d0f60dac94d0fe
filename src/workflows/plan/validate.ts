/**
 * Checks every value that reaches a command or a generated file before a planner produces
 * anything (DESIGN.md, Safety): a bad name is a PlanError, never a quoted-but-wrong command.
 */
import { cidrContains, familyOf, parseCidr } from '../../addr/cidr.ts';
import { isValidDeviceName, isValidInterfaceName, isValidVrfName } from '../../drivers/names.ts';
import type { DeviceSpec } from '../../model/device.ts';
import type { WorkloadRecord } from '../../model/plan.ts';
import type { TenantSpec } from '../../model/workload.ts';

export class PlanError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PlanError';
  }
}

// A DNS label (RFC 1123): the name becomes the guest's hostname and a compute-hook argument.
const WORKLOAD_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
// `tap-` plus up to 11 characters: the kernel's 15-character IFNAMSIZ limit, and the `tap*`
// match of the vmguard chain.
const TAP_NAME = /^tap-[A-Za-z0-9_.-]{1,11}$/;
// `sudo -n`, `doas`, or nothing: words of a command prefix, no shell syntax.
const PRIVILEGE = /^(?:[A-Za-z0-9_./=-]+(?: [A-Za-z0-9_./=-]+)*)?$/;
const MAC = /^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/i;

export function checkDevice(device: DeviceSpec, role: DeviceSpec['role'], what: string): void {
  if (!isValidDeviceName(device.name))
    throw new PlanError(`${what} name ${JSON.stringify(device.name)} is not a valid device name`);
  if (device.role !== role) throw new PlanError(`${what} ${device.name} is a ${device.role}, not a ${role}`);
  if (!PRIVILEGE.test(device.privilege)) {
    throw new PlanError(
      `${device.name}: privilege prefix ${JSON.stringify(device.privilege)} must be plain words such as "sudo -n"`,
    );
  }
}

export function checkRouters(routers: readonly string[]): void {
  if (routers.length === 0) throw new PlanError('no routers to verify on: a plan must check the fabric');
  for (const r of routers)
    if (!isValidDeviceName(r))
      throw new PlanError(`router name ${JSON.stringify(r)} is not a valid device name`);
}

export function checkMac(mac: string): void {
  if (!MAC.test(mac))
    throw new PlanError(`MAC address ${JSON.stringify(mac)} is not of the form 52:54:00:12:34:56`);
  // The I/G bit: a multicast MAC on a guest NIC never works.
  if (parseInt(mac.slice(0, 2), 16) & 1) throw new PlanError(`MAC address ${mac} is multicast`);
}

function inPools(pools: readonly string[], value: string): boolean {
  return pools.some((pool) => cidrContains(parseCidr(pool), value));
}

/** The workload's names and addresses, and their fit with its tenant. */
export function checkWorkload(workload: WorkloadRecord, tenant: TenantSpec): void {
  if (!WORKLOAD_NAME.test(workload.name)) {
    throw new PlanError(
      `workload name ${JSON.stringify(workload.name)} must be a DNS label (a-z, 0-9, -; at most 63)`,
    );
  }
  if (!TAP_NAME.test(workload.tap) || !isValidInterfaceName(workload.tap)) {
    throw new PlanError(
      `TAP name ${JSON.stringify(workload.tap)} must be tap-… with at most 15 characters in all (A-Z a-z 0-9 _ . -)`,
    );
  }
  if (workload.tenant !== tenant.name) {
    throw new PlanError(`workload ${workload.name} belongs to tenant ${workload.tenant}, not ${tenant.name}`);
  }
  const vrf = tenant.vrf ?? 'default';
  if (workload.vrf !== vrf)
    throw new PlanError(
      `workload ${workload.name} is in VRF ${workload.vrf} but tenant ${tenant.name} uses ${vrf}`,
    );
  if (vrf !== 'default' && !isValidVrfName(vrf))
    throw new PlanError(`VRF name ${JSON.stringify(vrf)} is not valid`);
  if (familyOf(workload.ipv4) !== 4 || workload.ipv4.includes('/')) {
    throw new PlanError(`IPv4 address ${JSON.stringify(workload.ipv4)} is not a bare IPv4 address`);
  }
  if (!inPools(tenant.pools4, workload.ipv4))
    throw new PlanError(`${workload.ipv4} is outside tenant ${tenant.name}'s IPv4 pools`);
  if (familyOf(workload.ipv6Prefix) !== 6 || !workload.ipv6Prefix.endsWith('/64')) {
    throw new PlanError(`IPv6 prefix ${JSON.stringify(workload.ipv6Prefix)} is not a /64`);
  }
  try {
    parseCidr(workload.ipv6Prefix);
  } catch (error) {
    throw new PlanError(`IPv6 prefix: ${(error as Error).message}`);
  }
  if (!inPools(tenant.pools6, workload.ipv6Prefix)) {
    throw new PlanError(`${workload.ipv6Prefix} is outside tenant ${tenant.name}'s IPv6 pools`);
  }
  for (const extra of workload.extraAllowed) {
    try {
      parseCidr(extra.includes('/') ? extra : `${extra}/${familyOf(extra) === 6 ? 128 : 32}`);
    } catch (error) {
      throw new PlanError(`extra allowed address ${JSON.stringify(extra)}: ${(error as Error).message}`);
    }
  }
}

/** A live conflict is a refusal: an address announced from another host is someone else's. */
export function checkAnnouncers(
  prefix: string,
  announcers: readonly string[],
  allowed: readonly string[],
): void {
  const others = announcers.filter((host) => !allowed.includes(host));
  if (others.length > 0)
    throw new PlanError(`${prefix} is already announced by ${others.join(', ')}; refusing to plan`);
}
