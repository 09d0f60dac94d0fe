/**
 * Inventory YAML for the inventory benchmark and tests: many tenants with distinct pools in one VRF
 * (the overlap check's worst case), and the aliasing shapes that used to hang or crash the loader.
 */
const DEVICE = 'devices:\n  - { name: r1, role: router, kind: vyos, host: 192.0.2.1 }\n';

/** The i-th tenant's pools: a /24 and a /48 no other tenant's pools touch (i < 65,536). */
export function tenantPools(i: number): { v4: string; v6: string } {
  return { v4: `10.${i >> 8}.${i & 255}.0/24`, v6: `2001:db8:${i.toString(16)}::/48` };
}

/** `count` tenants in the default VRF, then `extra` tenant lines verbatim (e.g. an overlapping one). */
export function tenantsInventory(count: number, extra: string[] = []): string {
  const lines = [DEVICE, 'tenants:\n'];
  for (let i = 0; i < count; i++) {
    const { v4, v6 } = tenantPools(i);
    lines.push(`  - { name: t${i}, pools4: [${v4}], pools6: ["${v6}"] }\n`);
  }
  for (const line of extra) lines.push(`  - ${line}\n`);
  return lines.join('');
}

/** One anchored list of `pools` IPv4 pools, aliased by `tenants` tenants, each in a VRF of its own. */
export function aliasedPoolsInventory(pools: number, tenants: number): string {
  const list = Array.from({ length: pools }, (_, i) => tenantPools(i).v4).join(', ');
  const lines = [DEVICE, 'tenants:\n', `  - { name: a0, vrf: v0, pools4: &pools [${list}] }\n`];
  for (let i = 1; i < tenants; i++) lines.push(`  - { name: a${i}, vrf: v${i}, pools4: *pools }\n`);
  return lines.join('');
}

/** The "billion laughs": each level a list of nine aliases to the level before. */
export function aliasBomb(levels = 9): string {
  const lines = [DEVICE, `name: &l0 lol\n`, 'x:\n'];
  for (let level = 1; level <= levels; level++) {
    lines.push(
      `  l${level}: &l${level} [${Array(9)
        .fill(`*l${level - 1}`)
        .join(', ')}]\n`,
    );
  }
  return lines.join('');
}
