/**
 * A VyOS router's overlay: config from the HTTPS API (`/retrieve showConfig`), runtime over SSH.
 *
 * Runtime sources, chosen for being structured on 1.3, 1.4 and 1.5 alike (`/show` and the op-mode
 * `show interfaces wireguard …`/`show vrrp` are text tables):
 * - WireGuard: `wg show all endpoints|allowed-ips|latest-handshakes|transfer` in one exec. Not
 *   `wg show all dump`: the dump carries the interface private key and the preshared keys in clear,
 *   and routedeck must never receive a secret (DESIGN.md, Safety).
 * - VRRP: keepalived's JSON dump through VyOS's own `VRRP.collect('json')` (python/vyos/ifconfig/
 *   vrrp.py, identical on equuleus, sagitta and current: signal SIGRTMIN+2, wait for
 *   /tmp/keepalived.json, read, remove) — what `show vrrp` formats. Only 1.5 exposes it as a
 *   standardized op-mode script (`vrrp.py show_summary --raw`); the class works on all three.
 * - EVPN: zebra's `show evpn vni json`, and for L3 VNIs `show evpn next-hops vni all json`.
 */
import type { DeviceSpec } from '../../model/device.ts';
import { emptyOverlay, type OverlayState, type VrrpGroup, type WireguardPeer } from '../../model/overlay.ts';
import type { CommandRunner, VyosConfigReader } from '../../transport/types.ts';
import { parseOutput, part, runText, type PartResult } from '../collect.ts';
import { readIfChanged, type Held } from '../digest.ts';
import { privileged, shellQuote, vtyshCommand } from '../shell.ts';
import {
  vrrpGroupsFromConfig,
  vxlanFromConfig,
  wireguardPeersFromConfig,
  type VrrpGroupConfig,
  type VxlanConfigEntry,
  type WireguardPeerConfig,
} from './overlay-config.ts';
import {
  parseEvpnNexthops,
  parseEvpnVnis,
  parseKeepalivedJson,
  parseWgShowFields,
  WG_FIELDS,
  WG_SECTION_MARK,
  type VrrpRuntime,
  type WgRuntimePeer,
} from './overlay-runtime.ts';

export const VRRP_DUMP_SCRIPT =
  'from vyos.ifconfig.vrrp import VRRP; print(VRRP.collect("json") if VRRP.is_running() else "[]")';

export interface OverlayCommands {
  wireguard: string;
  vrrp: string;
  evpnVnis: string;
  evpnNexthops: string;
}

/**
 * Both need root. VyOS's own op-mode runs them under sudo (`sudo ${vyos_op_scripts_dir}/vrrp.py`
 * in op-mode-definitions/vrrp.xml.in), and its login users have it, so a router whose inventory
 * sets no privilege prefix still gets `sudo -n`.
 */
function root(device: DeviceSpec, command: string): string {
  return privileged({ privilege: device.privilege.trim() || 'sudo -n' }, command);
}

export function overlayCommands(device: DeviceSpec): OverlayCommands {
  return {
    wireguard: WG_FIELDS.map((f) => root(device, `wg show all ${f}`)).join(` && echo ${WG_SECTION_MARK} && `),
    vrrp: root(device, `python3 -c ${shellQuote(VRRP_DUMP_SCRIPT)}`),
    evpnVnis: vtyshCommand(device, 'show evpn vni json'),
    evpnNexthops: vtyshCommand(device, 'show evpn next-hops vni all json'),
  };
}

export const OVERLAY_CONFIG_PATHS = {
  wireguard: ['interfaces', 'wireguard'],
  vxlan: ['interfaces', 'vxlan'],
  vrrp: ['high-availability', 'vrrp'],
} as const;

function isEmptyConfig(err: unknown): boolean {
  return (
    err instanceof Error &&
    (err.name === 'VyosEmptyConfigError' ||
      err.message.includes('Configuration under specified path is empty'))
  );
}

async function configAt<T>(
  api: VyosConfigReader,
  path: readonly string[],
  parse: (c: unknown) => T,
): Promise<T> {
  let config: unknown = null;
  try {
    config = await api.showConfig([...path]);
  } catch (err) {
    if (!isEmptyConfig(err)) throw err;
  }
  return parseOutput(`showConfig ${path.join(' ')}`, () => parse(config));
}

/** Runtime peers with their config names; configured peers missing from `wg show` are kept, flagged. */
export function mergeWireguard(
  device: string,
  runtime: readonly WgRuntimePeer[] | null,
  config: readonly WireguardPeerConfig[] | null,
): WireguardPeer[] {
  const byKey = new Map((config ?? []).map((c) => [`${c.interface}|${c.publicKey}`, c]));
  const out: WireguardPeer[] = (runtime ?? []).map((r) => {
    const c = byKey.get(`${r.interface}|${r.publicKey}`);
    byKey.delete(`${r.interface}|${r.publicKey}`);
    return {
      device,
      interface: r.interface,
      name: c?.name ?? null,
      publicKey: r.publicKey,
      endpoint: r.endpoint ?? c?.endpoint ?? null,
      allowedIps: r.allowedIps.length ? r.allowedIps : [...(c?.allowedIps ?? [])],
      latestHandshakeAt: r.latestHandshakeAt,
      rxBytes: r.rxBytes,
      txBytes: r.txBytes,
    };
  });
  // Without runtime state (the wg part failed) nothing can be said about the configured peers.
  if (runtime)
    for (const c of byKey.values())
      if (!c.disabled)
        out.push({
          device,
          interface: c.interface,
          name: c.name,
          publicKey: c.publicKey,
          endpoint: c.endpoint,
          allowedIps: [...c.allowedIps],
          latestHandshakeAt: null,
          rxBytes: 0,
          txBytes: 0,
          configuredOnly: true,
        });
  return out;
}

/** keepalived's view of each group; a configured group keepalived does not report is NOT RUNNING. */
export function mergeVrrp(
  device: string,
  runtime: readonly VrrpRuntime[] | null,
  config: readonly VrrpGroupConfig[] | null,
): VrrpGroup[] {
  const out: VrrpGroup[] = (runtime ?? []).map((r) => ({ device, ...r, addresses: [...r.addresses] }));
  if (runtime)
    for (const c of config ?? []) {
      if (c.disabled || runtime.some((r) => r.name === c.name)) continue;
      out.push({
        device,
        name: c.name,
        interface: c.interface,
        vrid: c.vrid,
        state: 'NOT RUNNING',
        priority: c.priority,
        addresses: [...c.addresses],
        lastTransitionAt: null,
      });
    }
  return out;
}

function ok<T>(r: PartResult<T> | undefined): T | null {
  return r?.ok ? r.value : null;
}

/**
 * One poll of the overlay; each source fails on its own into `errors` (prefixed `overlay …:`).
 * zebra's EVPN listings change only when a VNI or VTEP does, so their texts are held between polls
 * (`held`, from the last snapshot) and read again only when their digest moves (digest.ts); the
 * WireGuard and keepalived dumps carry counters that move every poll and are read each time.
 */
export async function collectOverlay(
  device: DeviceSpec,
  runner: CommandRunner,
  api: VyosConfigReader | undefined,
  held: Readonly<Record<string, Held<unknown>>> = {},
): Promise<{ overlay: OverlayState; errors: string[]; kept: Record<string, Held<unknown>> }> {
  const c = overlayCommands(device);
  const kept: Record<string, Held<unknown>> = {};
  const run = <T>(name: string, command: string, parse: (text: string) => T) =>
    part(`overlay ${name}`, async () => {
      const text = await runText(runner, command);
      return parseOutput(command, () => parse(text));
    });
  const heldText = (key: string, command: string) =>
    part(`overlay evpn`, async () => {
      const read = await readIfChanged(runner, command, held[key] as Held<string> | undefined, (t) => t);
      kept[key] = { sha: read.sha, value: read.value };
      return read.value;
    });
  // A listing read (or held) is parsed each poll, its failure worded as any part's (collect.ts).
  const parsed = async <T>(text: PartResult<string>, command: string, parse: (text: string) => T) =>
    text.ok ? part('overlay evpn', async () => parseOutput(command, () => parse(text.value))) : text;
  const cfg = <T>(name: keyof typeof OVERLAY_CONFIG_PATHS, parse: (x: unknown) => T) =>
    api ? part(`overlay ${name} config`, () => configAt(api, OVERLAY_CONFIG_PATHS[name], parse)) : undefined;
  const [nexthopsText, vnisText, wg, vrrp, wgCfg, vxCfg, vrrpCfg] = await Promise.all([
    heldText('overlay evpnNexthops', c.evpnNexthops),
    heldText('overlay evpnVnis', c.evpnVnis),
    run('wireguard', c.wireguard, parseWgShowFields),
    run('vrrp', c.vrrp, parseKeepalivedJson),
    cfg('wireguard', wireguardPeersFromConfig),
    cfg('vxlan', vxlanFromConfig),
    cfg('vrrp', vrrpGroupsFromConfig),
  ]);
  const nexthops = await parsed(nexthopsText, c.evpnNexthops, parseEvpnNexthops);
  // The VNIs need the L3 next-hops; a failed next-hop query still lets the VNIs through.
  const vnis = await parsed(vnisText, c.evpnVnis, (t) =>
    parseEvpnVnis(t, device.name, ok(nexthops) ?? undefined),
  );
  const overlay = emptyOverlay();
  overlay.wireguard = mergeWireguard(device.name, ok(wg), ok(wgCfg));
  overlay.vrrp = mergeVrrp(device.name, ok(vrrp), ok(vrrpCfg));
  overlay.vnis = ok(vnis) ?? [];
  overlay.vxlan = (ok(vxCfg) ?? []).map((v: VxlanConfigEntry) => ({ device: device.name, ...v }));
  const errors = [wg, vrrp, nexthops, vnis, wgCfg, vxCfg, vrrpCfg].flatMap((r) =>
    r && !r.ok ? [r.error] : [],
  );
  return { overlay, errors: [...new Set(errors)], kept };
}
