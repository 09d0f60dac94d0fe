/**
 * nftables for Linux edges (reference §6, measured on nftables 1.0.6; prefix NAT needs ≥ 0.9.5).
 * The table is data: its text is both the config lines of the preview diff and the argument sent.
 */
import { shellJoin } from '../../transport/ssh/quote.ts';
import { nftTableName, type SharedServiceDesign, type TenantSide } from './design.ts';

export interface NftChain {
  name: string;
  hook: 'prerouting' | 'postrouting';
  priority: 'dstnat' | 'srcnat';
  rules: string[];
}

export interface NftTable {
  family: 'ip';
  name: string;
  chains: NftChain[];
}

export function tenantTable(d: SharedServiceDesign, t: TenantSide): NftTable {
  return {
    family: 'ip',
    name: nftTableName(d.name),
    chains: [
      {
        name: 'pre',
        hook: 'prerouting',
        priority: 'dstnat',
        rules: [`iifname "${t.tenantIf}" ip daddr ${d.local} dnat ip to ${d.serviceTransit}`],
      },
      {
        name: 'post',
        hook: 'postrouting',
        priority: 'srcnat',
        rules: [
          `oifname "${t.transitIf}" ip daddr ${d.serviceTransit} snat ip prefix to ip saddr map { ${t.private} : ${t.slice} }`,
        ],
      },
    ],
  };
}

export function providerTable(d: SharedServiceDesign): NftTable {
  const iif = d.provider.transitIf ? `iifname "${d.provider.transitIf}" ` : '';
  return {
    family: 'ip',
    name: nftTableName(d.name),
    chains: [
      {
        name: 'pre',
        hook: 'prerouting',
        priority: 'dstnat',
        rules: [`${iif}ip daddr ${d.serviceTransit} dnat ip to ${d.service}`],
      },
    ],
  };
}

const chainHead = (c: NftChain) => `type nat hook ${c.hook} priority ${c.priority}; policy accept;`;

/** The table as `nft list ruleset` prints it: the preview's config lines. */
export function nftLines(t: NftTable): string[] {
  return [
    `table ${t.family} ${t.name} {`,
    ...t.chains.flatMap((c) => [
      `  chain ${c.name} {`,
      `    ${chainHead(c)}`,
      ...c.rules.map((r) => `    ${r}`),
      '  }',
    ]),
    '}',
  ];
}

/** The same table on one line, as one nft command (one transaction: all of it or nothing). */
export function nftInline(t: NftTable): string {
  const chains = t.chains.map(
    (c) => `chain ${c.name} { ${chainHead(c)} ${c.rules.map((r) => `${r};`).join(' ')} };`,
  );
  return `table ${t.family} ${t.name} { ${chains.join(' ')} }`;
}

const run = (privilege: string, args: string[]) =>
  privilege ? `${privilege} ${shellJoin(args)}` : shellJoin(args);

/**
 * Commands that install the table: `create table` first fails if the table is already there (a
 * service of that name is installed), so the step stops before touching it and nothing is undone.
 */
export function nftInstall(t: NftTable, privilege: string): string[] {
  return [
    run(privilege, ['nft', 'create', 'table', t.family, t.name]),
    run(privilege, ['nft', nftInline(t)]),
  ];
}

export function nftRemove(t: NftTable, privilege: string): string[] {
  return [run(privilege, ['nft', 'delete', 'table', t.family, t.name])];
}

export interface RouteOp {
  prefix: string;
  via: string;
}

export function routeCommand(op: 'add' | 'del', r: RouteOp, privilege: string): string {
  return run(privilege, ['ip', 'route', op, r.prefix, 'via', r.via]);
}

export function routeLine(r: RouteOp): string {
  return `route ${r.prefix} via ${r.via}`;
}
