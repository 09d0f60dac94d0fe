/**
 * A tenant to provision, what the planner needs to know of each device (read from the live store and
 * the routers' APIs by the service), and the checks every value passes before it reaches a command.
 */
import { cidrFamily, cidrsOverlap, cidrText, parseCidr } from '../../addr/cidr.ts';
import { isValidInterfaceName, isValidVrfName } from '../../drivers/names.ts';
import { vyosVrfNameProblem } from '../../drivers/vyos/names.ts';
import type { DeviceSpec } from '../../model/device.ts';
import type { TenantSpec } from '../../model/workload.ts';
import { checkDevice, PlanError } from '../plan/validate.ts';

export interface TenantIntent {
  name: string;
  vrf: string;
  /** Kernel routing table of the VRF (VyOS: 100–65535); also the VLAN id of the VRF-lite uplinks. */
  table: number;
  /** Route distinguisher, `ASN:NN` or `IPv4:NN`. */
  rd: string;
  rtImport: string[];
  rtExport: string[];
  /** L3 VNI, where the fabric runs EVPN. */
  vni?: number;
  pools4: string[];
  pools6: string[];
}

/** A router as the planner sees it: its VyOS version (probed), its AS, its hypervisor uplinks. */
export interface RouterFacts {
  name: string;
  /** `1.3`, `1.4`, `1.5-rolling…`: from `GET /info` (1.5+) or the config's shape. */
  version: string;
  /** The API takes `confirm_time` (1.5 rolling, 2025+). */
  commitConfirm: boolean;
  /** `system config-management commit-confirm action` on the router (VyOS's default: reboot). */
  confirmAction?: 'reboot' | 'reload';
  asn: string;
  /** Ethernet interfaces facing each hypervisor (its default-VRF unnumbered sessions). */
  uplinks: { iface: string; host: string }[];
  vrfs: { name: string; table: number | null }[];
  interfaces: string[];
}

export interface HostFacts {
  spec: DeviceSpec;
  asn: string;
  uplinks: { iface: string; router: string }[];
  vrfs: { name: string; table: number | null }[];
  interfaces: string[];
}

export interface TenantPlanInput {
  intent: TenantIntent;
  routers: RouterFacts[];
  hosts: HostFacts[];
  /** Tenants the registry knows. */
  tenants: TenantSpec[];
  /** Commit-confirm window on routers that have it. */
  confirmMinutes: number;
}

const TENANT_NAME = /^[a-z][a-z0-9-]{0,30}$/;
// `ASN:NN` (2- or 4-byte ASN) or `A.B.C.D:NN`: what FRR accepts for an RD or a route target.
const RD_RT = /^(?:\d{1,10}|\d{1,3}(?:\.\d{1,3}){3}):\d{1,10}$/;
const ASN = /^\d{1,10}$/;

export const MAX_VLAN_ID = 4094;

function pools(list: readonly string[], family: 4 | 6, what: string): string[] {
  if (list.length === 0) throw new PlanError(`a tenant needs an IPv${family} pool (${what})`);
  return list.map((text) => {
    let cidr;
    try {
      cidr = parseCidr(text);
    } catch (error) {
      throw new PlanError(`${what} ${JSON.stringify(text)} is not a CIDR: ${(error as Error).message}`);
    }
    if (cidrFamily(cidr) !== family) throw new PlanError(`${what} ${text} is not an IPv${family} prefix`);
    if (cidrText(cidr) !== text)
      throw new PlanError(`${what} ${text} is not a network address (did you mean ${cidrText(cidr)}?)`);
    const length = Number(text.split('/')[1]);
    if (length > (family === 4 ? 30 : 60))
      throw new PlanError(`${what} ${text} is too small for workloads (/32 and /64 each)`);
    return text;
  });
}

/** Every refusal a tenant plan can meet before anything is planned, each a sentence to act on. */
export function checkTenantInput(input: TenantPlanInput): void {
  const { intent: t, routers, hosts } = input;
  if (!TENANT_NAME.test(t.name))
    throw new PlanError(
      `tenant name ${JSON.stringify(t.name)} must be lower-case letters, digits and dashes (a letter first, ≤ 31)`,
    );
  if (!isValidVrfName(t.vrf) || t.vrf === 'default' || t.vrf.length > 15)
    throw new PlanError(
      `VRF name ${JSON.stringify(t.vrf)} is not valid (a device name: ≤ 15 characters, not "default")`,
    );
  // The routers are VyOS: a name its vrf-name validator refuses would only fail at commit.
  const vyosProblem = routers.length > 0 ? vyosVrfNameProblem(t.vrf) : null;
  if (vyosProblem) throw new PlanError(`VRF name ${JSON.stringify(t.vrf)}: ${vyosProblem}`);
  if (!Number.isInteger(t.table) || t.table < 100 || t.table > 65535)
    throw new PlanError(`table ${t.table} is outside VyOS's VRF table range 100–65535`);
  if (t.table > MAX_VLAN_ID)
    throw new PlanError(
      `table ${t.table} cannot be the VLAN id of the VRF-lite uplinks (at most ${MAX_VLAN_ID})`,
    );
  if (!RD_RT.test(t.rd)) throw new PlanError(`RD ${JSON.stringify(t.rd)} must be ASN:NN or A.B.C.D:NN`);
  if (t.rtImport.length === 0 || t.rtExport.length === 0)
    throw new PlanError('a tenant VRF needs at least one import and one export route target');
  for (const rt of [...t.rtImport, ...t.rtExport])
    if (!RD_RT.test(rt))
      throw new PlanError(`route target ${JSON.stringify(rt)} must be ASN:NN or A.B.C.D:NN`);
  if (t.vni !== undefined && (!Number.isInteger(t.vni) || t.vni < 1 || t.vni > 16_777_214))
    throw new PlanError(`VNI ${t.vni} is outside 1–16777214`);
  const all = [...pools(t.pools4, 4, '--pool4'), ...pools(t.pools6, 6, '--pool6')].map(parseCidr);
  all.forEach((a, i) =>
    all.slice(i + 1).forEach((b) => {
      if (cidrsOverlap(a, b)) throw new PlanError(`pools ${cidrText(a)} and ${cidrText(b)} overlap`);
    }),
  );
  const clash = input.tenants.find((x) => x.name === t.name || (x.vrf ?? 'default') === t.vrf);
  if (clash)
    throw new PlanError(
      clash.name === t.name
        ? `tenant ${t.name} already exists (VRF ${clash.vrf ?? 'default'})`
        : `VRF ${t.vrf} already belongs to tenant ${clash.name}`,
    );
  if (routers.length === 0) throw new PlanError('the inventory has no routers to provision the VRF on');
  for (const r of routers) {
    if (/^1\.[0-3](\D|$)/.test(r.version))
      throw new PlanError(
        `${r.name} runs VyOS ${r.version}, which has no BGP inside a VRF (\`vrf name X protocols bgp\` is 1.4+; ` +
          '1.3 VRFs route statically only): upgrade it, or provision this tenant on it by hand',
      );
    if (!ASN.test(r.asn))
      throw new PlanError(`${r.name}: cannot tell its BGP AS (got ${JSON.stringify(r.asn)})`);
    if (r.uplinks.length === 0)
      throw new PlanError(`${r.name} has no unnumbered sessions to hypervisors to carry the VRF`);
    checkFree(r.name, r, t);
  }
  if (hosts.length === 0) throw new PlanError('the inventory has no hypervisors to extend the VRF to');
  for (const h of hosts) {
    checkDevice(h.spec, 'hypervisor', 'hypervisor');
    if (!ASN.test(h.asn))
      throw new PlanError(`${h.spec.name}: cannot tell its BGP AS (got ${JSON.stringify(h.asn)})`);
    if (h.uplinks.length === 0)
      throw new PlanError(`${h.spec.name} has no unnumbered sessions to the routers`);
    checkFree(h.spec.name, h, t);
  }
}

function checkFree(
  device: string,
  facts: { vrfs: RouterFacts['vrfs']; interfaces: string[]; uplinks: { iface: string }[] },
  t: TenantIntent,
): void {
  const same = facts.vrfs.find((v) => v.name === t.vrf);
  if (same)
    throw new PlanError(
      `${device} already has VRF ${t.vrf} (table ${same.table ?? '?'}); nothing to provision there`,
    );
  const table = facts.vrfs.find((v) => v.table === t.table);
  if (table) throw new PlanError(`${device}: table ${t.table} is already VRF ${table.name}'s`);
  for (const { iface } of facts.uplinks) {
    const sub = `${iface}.${t.table}`;
    if (!isValidInterfaceName(sub))
      throw new PlanError(`${device}: sub-interface ${sub} is not a valid interface name`);
    if (facts.interfaces.includes(sub)) throw new PlanError(`${device} already has interface ${sub}`);
  }
}
