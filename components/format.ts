/** Compact ages for narrow columns: `45s`, `12m`, `3h`, `2d`. */
export function formatAge(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '-';
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

/** FRR-like up/down times: `00:12:03` under a day, `3d04h` beyond. */
export function formatDuration(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return '-';
  const s = Math.max(0, Math.floor(ms / 1000));
  const days = Math.floor(s / 86_400);
  const hours = Math.floor((s % 86_400) / 3600);
  if (days > 0) return `${days}d${String(hours).padStart(2, '0')}h`;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(hours)}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
}

export function formatClock(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

const AFI_SHORT: Record<string, string> = {
  ipv4Unicast: 'ipv4',
  ipv6Unicast: 'ipv6',
  l2VpnEvpn: 'evpn',
  ipv4Vpn: 'vpnv4',
  ipv6Vpn: 'vpnv6',
};

export function shortAfi(afiSafi: string): string {
  return AFI_SHORT[afiSafi] ?? afiSafi;
}

/** Cuts text to `width` cells, marking the cut with `…` (hostnames and errors are ASCII in practice). */
export function truncate(text: string, width: number): string {
  if (width <= 0) return '';
  if (text.length <= width) return text;
  return width === 1 ? '…' : `${text.slice(0, width - 1)}…`;
}

export function pad(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  const cut = truncate(text, width);
  return align === 'right' ? cut.padStart(width) : cut.padEnd(width);
}

/** FRR's uptime text (`hh:mm:ss`, `XdYYhZZm`, `XXwYdZZh`, `XyYYwZd`) in seconds; null for any other. */
export function parseFrrUptime(text: string): number | null {
  let m = /^(\d+):(\d\d):(\d\d)$/.exec(text);
  if (m) return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]);
  m = /^(\d+)d(\d\d)h(\d\d)m$/.exec(text);
  if (m) return Number(m[1]) * 86_400 + Number(m[2]) * 3600 + Number(m[3]) * 60;
  m = /^(\d+)w(\d)d(\d\d)h$/.exec(text);
  if (m) return Number(m[1]) * 604_800 + Number(m[2]) * 86_400 + Number(m[3]) * 3600;
  m = /^(\d+)y(\d\d)w(\d)d$/.exec(text);
  if (m) return Number(m[1]) * 31_449_600 + Number(m[2]) * 604_800 + Number(m[3]) * 86_400;
  return null;
}

/** Seconds in FRR's uptime style (the coarser units past a day and a week, as FRR prints them). */
export function formatFrrUptime(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const pad = (n: number) => String(n).padStart(2, '0');
  if (s < 86_400) return `${pad(Math.floor(s / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
  if (s < 604_800)
    return `${Math.floor(s / 86_400)}d${pad(Math.floor((s % 86_400) / 3600))}h${pad(Math.floor((s % 3600) / 60))}m`;
  return `${pad(Math.floor(s / 604_800))}w${Math.floor((s % 604_800) / 86_400)}d${pad(Math.floor((s % 86_400) / 3600))}h`;
}

/**
 * A route's uptime as FRR printed it `elapsedMs` ago, now: a held table's rows did not change since
 * they were read, so each is older by that much. Text we cannot read is shown as a lower bound (`≥`).
 */
export function advanceUptime(text: string | null, elapsedMs: number): string {
  if (text === null) return '-';
  if (!(elapsedMs >= 1000)) return text;
  const seconds = parseFrrUptime(text);
  return seconds === null ? `≥${text}` : formatFrrUptime(seconds + elapsedMs / 1000);
}
