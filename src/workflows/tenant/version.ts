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

/** `confirm_time` on /configure: 1.5 rolling builds (2025+) and later; 1.3/1.4 ignore it. */
export function supportsCommitConfirm(version: string): boolean {
  const m = /^(\d+)\.(\d+)/.exec(version);
  if (!m) return false;
  const major = Number(m[1]);
  const minor = Number(m[2]);
  return major > 1 || minor >= 5;
}
