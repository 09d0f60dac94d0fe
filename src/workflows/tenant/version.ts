/**
 * Which VyOS a router runs, for version-correct paths and commit-confirm: `GET /info` exists from
 * 1.5 rolling on (reference §1); before that the config tells 1.4 (`protocols bgp system-as`) from
 * 1.3 (`protocols bgp <asn>`, the ASN as a tag node).
 */
export interface VersionProbeApi {
  info(): Promise<{ version?: string } | null>;
  showConfig(path: string[]): Promise<unknown>;
}

export async function probeVyosVersion(api: VersionProbeApi): Promise<string> {
  const info = await api.info();
  if (info?.version) return info.version;
  const bgp = await api.showConfig(['protocols', 'bgp']).catch(() => null);
  if (bgp && typeof bgp === 'object' && !Array.isArray(bgp)) {
    if ('system-as' in bgp) return '1.4';
    if (Object.keys(bgp).some((k) => /^\d+$/.test(k))) return '1.3';
  }
  return '1.4';
}

/**
 * `confirm_time` on /configure: rolling builds (named `YYYY.MM.DD-HHMM-rolling`) from mid-2025 on
 * (T3955, PR #4533, merged May 2025; June taken to be safe), and 1.5+ releases; 1.3/1.4 ignore it.
 */
export function supportsCommitConfirm(version: string): boolean {
  const dated = /^(\d{4})\.(\d{2})\.\d{2}/.exec(version);
  if (dated) return Number(dated[1]) * 100 + Number(dated[2]) >= 202506;
  const m = /^(\d+)\.(\d+)/.exec(version);
  if (!m) return false;
  const major = Number(m[1]);
  const minor = Number(m[2]);
  return major > 1 || minor >= 5;
}

export type ConfirmAction = 'reboot' | 'reload';

/**
 * `system config-management commit-confirm action` as the router has it: `reboot` unless set to
 * `reload` ([V1x] system_config-management.xml.in `<defaultValue>reboot`). An empty path is a 400.
 */
export async function probeConfirmAction(api: Pick<VersionProbeApi, 'showConfig'>): Promise<ConfirmAction> {
  const node = await api
    .showConfig(['system', 'config-management', 'commit-confirm'])
    .catch((error: unknown) => {
      if ((error as { status?: unknown } | null)?.status === 400) return null;
      throw error;
    });
  const action = node && typeof node === 'object' ? (node as Record<string, unknown>)['action'] : undefined;
  return action === 'reload' ? 'reload' : 'reboot';
}

/** The preview's words for how a router's batch is committed, kept and undone. */
export function changeProtocolText(version: string, confirmMinutes?: number, action?: ConfirmAction): string {
  if (!confirmMinutes)
    return `VyOS ${version}: one commit, read back, saved once verified; undone by inverse commands (no commit-confirm over its API)`;
  const expiry =
    (action ?? 'reboot') === 'reboot' ? 'reboots into its saved config' : 'reloads its last archived config';
  return (
    `VyOS ${version}: commit-confirm ${confirmMinutes} min (action ${action ?? 'reboot'}: left unconfirmed, the router ${expiry}), ` +
    'read back, confirmed once verified, then saved; on a failure the timer is stopped first, then inverse commands undo it'
  );
}
