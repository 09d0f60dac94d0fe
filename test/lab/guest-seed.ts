/**
 * Configures a lab guest namespace from a cloud-init *rendering* of its network-config, the way the
 * guest's own network stack would: the eni rendering by ifupdown's real `ifup` (run inside the
 * namespace), the NetworkManager keyfile by a line-by-line translation into `ip` commands (NM
 * cannot run in a namespace here). No vitest here; used by guest-cloud-init-netns.test.ts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInNamespace, tryRunInNamespace } from '../../src/lab/netns/index.ts';

/** Brings `iface` up from the eni rendering with ifupdown (no hook scripts; its own state dir); its -v log. */
export async function ifupEni(ns: string, eni: string, iface: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'routedeck-ifup-'));
  try {
    writeFileSync(join(dir, 'interfaces'), eni);
    const argv = ['ifup', '-v', '-i', join(dir, 'interfaces'), '--state-dir', dir, '--no-scripts', iface];
    const r = await tryRunInNamespace(ns, argv, { timeoutMs: 60_000 });
    // ifup -v writes the commands it runs to stderr.
    if (r.code !== 0) throw new Error(`ifup ${iface} in ${ns} failed (${r.code}):\n${r.stderr}`);
    return r.stdout + r.stderr;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One keyfile line and what NetworkManager does for it, as `ip` argv (empty: nothing to do). */
export interface TranslatedLine {
  line: string;
  ip: string[][];
  /** Why a line changes nothing on the link (identity, resolver…), or the match it asks for. */
  note?: string;
}

// Keys that name or label the connection, or feed the resolver: nothing on the link.
const IDENTITY = new Set([
  'connection.id',
  'connection.uuid',
  'connection.type',
  'user.org.freedesktop.NetworkManager.origin',
]);

/**
 * NetworkManager's keyfile → `ip` commands on `iface`, line by line; an unknown key is an error
 * (never a guess). The IPv4 `gateway=` of a manual connection becomes a default route with the
 * gateway on-link: NM installs it even when no address's subnet holds the gateway (sources in
 * fixtures/cloud-init/PROVENANCE.md).
 */
export function translateNmKeyfile(keyfile: string, iface: string): TranslatedLine[] {
  let section = '';
  const out: TranslatedLine[] = [];
  for (const raw of keyfile.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const head = /^\[(.+)\]$/.exec(line);
    if (head) {
      section = head[1]!;
      out.push({ line, ip: [], note: 'section' });
      continue;
    }
    const eq = line.indexOf('=');
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    const full = `${section}.${key}`;
    const fam = section === 'ipv6' ? ['-6'] : [];
    if (IDENTITY.has(full)) out.push({ line, ip: [], note: 'names the connection' });
    else if (full === 'ethernet.mac-address')
      out.push({ line, ip: [], note: `match: the NIC whose MAC is ${value}` });
    else if (full === 'ethernet.mtu') out.push({ line, ip: [['link', 'set', 'dev', iface, 'mtu', value]] });
    else if (full === 'ipv4.method' && value === 'manual')
      out.push({ line, ip: [['link', 'set', 'dev', iface, 'up']] });
    else if (full === 'ipv6.method' && (value === 'manual' || value === 'auto'))
      // auto adds SLAAC to the static address; the routed host's TAP sends no RA, so nothing more.
      out.push({ line, ip: [['link', 'set', 'dev', iface, 'up']] });
    else if (/^ipv[46]\.may-fail$/.test(full)) out.push({ line, ip: [], note: 'activation policy' });
    else if (/^ipv[46]\.dns$/.test(full)) out.push({ line, ip: [], note: 'resolver, not the link' });
    else if (/^ipv[46]\.address\d+$/.test(full))
      out.push({
        line,
        ip: [[...fam, 'addr', 'add', value, 'dev', iface, ...(fam.length ? ['nodad'] : [])]],
      });
    else if (full === 'ipv4.gateway')
      out.push({ line, ip: [['route', 'add', 'default', 'via', value, 'dev', iface, 'onlink']] });
    else if (full === 'ipv6.gateway')
      out.push({ line, ip: [['-6', 'route', 'add', 'default', 'via', value, 'dev', iface]] });
    else throw new Error(`no translation for NetworkManager key ${full}=${value}: extend translateNmKeyfile`);
  }
  return out;
}

export async function applyTranslation(ns: string, lines: TranslatedLine[]): Promise<void> {
  for (const { ip } of lines) for (const argv of ip) await runInNamespace(ns, ['ip', ...argv]);
}
