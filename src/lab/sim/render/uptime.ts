/** FRR's uptime text (`frrtime_to_interval`): `00:01:53`, `2d03h04m`, `01w2d03h`. */
export function frrUptime(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const days = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const two = (n: number): string => String(n).padStart(2, '0');
  if (days === 0) return `${two(h)}:${two(m)}:${two(sec)}`;
  if (days < 7) return `${days}d${two(h)}h${two(m)}m`;
  return `${two(Math.floor(days / 7))}w${days % 7}d${two(h)}h`;
}
