/**
 * Renders a network-config with the installed cloud-init (`devel net-convert`) for each of its
 * renderers and reads each rendering back as the guest's network stack would: does the NIC match
 * the MAC, and is each default route installable (its gateway on-link)? No vitest here; shared by
 * cloud-init-renderers.test.ts and the netns guest test.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parse } from 'yaml';

export const RENDERERS = ['eni', 'netplan', 'networkd', 'network-manager', 'sysconfig'] as const;
export type Renderer = (typeof RENDERERS)[number];

export function cloudInitVersion(): [number, number] | null {
  const out = spawnSync('cloud-init', ['--version'], { encoding: 'utf8' });
  if (out.status !== 0) return null;
  const m = /(\d+)\.(\d+)/.exec(`${out.stdout} ${out.stderr}`);
  return m ? [Number(m[1]), Number(m[2])] : null;
}

export const atLeast = (v: [number, number], major: number, minor: number): boolean =>
  v[0] > major || (v[0] === major && v[1] >= minor);

/** Every file net-convert wrote, by path below its output root. */
export function render(networkConfig: string, renderer: Renderer): Map<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'routedeck-render-'));
  try {
    writeFileSync(join(dir, 'network-config'), networkConfig);
    // sysconfig needs a RHEL-family distro (its templates); the others render the same for debian.
    const distro = renderer === 'sysconfig' ? 'rhel' : 'debian';
    const args = ['devel', 'net-convert', '-p', join(dir, 'network-config'), '-k', 'yaml'];
    execFileSync('cloud-init', [...args, '-D', distro, '-O', renderer, '-d', join(dir, 'out')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const files = new Map<string, string>();
    const walk = (d: string): void => {
      for (const name of readdirSync(d)) {
        const p = join(d, name);
        if (statSync(p).isDirectory()) walk(p);
        else files.set(relative(join(dir, 'out'), p), readFileSync(p, 'utf8'));
      }
    };
    walk(join(dir, 'out'));
    return files;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface FamilyVerdict {
  /** The rendering asks for a default route via this family's link-local gateway. */
  defaultVia: string | null;
  /** How the gateway is made on-link (the mechanism, quoted from the rendering); null: it is not. */
  onLink: string | null;
}

export interface Verdict {
  renderer: Renderer;
  macMatch: boolean;
  addresses: string[];
  v4: FamilyVerdict;
  v6: FamilyVerdict;
}

const GW4 = '169.254.0.1';
const GW6 = 'fe80::1';

function file(files: Map<string, string>, suffix: string): string {
  for (const [path, text] of files) if (path.endsWith(suffix)) return text;
  throw new Error(`no rendered file ending in ${suffix} (have: ${[...files.keys()].join(', ')})`);
}

/** INI sections in order, repeated names kept (networkd has one [Route] per route). */
function sections(text: string): { name: string; keys: Map<string, string> }[] {
  const out: { name: string; keys: Map<string, string> }[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const head = /^\[(.+)\]$/.exec(line);
    if (head) out.push({ name: head[1]!, keys: new Map() });
    else if (line && !line.startsWith('#') && out.length > 0) {
      const eq = line.indexOf('=');
      if (eq > 0) out.at(-1)!.keys.set(line.slice(0, eq), line.slice(eq + 1));
    }
  }
  return out;
}

/** fe80::1 is covered by the kernel's fe80::/64 on every link: a default via it always installs. */
const LINK_LOCAL6 = 'fe80::1 is link-local (the kernel’s fe80::/64 covers it)';

function eni(files: Map<string, string>, mac: string): Verdict {
  const text = file(files, 'interfaces.d/50-cloud-init');
  const stanza = (head: string): string[] => {
    const lines = text.split('\n');
    const start = lines.findIndex((l) => l.trim() === head);
    if (start < 0) return [];
    const end = lines.findIndex((l, i) => i > start && l.trim() === '');
    return lines.slice(start + 1, end < 0 ? undefined : end).map((l) => l.trim());
  };
  const v4 = stanza('iface eth0 inet static');
  const v6 = stanza('iface eth0 inet6 static');
  const rules = file(files, '70-persistent-net.rules');
  const gw = (lines: string[]) => lines.find((l) => l.startsWith('gateway '))?.slice(8) ?? null;
  return {
    renderer: 'eni',
    macMatch: rules.includes(`ATTR{address}=="${mac}"`) && rules.includes('NAME="eth0"'),
    addresses: [...v4, ...v6].filter((l) => l.startsWith('address ')).map((l) => l.slice(8)),
    // ifupdown's static methods run `ip route add default via GW dev IFACE onlink` (inet.defn, ≥ 0.8.19).
    v4: { defaultVia: gw(v4), onLink: gw(v4) ? `\`gateway ${gw(v4)}\` → ifupdown adds it onlink` : null },
    v6: { defaultVia: gw(v6), onLink: gw(v6) ? `\`gateway ${gw(v6)}\` → ifupdown adds it onlink` : null },
  };
}

interface NetplanRoute {
  to?: string;
  via?: string;
  'on-link'?: boolean;
  scope?: string;
}
interface NetplanEth {
  match?: { macaddress?: string };
  'set-name'?: string;
  addresses?: string[];
  gateway4?: string;
  gateway6?: string;
  routes?: NetplanRoute[];
}

function netplan(files: Map<string, string>, mac: string): Verdict {
  const doc = parse(file(files, 'netplan/50-cloud-init.yaml')) as {
    network: { ethernets: Record<string, NetplanEth> };
  };
  const eth = doc.network.ethernets['eth0'] ?? {};
  const routes = eth.routes ?? [];
  const isDefault = (to: string | undefined, family: 4 | 6) =>
    to === 'default' || to === (family === 4 ? '0.0.0.0/0' : '::/0');
  const family = (gw: string, n: 4 | 6, legacy: string | undefined): FamilyVerdict => {
    const route = routes.find((r) => isDefault(r.to, n) && r.via === gw);
    const hostRoute = routes.find((r) => r.to === `${gw}/32` && r.scope === 'link');
    const defaultVia = route ? gw : legacy === gw ? gw : null;
    const onLink =
      n === 6 && defaultVia
        ? LINK_LOCAL6
        : route?.['on-link'] === true
          ? '`on-link: true` on the default route'
          : hostRoute
            ? `host route ${gw}/32 scope link`
            : null;
    return { defaultVia, onLink };
  };
  return {
    renderer: 'netplan',
    macMatch: eth.match?.macaddress === mac && eth['set-name'] === 'eth0',
    addresses: eth.addresses ?? [],
    v4: family(GW4, 4, eth.gateway4),
    v6: family(GW6, 6, eth.gateway6),
  };
}

function networkd(files: Map<string, string>, mac: string): Verdict {
  const all = sections(file(files, '10-cloud-init-eth0.network'));
  const routes = all.filter((s) => s.name === 'Route').map((s) => s.keys);
  const family = (gw: string, n: 4 | 6): FamilyVerdict => {
    const dflt = routes.find(
      (r) =>
        r.get('Gateway') === gw && [undefined, n === 4 ? '0.0.0.0/0' : '::/0'].includes(r.get('Destination')),
    );
    const host = routes.find((r) => r.get('Destination') === `${gw}/32` && r.get('Scope') === 'link');
    const onLink = !dflt
      ? null
      : n === 6
        ? LINK_LOCAL6
        : ['yes', 'true'].includes(dflt.get('GatewayOnLink') ?? '')
          ? `GatewayOnLink=${dflt.get('GatewayOnLink')}`
          : host
            ? `[Route] Destination=${gw}/32 Scope=link`
            : null;
    return { defaultVia: dflt ? gw : null, onLink };
  };
  return {
    renderer: 'networkd',
    macMatch: all.some(
      (s) => s.name === 'Match' && s.keys.get('MACAddress') === mac && s.keys.get('Name') === 'eth0',
    ),
    addresses: all.filter((s) => s.name === 'Address').map((s) => s.keys.get('Address') ?? ''),
    v4: family(GW4, 4),
    v6: family(GW6, 6),
  };
}

function networkManager(files: Map<string, string>, mac: string): Verdict {
  const all = sections(file(files, 'cloud-init-eth0.nmconnection'));
  const get = (section: string) => all.find((s) => s.name === section)?.keys ?? new Map<string, string>();
  const family = (section: 'ipv4' | 'ipv6', gw: string): FamilyVerdict => {
    const keys = get(section);
    const ok = keys.get('method') === 'manual' || section === 'ipv6';
    // A default route may also come as `routeN=0.0.0.0/0,GW` (+ `routeN_options=onlink=true`).
    const dflt = section === 'ipv4' ? '0.0.0.0/0' : '::/0';
    const route = [...keys.entries()].find(([k, v]) => /^route\d+$/.test(k) && v === `${dflt},${gw}`);
    const routeOnLink = route && /onlink=true/.test(keys.get(`${route[0]}_options`) ?? '');
    const defaultVia = ok && (keys.get('gateway') === gw || route) ? gw : null;
    return {
      defaultVia,
      onLink: !defaultVia
        ? null
        : section === 'ipv6'
          ? `${LINK_LOCAL6}; method=${keys.get('method')}`
          : routeOnLink
            ? `${route[0]}_options=onlink=true`
            : keys.get('gateway') === gw
              ? '`gateway=` of a manual connection: NetworkManager adds a device route to an off-subnet gateway'
              : null,
    };
  };
  return {
    renderer: 'network-manager',
    macMatch: get('ethernet').get('mac-address')?.toLowerCase() === mac,
    addresses: ['ipv4', 'ipv6'].flatMap((s) =>
      [...get(s).entries()].filter(([k]) => /^address\d+$/.test(k)).map(([, v]) => v),
    ),
    v4: family('ipv4', GW4),
    v6: family('ipv6', GW6),
  };
}

function sysconfig(files: Map<string, string>, mac: string): Verdict {
  const keys = new Map(
    file(files, 'network-scripts/ifcfg-eth0')
      .split('\n')
      .filter((l) => l.includes('=') && !l.startsWith('#'))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const),
  );
  const legacy = keys.get('NM_CONTROLLED') === 'no';
  const v4gw = keys.get('GATEWAY') === GW4 ? GW4 : null;
  const v6gw = keys.get('IPV6_DEFAULTGW') === GW6 ? GW6 : null;
  return {
    renderer: 'sysconfig',
    macMatch: keys.get('HWADDR')?.toLowerCase() === mac,
    addresses: [`${keys.get('IPADDR')}/${keys.get('NETMASK')}`, keys.get('IPV6ADDR') ?? ''],
    // network-scripts' ifup-eth installs GATEWAY only when `ipcalc --network GATEWAY NETMASK` is the
    // address's network — never for a /32's off-subnet gateway; NetworkManager (ifcfg-rh) does.
    v4: { defaultVia: v4gw, onLink: v4gw && !legacy ? 'GATEWAY= read by NetworkManager (ifcfg-rh)' : null },
    v6: { defaultVia: v6gw, onLink: v6gw ? LINK_LOCAL6 : null },
  };
}

export function verdict(renderer: Renderer, files: Map<string, string>, mac: string): Verdict {
  const m = mac.toLowerCase();
  switch (renderer) {
    case 'eni':
      return eni(files, m);
    case 'netplan':
      return netplan(files, m);
    case 'networkd':
      return networkd(files, m);
    case 'network-manager':
      return networkManager(files, m);
    case 'sysconfig':
      return sysconfig(files, m);
  }
}
