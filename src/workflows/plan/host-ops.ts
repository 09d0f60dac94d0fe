/**
 * Host-side changes of the routed-host model (shared/reference/routed-host-model.md §3, §4) as
 * data. Each op renders both the exact command line sent to the hypervisor and the config line it
 * adds or removes, so a plan's per-device diff comes from the same objects as its commands.
 */
import { shellJoin } from '../../transport/ssh/quote.ts';

/** Same on every TAP (no interconnect IPAM); the guest's gateways. */
export const GATEWAY4 = '169.254.0.1';
export const GATEWAY6 = 'fe80::1';
/**
 * Kernel metric of the "elevated" route during a make-before-break move: the reference route-map
 * matches `metric 512` and sets MED 0; every other metric gets MED 100 (routers compare MED across
 * ASes with `bgp always-compare-med`), so the target wins while both hosts announce.
 */
export const ELEVATED_METRIC = 512;

export type HostOp =
  /** `create`: we own the TAP (`ip tuntap`); otherwise the compute hook made it and we only bring it up. */
  | { kind: 'tap'; op: 'add' | 'del'; tap: string; create: boolean; vrf?: string }
  | { kind: 'addr'; op: 'add' | 'del'; tap: string; cidr: string }
  /** `metric` absent: the kernel default (0 for IPv4, 1024 for IPv6), which maps to MED 100. */
  | {
      kind: 'route';
      op: 'add' | 'del';
      family: 4 | 6;
      prefix: string;
      tap: string;
      vrf?: string;
      metric?: number;
    }
  | { kind: 'nft'; op: 'add' | 'delete'; set: 'allow4' | 'allow6'; tap: string; cidrs: string[] };

function withPrivilege(privilege: string, args: string[]): string {
  const line = shellJoin(args);
  return privilege ? `${privilege} ${line}` : line;
}

function vrfArgs(vrf: string | undefined): string[] {
  // `vrf NAME` rather than `table N`: the VRF device's name is in the tenant spec, its table id is not.
  return vrf !== undefined && vrf !== 'default' ? ['vrf', vrf] : [];
}

/** The command lines for one op, exactly as sent (privilege prefix included). */
export function renderOp(op: HostOp, privilege: string): string[] {
  const run = (args: string[]): string => withPrivilege(privilege, args);
  switch (op.kind) {
    case 'tap': {
      if (op.op === 'del')
        return op.create ? [run(['ip', 'tuntap', 'del', 'dev', op.tap, 'mode', 'tap'])] : [];
      const master = op.vrf !== undefined && op.vrf !== 'default' ? ['master', op.vrf] : [];
      return [
        ...(op.create ? [run(['ip', 'tuntap', 'add', 'dev', op.tap, 'mode', 'tap'])] : []),
        run(['ip', 'link', 'set', op.tap, ...master, 'up']),
      ];
    }
    case 'addr': {
      // DAD on fe80::1 would fail on the second TAP of a host: every TAP carries the same address.
      const nodad = op.op === 'add' && op.cidr.includes(':') ? ['nodad'] : [];
      return [run(['ip', 'addr', op.op, op.cidr, 'dev', op.tap, ...nodad])];
    }
    case 'route': {
      const ip = op.family === 6 ? ['ip', '-6'] : ['ip'];
      // The kernel deletes the lowest-metric match when no metric is given: beside a metric-512
      // route the IPv6 normal route (1024) is not the lowest, so its delete names its metric. (IPv4's
      // normal metric 0 means "any" to the kernel, and 0 is the lowest: the normal route goes first.)
      const chosen = op.metric ?? (op.op === 'del' && op.family === 6 ? 1024 : undefined);
      const metric = chosen !== undefined ? ['metric', String(chosen)] : [];
      return [run([...ip, 'route', op.op, op.prefix, 'dev', op.tap, ...vrfArgs(op.vrf), ...metric])];
    }
    case 'nft': {
      // nft parses its own joined argv; the element list travels as one quoted word.
      const elements = op.cidrs.map((cidr) => `"${op.tap}" . ${cidr}`).join(', ');
      return [run(['nft', op.op, 'element', 'inet', 'vmguard', op.set, `{ ${elements} }`])];
    }
  }
}

/** The config lines an op adds (or removes): the vocabulary of a plan's before/after diff. */
export function opLines(op: HostOp): string[] {
  switch (op.kind) {
    case 'tap': {
      const master = op.vrf !== undefined && op.vrf !== 'default' ? ` master ${op.vrf}` : '';
      return [`link ${op.tap}${master} up`];
    }
    case 'addr':
      return [`addr ${op.cidr} dev ${op.tap}`];
    case 'route': {
      const vrf = op.vrf !== undefined && op.vrf !== 'default' ? ` vrf ${op.vrf}` : '';
      const metric = op.metric ?? (op.family === 4 ? 0 : 1024);
      return [`route ${op.prefix} dev ${op.tap}${vrf} metric ${metric}`];
    }
    case 'nft':
      return op.cidrs.map((cidr) => `nft ${op.set} "${op.tap}" . ${cidr}`);
  }
}

/** The op that undoes this one. */
export function inverseOp(op: HostOp): HostOp {
  switch (op.kind) {
    case 'nft':
      return { ...op, op: op.op === 'add' ? 'delete' : 'add' };
    default:
      return { ...op, op: op.op === 'add' ? 'del' : 'add' } as HostOp;
  }
}

/** Applies ops to a device's config lines (in order), as the kernel would. */
export function applyOps(before: readonly string[], ops: readonly HostOp[]): string[] {
  let lines = [...before];
  for (const op of ops) {
    const adding = op.op === 'add';
    for (const line of opLines(op)) {
      if (adding) {
        if (!lines.includes(line)) lines.push(line);
      } else lines = lines.filter((l) => l !== line);
    }
    // Deleting a TAP we own takes its addresses and routes with it.
    if (op.kind === 'tap' && op.op === 'del' && op.create) {
      lines = lines.filter((l) => !l.includes(` dev ${op.tap}`));
    }
  }
  return lines;
}
