import { BIN, runInNamespace, tryRunInNamespace } from './exec.ts';
import { labNamespace, WORKLOADS } from './topology.ts';

/**
 * The per-TAP anti-spoofing table of shared/reference/lab/vmguard.nft, one per hypervisor: only a
 * workload's own /32, /64 and fe80::/64 may be a source on its TAP. Plans add and delete elements
 * (`nft add element inet vmguard allow4 { "tap-x" . a.b.c.d/32 }`), so the table must exist first.
 * Unlike the reference (one `counter drop` for every TAP), the final drop also updates the dynamic
 * set `spoofed`, whose per-element counters say which TAP sent the spoofed packets. A guest also
 * sends MLDv2 reports from `::` while its link-local is tentative (RFC 3810 §5.2.13); the reference
 * drops and counts those as spoofed (2 per TAP at boot, measured here), so they are accepted too.
 */
export const VMGUARD_TABLE = 'vmguard';

export function renderVmguard(hypervisor: string): string {
  const mine = WORKLOADS.filter((w) => w.host === hypervisor);
  const elements = (items: string[]): string =>
    items.length > 0 ? `\n    elements = { ${items.join(', ')} }` : '';
  const allow4 = mine.map((w) => `"${w.tap}" . ${w.ipv4}/32`);
  const allow6 = mine.flatMap((w) => [`"${w.tap}" . ${w.ipv6Prefix}`, `"${w.tap}" . fe80::/64`]);
  return `table inet ${VMGUARD_TABLE} {
  set allow4 {
    type ifname . ipv4_addr; flags interval;${elements(allow4)}
  }
  set allow6 {
    type ifname . ipv6_addr; flags interval;${elements(allow6)}
  }
  set spoofed {
    type ifname; flags dynamic; counter;
  }
  chain pre {
    type filter hook prerouting priority raw; policy accept;
    iifname != "tap*" accept
    udp sport 67 udp dport 68 counter drop comment "guest acting as DHCPv4 server"
    udp sport 547 udp dport 546 counter drop comment "guest acting as DHCPv6 server"
    icmpv6 type { nd-router-advert, nd-redirect } counter drop comment "guest RA/redirect"
    ip6 saddr :: icmpv6 type { nd-neighbor-solicit, mld2-listener-report } accept comment "DAD, MLD before the link-local is valid"
    iifname . ip saddr @allow4 accept
    iifname . ip6 saddr @allow6 accept
    update @spoofed { iifname } counter drop comment "source not allowed on this tap"
  }
}
`;
}

export async function installVmguard(hypervisor: string): Promise<void> {
  await runInNamespace(labNamespace(hypervisor), [BIN.nft, '-f', '-'], { input: renderVmguard(hypervisor) });
}

/** A lab built before the table (or its per-TAP `spoofed` set) existed is rebuilt by `up` rather than kept. */
export async function vmguardPresent(hypervisor: string): Promise<boolean> {
  const r = await tryRunInNamespace(labNamespace(hypervisor), [
    BIN.nft,
    'list',
    'set',
    'inet',
    VMGUARD_TABLE,
    'spoofed',
  ]);
  return r.code === 0;
}
