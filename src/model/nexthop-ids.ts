/**
 * A route-table builder's next hops and nexthop groups by what they hold: each distinct next hop (the
 * string ids of its address and interface, NH_* flags) and each distinct list of them gets one id in the
 * builder's columns. A builder that took over another table's next hops and groups as they are
 * (adoptRows) does not map them at once: the few rows a poll or an answer adds after such a copy find
 * theirs by scanning, and the maps are made only past COPY_SCANS lookups — remaking them for a router's
 * ~20k next hops and groups was most of a copy's cost.
 */
import { COPY_SCANS, type Columns } from './route-columns.ts';

export class NexthopIds {
  private readonly nexthops = new Map<string, number>();
  private readonly groups = new Map<string, number>([['', 0]]);
  /** Next hops and groups taken over (the first ones of the columns) not in the maps yet. */
  private unmappedNexthops = 0;
  private unmappedGroups = 0;
  private scansLeft = 0;

  constructor(private readonly c: Columns) {}

  /** The columns' next hops and groups were taken over as they are (ids unchanged). */
  adopted(): void {
    this.unmappedNexthops = this.c.nhIp.length;
    this.unmappedGroups = this.c.groupStarts.length - 1;
    this.scansLeft = COPY_SCANS;
  }

  /** The id of one distinct nexthop (string ids of its address and interface, NH_* flags). */
  nexthopId(ip: number, iface: number, flags: number): number {
    const c = this.c;
    const key = `${ip},${iface},${flags}`;
    let id = this.nexthops.get(key);
    if (id === undefined && this.unmappedNexthops > 0) id = this.copiedNexthop(key, ip, iface, flags);
    if (id === undefined) {
      id = c.nhIp.length;
      c.nhIp.push(ip);
      c.nhIf.push(iface);
      c.nhFlags.push(flags);
      this.nexthops.set(key, id);
    }
    return id;
  }

  /** The id of a nexthop list (ids from nexthopId, in order). */
  groupId(ids: readonly number[]): number {
    const c = this.c;
    const key = ids.join(',');
    let group = this.groups.get(key);
    if (group === undefined && this.unmappedGroups > 0) group = this.copiedGroup(key, ids);
    if (group === undefined) {
      group = c.groupStarts.length - 1;
      c.groupMembers.push(...ids);
      c.groupStarts.push(c.groupMembers.length);
      this.groups.set(key, group);
    }
    return group;
  }

  /** The maps only serve the builder; a finished table drops them. */
  clear(): void {
    this.nexthops.clear();
    this.groups.clear();
    this.unmappedNexthops = this.unmappedGroups = 0;
  }

  /** The first taken-over next hop equal to this one. */
  private copiedNexthop(key: string, ip: number, iface: number, flags: number): number | undefined {
    if (this.mapCopied()) return this.nexthops.get(key);
    const c = this.c;
    for (let id = 0; id < this.unmappedNexthops; id++)
      if (c.nhIp[id] === ip && c.nhIf[id] === iface && c.nhFlags[id] === flags) return id;
    return undefined;
  }

  /** The first taken-over group of these next hops. */
  private copiedGroup(key: string, ids: readonly number[]): number | undefined {
    if (this.mapCopied()) return this.groups.get(key);
    const c = this.c;
    const starts = c.groupStarts;
    for (let g = 0; g < this.unmappedGroups; g++) {
      const from = starts[g]!;
      if (starts[g + 1]! - from !== ids.length) continue;
      let same = true;
      for (let m = 0; m < ids.length && same; m++) same = c.groupMembers[from + m] === ids[m];
      if (same) return g;
    }
    return undefined;
  }

  /**
   * Past COPY_SCANS lookups, maps the taken-over next hops and groups (the first id of a repeated key, as
   * the copied table had it; what was added since was added because no taken-over one matched). True
   * when it did: the maps then answer.
   */
  private mapCopied(): boolean {
    if (--this.scansLeft > 0) return false;
    const c = this.c;
    for (let id = 0; id < this.unmappedNexthops; id++) {
      const key = `${c.nhIp[id]!},${c.nhIf[id]!},${c.nhFlags[id]!}`;
      if (!this.nexthops.has(key) || this.nexthops.get(key)! > id) this.nexthops.set(key, id);
    }
    for (let g = 0; g < this.unmappedGroups; g++) {
      const key = c.groupMembers.slice(c.groupStarts[g]!, c.groupStarts[g + 1]!).join(',');
      if (!this.groups.has(key) || this.groups.get(key)! > g) this.groups.set(key, g);
    }
    this.unmappedNexthops = this.unmappedGroups = 0;
    return true;
  }
}
