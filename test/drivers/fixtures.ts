import type { DeviceSpec } from '../../src/model/device.ts';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CommandRunner } from '../../src/transport/types.ts';

const ROOT = fileURLToPath(new URL('../../fixtures/', import.meta.url));
export const CAPTURES = path.join(ROOT, 'frr-8.4');
export const VARIANTS = path.join(ROOT, 'frr-variants');

export interface Capture {
  device: string;
  file: string;
  command: string;
  exitCode: number;
  stderr: string;
  state?: string;
}

/** The capture manifest: every real capture with its exact command, exit code and stderr. */
export function manifest(): Capture[] {
  return JSON.parse(readFileSync(path.join(CAPTURES, 'manifest.json'), 'utf8')) as Capture[];
}

/** Fixture files (paths relative to fixtures/) whose name matches, from captures and variants alike. */
export function fixtureFiles(name: RegExp, opts: { failed?: boolean } = {}): string[] {
  const failed = new Set(manifest().flatMap((c) => (c.exitCode !== 0 ? [`frr-8.4/${c.file}`] : [])));
  const out: string[] = [];
  for (const dir of [CAPTURES, VARIANTS]) {
    for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile() || !name.test(entry.name)) continue;
      const rel = path.relative(ROOT, path.join(entry.parentPath, entry.name));
      if (failed.has(rel) === (opts.failed ?? false)) out.push(rel);
    }
  }
  return out.sort();
}

export function readFixture(rel: string): string {
  return readFileSync(path.join(ROOT, rel), 'utf8');
}

/**
 * `ip -j -d addr show`, which the driver sends, was not captured; it is exactly `ip -j -d link`
 * with each link's `addr_info` from `ip -j addr`, so it is rebuilt from those two real captures.
 */
export function ipDetailedAddr(device: string): string {
  const links = JSON.parse(readFixture(`frr-8.4/${device}/ip-j-d-link.json`)) as Record<string, unknown>[];
  const addrs = JSON.parse(readFixture(`frr-8.4/${device}/ip-j-addr.json`)) as Record<string, unknown>[];
  const byName = new Map(addrs.map((a) => [a.ifname, a.addr_info]));
  return JSON.stringify(links.map((l) => ({ ...l, addr_info: byName.get(l.ifname) ?? [] })));
}

export interface Reply {
  stdout: string;
  stderr?: string;
  code?: number | null;
}

/** Splits text into pseudo-random chunk sizes (1 byte up to `max`), deterministic per seed. */
export function chunked(bytes: Buffer, seed: number, max = 4096): Buffer[] {
  let s = seed >>> 0 || 1;
  const next = (): number => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0), s);
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length;) {
    const n = 1 + (next() % max);
    out.push(bytes.subarray(i, i + n));
    i += n;
  }
  return out;
}

/** An `ip -j route show table all` capture as `ip -j -4|-6 route show table all type unicast` prints it. */
export function ipRoutesSelected(listing: string, family: 4 | 6): string {
  const routes = JSON.parse(listing) as Record<string, unknown>[];
  // iproute2 prints `pref` on every IPv6 route (a bare `default` has no other clue).
  const v6 = (r: Record<string, unknown>) => String(r['dst']).includes(':') || 'pref' in r;
  const kept = routes.filter((r) => r['type'] === undefined && v6(r) === (family === 6));
  return `${JSON.stringify(kept)}\n`;
}

/** A CommandRunner replaying real captures by exact command string; unknown commands exit 127. */
export class ReplayRunner implements CommandRunner {
  readonly calls: string[] = [];
  constructor(private readonly replies: Map<string, Reply | Error>) {}

  static forDevice(device: string, overrides: Record<string, Reply | Error> = {}): ReplayRunner {
    const replies = new Map<string, Reply | Error>();
    for (const c of manifest()) {
      if (c.device !== device || c.state !== undefined) continue;
      replies.set(c.command, {
        stdout: readFixture(`frr-8.4/${c.file}`),
        stderr: c.stderr,
        code: c.exitCode,
      });
    }
    replies.set('ip -j -d addr show', { stdout: ipDetailedAddr(device) });
    // What the driver asks a host, selected from the captured full listings by iproute2's own rules
    // (checked against iproute2 6.1 in a namespace): `-4`/`-6` keep one family, `type unicast` the
    // routes iproute2 prints without a type.
    for (const family of [4, 6] as const) {
      const all = manifest().find((c) => c.device === device && c.command === 'ip -j route show table all');
      if (all)
        replies.set(`ip -j -${family} route show table all type unicast`, {
          stdout: ipRoutesSelected(readFixture(`frr-8.4/${all.file}`), family),
        });
    }
    // The FRR captures have no nft listing; the nftables capture stands in (fixtures/nftables-1.0.6).
    replies.set('sudo -n nft -j list table inet vmguard', {
      stdout: readFixture('nftables-1.0.6/nft-j-list-table-inet-vmguard.json'),
    });
    for (const [command, reply] of Object.entries(overrides)) replies.set(command, reply);
    return new ReplayRunner(replies);
  }

  private reply(command: string): Reply {
    this.calls.push(command);
    const r = this.replies.get(command) ?? {
      stdout: '',
      stderr: `sh: unknown command: ${command}`,
      code: 127,
    };
    if (r instanceof Error) throw r;
    return r;
  }

  async exec(command: string) {
    const r = this.reply(command);
    return { stdout: r.stdout, stderr: r.stderr ?? '', code: r.code === undefined ? 0 : r.code };
  }

  async execStream(command: string, onStdout: (chunk: Buffer) => void) {
    const r = this.reply(command);
    for (const chunk of chunked(Buffer.from(r.stdout), command.length)) onStdout(chunk);
    return { stderr: r.stderr ?? '', code: r.code === undefined ? 0 : r.code };
  }
}

/** rtr1 of the namespace lab the frr-8.4 captures come from, as its inventory names it. */
export const RTR1: DeviceSpec = {
  name: 'rtr1',
  role: 'router',
  kind: 'frr-linux',
  host: '198.18.0.21',
  port: 22,
  user: 'noc',
  auth: { type: 'agent' },
  vtysh: 'vtysh -N rtr1',
  privilege: 'sudo -n',
};
