/**
 * One device's bgpd: an instance per VRF, each with its RIB (every path per prefix), best-path
 * selection, and advertisement of best paths to every established peer of that VRF. AS-path loop
 * prevention is what keeps a hypervisor from accepting its own routes back and the routers (one
 * AS) from learning each other's routes through a hypervisor.
 */
import type { Family } from '../../../model/route.ts';
import type { Prefix } from './addr.ts';
import { selectBest } from './best-path.ts';
import { destKey, type Dest, type Path, type PathAttrs, type SessionEnd } from './bgp-types.ts';

export interface BgpInstance {
  vrf: string;
  as: number;
  routerId: string;
  dests: Map<string, Dest>;
  sessions: SessionEnd[];
  /** Per family, as FRR keeps one table (and its version) per AFI/SAFI. */
  tableVersion: Record<Family, number>;
  /** Interfaces configured as neighbors after boot (`neighbor X interface …`): sessions come up once both ends have one. */
  configured?: Set<string>;
}

export interface BgpHost {
  now(): number;
  /** Puts an UPDATE (attrs) or a withdrawal (null) on the wire towards `from.remote`. */
  send(from: SessionEnd, dest: Dest, attrs: PathAttrs | null): void;
  /** The best path of a prefix changed (zebra would reprogram the FIB). */
  bestChanged(dest: Dest): void;
  /** A neighbor was configured: the network pairs it with the far end's, if that one is configured too. */
  neighborConfigured?(): void;
}

/** What `default-originate` sends: the default route of each family, originated here. */
const DEFAULTS: Prefix[] = [
  { family: 4, value: 0n, length: 0, text: '0.0.0.0/0' },
  { family: 6, value: 0n, length: 0, text: '::/0' },
];

function sameAttrs(a: PathAttrs, b: PathAttrs): boolean {
  return a.med === b.med && a.origin === b.origin && a.asPath.join(' ') === b.asPath.join(' ');
}

export class BgpSpeaker {
  readonly instances = new Map<string, BgpInstance>();
  /** Per instance, its sessions that get the whole table; sessions are only ever appended, so the length says when to refresh. */
  private readonly feeds = new WeakMap<BgpInstance, { seen: number; ends: SessionEnd[] }>();
  private readonly exports = new WeakMap<Path, PathAttrs>();

  constructor(
    readonly asn: number,
    readonly routerId: string,
    readonly alwaysCompareMed: boolean,
    private readonly host: BgpHost,
  ) {}

  instance(vrf: string): BgpInstance {
    let inst = this.instances.get(vrf);
    if (!inst) {
      inst = {
        vrf,
        as: this.asn,
        routerId: this.routerId,
        dests: new Map(),
        sessions: [],
        tableVersion: { 4: 0, 6: 0 },
      };
      this.instances.set(vrf, inst);
    }
    return inst;
  }

  /** `neighbor IFACE interface remote-as …` in a VRF (or its removal). */
  configureNeighbor(vrf: string, iface: string, present = true): void {
    const inst = this.instance(vrf);
    inst.configured ??= new Set();
    if (present) inst.configured.add(iface);
    else inst.configured.delete(iface);
    if (present) this.host.neighborConfigured?.();
  }

  /** Removes a VRF's instance; its sessions must have been taken down first. */
  removeInstance(vrf: string): void {
    this.instances.delete(vrf);
  }

  /** The table entry for a prefix; `keep` false makes a detached one (what default-originate sends). */
  private dest(inst: BgpInstance, family: Family, prefix: Prefix, keep = true): Dest {
    const key = destKey(family, prefix.text);
    let d = inst.dests.get(key);
    if (!d) {
      d = {
        vrf: inst.vrf,
        family,
        prefix,
        paths: [],
        best: null,
        multipath: [],
        selectionReason: '',
        version: 0,
        changedAt: this.host.now(),
      };
      if (keep) inst.dests.set(key, d);
    }
    return d;
  }

  /** Redistribution: a local route to announce (attrs), or to stop announcing (null). */
  originate(vrf: string, prefix: Prefix, attrs: PathAttrs | null, local: 'kernel' | 'static'): void {
    const inst = this.instance(vrf);
    const d = this.dest(inst, prefix.family, prefix);
    const old = d.paths.find((p) => p.from === null);
    if (attrs && old && sameAttrs(old, attrs)) return;
    if (!attrs && !old) return;
    d.paths = d.paths.filter((p) => p.from !== null);
    if (attrs)
      d.paths.push({
        asPath: attrs.asPath,
        med: attrs.med,
        origin: attrs.origin,
        from: null,
        local,
        receivedAt: this.host.now(),
      });
    this.recompute(inst, d);
  }

  /** An UPDATE or withdrawal arrived over `end`. */
  receive(end: SessionEnd, family: Family, prefix: Prefix, attrs: PathAttrs | null): void {
    const inst = this.instances.get(end.vrf);
    if (!inst) return;
    const key = destKey(family, prefix.text);
    const accept = attrs !== null && !attrs.asPath.includes(this.asn);
    // A dropped or withdrawn prefix we hold no path for leaves no empty entry behind.
    if (!accept && !inst.dests.has(key)) {
      end.accepted.delete(key);
      return;
    }
    const d = this.dest(inst, family, prefix);
    const had = d.paths.some((p) => p.from === end);
    d.paths = d.paths.filter((p) => p.from !== end);
    // eBGP loop prevention: a path that already crossed our AS is dropped (treat-as-withdraw).
    if (accept && attrs) {
      d.paths.push({
        asPath: attrs.asPath,
        med: attrs.med,
        origin: attrs.origin,
        from: end,
        receivedAt: this.host.now(),
      });
      end.accepted.add(key);
    } else {
      end.accepted.delete(key);
      if (!had) return;
    }
    this.recompute(inst, d);
  }

  sessionDown(end: SessionEnd): void {
    end.adjOut.clear();
    end.accepted.clear();
    const inst = this.instances.get(end.vrf);
    if (!inst) return;
    for (const d of [...inst.dests.values()]) {
      if (!d.paths.some((p) => p.from === end)) continue;
      d.paths = d.paths.filter((p) => p.from !== end);
      this.recompute(inst, d);
    }
  }

  /** A session came up: send it the whole table (or only the default route), as after an OPEN. */
  sessionUp(end: SessionEnd): void {
    const inst = this.instances.get(end.vrf);
    if (!inst) return;
    if (end.exportDefaultOnly) {
      if (end.state !== 'Established') return;
      const attrs: PathAttrs = { asPath: [this.asn], med: null, origin: 'IGP' };
      for (const prefix of DEFAULTS) {
        end.adjOut.set(destKey(prefix.family, prefix.text), attrs);
        this.host.send(end, this.dest(inst, prefix.family, prefix, false), attrs);
      }
      return;
    }
    for (const d of inst.dests.values()) this.advertiseTo(end, d);
  }

  /** The sessions a best-path change goes to (not those that only get a default route). */
  private fed(inst: BgpInstance): SessionEnd[] {
    let feed = this.feeds.get(inst);
    if (!feed || feed.seen !== inst.sessions.length) {
      feed = { seen: inst.sessions.length, ends: inst.sessions.filter((s) => !s.exportDefaultOnly) };
      this.feeds.set(inst, feed);
    }
    return feed.ends;
  }

  private recompute(inst: BgpInstance, d: Dest): void {
    const before = d.best;
    const beforeMulti = d.multipath.map((p) => p.from?.iface ?? '').join(',');
    const { best, multipath, reason } = selectBest(d.paths, { alwaysCompareMed: this.alwaysCompareMed });
    d.best = best;
    d.multipath = multipath;
    d.selectionReason = reason;
    const multi = multipath.map((p) => p.from?.iface ?? '').join(',');
    if (before === best && beforeMulti === multi) return;
    d.version = ++inst.tableVersion[d.family];
    d.changedAt = this.host.now();
    this.host.bestChanged(d);
    for (const end of this.fed(inst)) this.advertiseTo(end, d);
    if (d.paths.length === 0) inst.dests.delete(destKey(d.family, d.prefix.text));
  }

  /** What a best path is advertised as; made once per path and shared by every peer's adj-RIB-out. */
  private exported(best: Path): PathAttrs {
    let attrs = this.exports.get(best);
    if (!attrs) {
      attrs = {
        asPath: [this.asn, ...best.asPath],
        med: best.from === null ? best.med : null,
        origin: best.origin,
      };
      this.exports.set(best, attrs);
    }
    return attrs;
  }

  private advertiseTo(end: SessionEnd, d: Dest): void {
    if (end.state !== 'Established') return;
    const key = destKey(d.family, d.prefix.text);
    const best = d.best;
    // eBGP: prepend our AS; MED is passed on only for routes we originate (RFC 4271 §5.1.4).
    const attrs = best ? this.exported(best) : null;
    const prev = end.adjOut.get(key);
    if (!attrs && !prev) return;
    if (attrs && prev && (attrs === prev || sameAttrs(attrs, prev))) return;
    if (attrs) end.adjOut.set(key, attrs);
    else end.adjOut.delete(key);
    this.host.send(end, d, attrs);
  }
}
