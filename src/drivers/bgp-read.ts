/**
 * A poll's BGP sessions (issue 16: cost proportional to change). The full `show bgp vrf all summary
 * json` is ~700 bytes a peer per AFI — 5 MB at 250 hosts, 20 MB at 1,000 — so it is read on the first
 * poll and at least every BGP_FULL_MS; in between the cheap probes (bgp-probe.ts) decide:
 *   - nothing moved: the held sessions stand (uptimes advanced);
 *   - a session changed (failed count or peer count moved): the full summary;
 *   - only table versions moved (routes changed): the sessions stand, the route tables are read at once
 *     (route-check.ts takes the probe's versions), and the prefix counters are marked older
 *     (`countersAt`); once their read is BGP_COUNTERS_MS old, at the first poll where routes do not move
 *     (at the latest BGP_COUNTERS_MAX_MS), the summaries of the VRFs whose versions moved are read —
 *     `show bgp vrf V summary json`, one VRF's peers — and merged; the other VRFs' counters cannot
 *     have moved without their table version moving.
 */
import type { BgpSession } from '../model/bgp.ts';
import type { DeviceSpec } from '../model/device.ts';
import { BGP_COUNTERS_MAX_MS, BGP_COUNTERS_MS } from '../model/snapshot.ts';
import { parseOutput, runText } from './collect.ts';
import {
  advanceSessions,
  BGP_FULL_MS,
  bgpProbeCommands,
  fullSignatureOf,
  probeSignature,
  sessionsOf,
  versionsOf,
} from './bgp-probe.ts';
import { deviceDigest, sha256, type Held } from './digest.ts';
import { parseBgpSummary } from './frr/bgp-summary.ts';
import { isValidVrfName } from './names.ts';
import { jsonOrUndefined } from './json.ts';
import { bgpTableVersionsOf } from './route-check.ts';
import { vtyshCommand } from './shell.ts';
import type { DriverContext } from './types.ts';

/** What a poll keeps of its BGP read, for the probes to confirm. */
interface HeldBgp {
  sessions: BgpSession[];
  versions: string | null;
  /** When the sessions' counters were last read (all of them, or the VRFs that had moved). */
  readAt: number;
  /** When the whole summary was last read (absent: at readAt). */
  fullAt?: number;
  /** When the probes first showed table versions moved since readAt (sessions unchanged). */
  changedAt?: number;
  /** The table versions the last poll saw (to tell a quiet poll from one where routes still move). */
  seen?: string | null;
}

export interface BgpRead {
  sessions: BgpSession[];
  /** BGP's per-VRF/AFI table versions, route-check's input; null when unknown. */
  versions: string | null;
  /** Set when the sessions' prefix counters predate a route change: when they were read. */
  countersAt?: number;
  /** Set when the sessions are the held ones (confirmed unchanged by the probes): when they were read. */
  readAt?: number;
}

/** At most this many VRFs' summaries are read one by one for counters; more moved: the whole summary. */
const MAX_VRF_READS = 8;

export async function readBgp(args: {
  runner: DriverContext['runner'];
  device: DeviceSpec;
  /** The full summary command (`show bgp vrf all summary json`). */
  command: string;
  held: Readonly<Record<string, Held<unknown>>>;
  kept: Record<string, Held<unknown>>;
  now: number;
  /** The route monitor said routes moved: the probes are read, not first asked for their digests. */
  woken?: boolean;
}): Promise<BgpRead> {
  const { runner, device, command, held, kept, now } = args;
  const last = held['bgp'] as Held<HeldBgp> | undefined;
  if (last && now - (last.value.fullAt ?? last.value.readAt) < BGP_FULL_MS) {
    const signature = await probedSignature(
      runner,
      bgpProbeCommands(device),
      held,
      kept,
      args.woken === true,
    );
    const same = signature === last.sha;
    if (signature !== null && (same || sessionsOf(signature) === sessionsOf(last.sha))) {
      const changedAt = same ? last.value.changedAt : (last.value.changedAt ?? now);
      const versions = same ? last.value.versions : versionsOf(signature);
      const seen = last.value.seen ?? last.value.versions;
      const age = now - last.value.readAt;
      const countersDue =
        changedAt !== undefined &&
        changedAt < now &&
        age >= BGP_COUNTERS_MS &&
        (versions === seen || age >= BGP_COUNTERS_MAX_MS);
      if (!countersDue) {
        kept['bgp'] =
          changedAt === last.value.changedAt && versions === seen
            ? last
            : { sha: last.sha, value: { ...last.value, changedAt, seen: versions } };
        return {
          sessions: last.value.sessions,
          versions,
          readAt: last.value.readAt,
          ...(changedAt !== undefined ? { countersAt: last.value.readAt } : {}),
        };
      }
      const vrfs = movedVrfs(last.value.versions, versions);
      if (vrfs !== null) {
        // The other VRFs' sessions are carried to now beside the fresh ones (one read time for all).
        const merged = await readVrfCounters(runner, device, advanceSessions(last.value.sessions, age), vrfs);
        const fullAt = last.value.fullAt ?? last.value.readAt;
        kept['bgp'] = { sha: signature, value: { sessions: merged, versions, readAt: now, fullAt } };
        return { sessions: merged, versions };
      }
    }
  }
  const text = await runText(runner, command);
  // Parsed once for the sessions, the table versions and the signature (~20 MB a router at 1,000 hosts).
  const parsed = jsonOrUndefined(text);
  const read: BgpRead = {
    sessions: parseOutput(command, () => parseBgpSummary(text, device.name, { parsed }), device.name),
    versions: bgpTableVersionsOf(parsed),
  };
  const sha = fullSignatureOf(parsed);
  if (sha !== null) kept['bgp'] = { sha, value: { ...read, readAt: now } };
  return read;
}

/** The VRFs whose table versions differ; null when the VRF/AFI set changed or too many moved. */
function movedVrfs(before: string | null, after: string | null): string[] | null {
  if (before === null || after === null) return null;
  const parse = (versions: string) =>
    new Map(versions.split(' ').map((part) => [part.slice(0, part.lastIndexOf(':')), part] as const));
  const a = parse(before);
  const b = parse(after);
  if (a.size !== b.size) return null;
  const vrfs = new Set<string>();
  for (const [path, part] of b) {
    const was = a.get(path);
    if (was === undefined) return null;
    if (was === part) continue;
    const slash = path.indexOf('/');
    const vrf = slash < 0 ? '' : path.slice(0, slash);
    if (!isValidVrfName(vrf)) return null;
    vrfs.add(vrf);
  }
  return vrfs.size <= MAX_VRF_READS ? [...vrfs] : null;
}

/** Each moved VRF's summary, its sessions put in the held ones' places (the order the store compares). */
async function readVrfCounters(
  runner: DriverContext['runner'],
  device: DeviceSpec,
  sessions: BgpSession[],
  vrfs: readonly string[],
): Promise<BgpSession[]> {
  const fresh = new Map<string, BgpSession>();
  const key = (s: BgpSession) => `${s.vrf}|${s.afiSafi}|${s.peer}`;
  for (const vrf of vrfs) {
    const command = vtyshCommand(device, `show bgp vrf ${vrf} summary json`);
    const text = await runText(runner, command);
    const read = parseOutput(command, () => parseBgpSummary(text, device.name), device.name);
    const other = read.find((s) => s.vrf !== vrf);
    if (other)
      throw new Error(
        `${device.name}: ${command}: answered for VRF ${JSON.stringify(other.vrf)}, not ${vrf}`,
      );
    for (const s of read) fresh.set(key(s), s);
  }
  const moved = new Set(vrfs);
  const out: BgpSession[] = [];
  for (const s of sessions) {
    if (!moved.has(s.vrf)) out.push(s);
    else {
      const now = fresh.get(key(s));
      if (now) {
        out.push(now);
        fresh.delete(key(s));
      }
    }
  }
  out.push(...fresh.values());
  return out;
}

/**
 * The BGP probes' signature (bgp-probe.ts). Their texts are a few hundred bytes a VRF — at a 2 s
 * cadence most of what an unchanged router still costs — so once read they are held too: the device
 * is asked for the probes' digests (batched with the poll's other digests) and the held signature
 * stands while both match the texts it was computed from. Null when the probes fail or are a shape
 * we do not know (then: a full read).
 */
async function probedSignature(
  runner: DriverContext['runner'],
  probes: { versions: string; failed: string },
  held: Readonly<Record<string, Held<unknown>>>,
  kept: Record<string, Held<unknown>>,
  woken: boolean,
): Promise<string | null> {
  const last = held['bgpProbes'] as Held<string> | undefined;
  if (last && !woken) {
    const [v, f] = await Promise.all([
      deviceDigest(runner, probes.versions),
      deviceDigest(runner, probes.failed),
    ]);
    if (v !== null && f !== null && `${v} ${f}` === last.sha) {
      kept['bgpProbes'] = last;
      return last.value;
    }
  }
  const texts = await Promise.all([runText(runner, probes.versions), runText(runner, probes.failed)]).catch(
    () => null,
  );
  if (!texts) return null;
  const signature = probeSignature(texts[0], texts[1]);
  if (signature !== null)
    kept['bgpProbes'] = { sha: `${sha256(texts[0])} ${sha256(texts[1])}`, value: signature };
  return signature;
}
