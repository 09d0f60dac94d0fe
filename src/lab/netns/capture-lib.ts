import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BIN, tryRunInNamespace } from './exec.ts';
import { labNamespace } from './topology.ts';

/** fixtures/frr-8.4/ at the repository root (this file is in src/lab/netns/). */
export const FIXTURE_DIR = fileURLToPath(new URL('../../../fixtures/frr-8.4/', import.meta.url));

export interface Capture {
  device: string;
  /** Fixture path relative to FIXTURE_DIR. */
  file: string;
  /** The command exactly as run on the device (what the console would send over SSH). */
  command: string;
  exitCode: number;
  stderr: string;
  /** Lab state when captured, when it is not the normal converged lab. */
  state?: string;
}

/** `show bgp ipv4 unicast 198.51.100.11/32 json` → `show-bgp-ipv4-unicast-198-51-100-11-32-json`. */
export function slug(command: string): string {
  return command
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** Both kinds of command the frr-linux driver sends: vtysh (by pathspace) and plain argv. */
export type DeviceCommand = { vtysh: string } | { argv: string[] };

export function commandText(device: string, cmd: DeviceCommand): string {
  return 'vtysh' in cmd ? `vtysh -N ${device} -c '${cmd.vtysh}'` : cmd.argv.join(' ');
}

function argvFor(device: string, cmd: DeviceCommand): string[] {
  if ('vtysh' in cmd) return [BIN.vtysh, '-N', device, '-c', cmd.vtysh];
  const [bin, ...rest] = cmd.argv;
  return [bin === 'ip' ? BIN.ip : bin === 'nft' ? BIN.nft : (bin ?? ''), ...rest];
}

/**
 * Runs one command in the device's namespace and stores its stdout byte for byte (even when it
 * is not JSON, e.g. vtysh's answer when bgpd is down); exit code and stderr go to the manifest.
 */
export async function capture(
  device: string,
  cmd: DeviceCommand,
  variant?: string,
  ext = 'json',
): Promise<Capture> {
  const r = await tryRunInNamespace(labNamespace(device), argvFor(device, cmd), { timeoutMs: 30_000 });
  const base = slug('vtysh' in cmd ? cmd.vtysh : cmd.argv.join(' '));
  const file = path.join(device, `${base}${variant ? `--${variant}` : ''}.${ext}`);
  await mkdir(path.join(FIXTURE_DIR, device), { recursive: true });
  await writeFile(path.join(FIXTURE_DIR, file), r.stdout);
  const c: Capture = { device, file, command: commandText(device, cmd), exitCode: r.code, stderr: r.stderr };
  if (variant) c.state = variant;
  return c;
}

export interface Provenance {
  frrVersion: string;
  iproute2: string;
  nftables: string;
  kernel: string;
  date: string;
}

export function renderReadme(
  p: Provenance,
  captures: readonly Capture[],
  states: Record<string, string>,
): string {
  const rows = captures.map(
    (c) =>
      `| \`${c.file}\` | \`${c.command}\` | ${c.exitCode} | ${c.state ? (states[c.state] ?? c.state) : 'converged'} |`,
  );
  return `# FRR 8.4 fixtures (captured from real daemons)

Raw output of real FRR and iproute2, captured by \`node --import tsx src/lab/netns/capture-fixtures.ts\`
from the namespace lab (\`src/lab/netns/\`). Parsers are tested on these files; do not edit them by hand —
re-run the capture instead. Every file holds the command's stdout byte for byte (a file whose command
failed may not be JSON); exit codes and stderr are in \`manifest.json\`.

## Provenance

- FRR: ${p.frrVersion}
- iproute2: ${p.iproute2}
- nftables: ${p.nftables}
- kernel: ${p.kernel} (no VRF or WireGuard support, so the \`vrf all\` outputs list only the default VRF)
- captured: ${p.date}

## The lab

- \`rtr1\`, \`rtr2\`: AS 65000, \`bgp always-compare-med\`; \`hv1\`, \`hv2\`, \`hv3\`: AS 65101/65102/65103.
  Router ids 10.255.255.1, .2, .11, .12, .13.
- One Linux network namespace per device (\`rd-<device>\`), running zebra, staticd and bgpd with FRR
  pathspace \`-N <device>\`; commands are run as \`vtysh -N <device> -c '…'\` inside the namespace.
- \`frr defaults datacenter\`, unnumbered eBGP over point-to-point veths (\`neighbor <if> interface
  remote-as external\`), IPv4 and IPv6 unicast; on routers the interfaces are \`dn-hv1..3\`, on hypervisors
  \`up-rtr1\`, \`up-rtr2\`. Peers therefore appear keyed by **interface name**, and IPv4 routes have IPv6
  link-local next hops (RFC 8950).
- Workloads are namespaces behind veths named like TAPs (\`tap-acme-1\` …): host side \`169.254.0.1/32\` and
  \`fe80::1/64\`, kernel routes \`<ip>/32 dev tap-x\` and \`<net>/64 dev tap-x\`, redistributed by the
  hypervisors through route-maps on prefix-lists built from the tenant pools (MED 100, or MED 0 for a
  kernel metric of 512).
  - acme (198.51.100.0/24, 2001:db8:a::/48): acme-1 on hv1 198.51.100.10 + 2001:db8:a:10::/64,
    acme-2 on hv2 .11 + 2001:db8:a:11::/64, acme-3 on hv3 .12 + 2001:db8:a:12::/64
  - globex (203.0.113.0/24, 2001:db8:b::/48): globex-1 on hv2 203.0.113.10 + 2001:db8:b:10::/64,
    globex-2 on hv3 .11 + 2001:db8:b:11::/64, globex-3 on hv1 .12 + 2001:db8:b:12::/64
  - Each workload also has a leg on the other hypervisors (a veth with the same TAP name, down and
    without addresses) that a migration plan sets up.
- Management: 198.18.0.0/24 on \`mgmt0\` in each device namespace (rtr1 .11, rtr2 .12, hv1 .21, hv2 .22,
  hv3 .23), connected only to a bridge in the root namespace.

## Notes for parser authors (observed in these captures)

- Peers are keyed by interface name (\`"dn-hv1"\`, \`"idType":"interface"\`), with the remote's
  \`hostname\`; IPv4 paths carry two next hops with the same IPv6 link-local address (scope
  \`global\` and \`link-local\`, the latter \`"used":true\`). MED is the path's \`metric\`.
- \`show bgp vrf all summary json\` and \`show bgp vrf all neighbors json\` add a level keyed by VRF
  name (\`"default"\`); \`show ip route vrf all json\` and \`show ipv6 route vrf all json\` do **not** —
  with only the default VRF they are byte-identical to the plain commands. (No VRF could be created on
  this kernel, so the multi-VRF shape is not captured here.)
- \`show evpn vni json\` prints nothing at all (0 bytes, exit 0) when no EVPN is configured.
- With bgpd not running, vtysh prints \`bgpd is not running\` on **stderr**, nothing on stdout, and
  exits 1 (see \`manifest.json\`).
- \`*--elevated-overlap\` files show a make-before-break migration: two paths, best chosen with
  \`"selectionReason":"MED"\` across different neighbour ASes (\`bgp always-compare-med\`).

## Files

| file | command | exit | lab state |
|---|---|---|---|
${rows.join('\n')}
`;
}
