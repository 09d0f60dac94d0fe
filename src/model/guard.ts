/**
 * A hypervisor's anti-spoofing table (`table inet vmguard`, routed-host-model §4) as collected:
 * the allowed `ifname . prefix` elements per set and the spoofed-source drops per TAP.
 */

/** One allowed source on a TAP; `cidr` is canonical (`203.0.113.10/32`, `2001:db8::/64`). */
export interface GuardElement {
  set: 'allow4' | 'allow6';
  tap: string;
  cidr: string;
}

/** Packets dropped because their source was not allowed on this TAP. */
export interface SpoofCounter {
  tap: string;
  packets: number;
  bytes: number;
}

export type GuardState =
  /** No `table inet vmguard` on the host: nothing filters spoofed sources there. */
  | { present: false }
  | {
      present: true;
      elements: GuardElement[];
      /** Per TAP, from the `spoofed` set's element counters; TAPs that never spoofed are absent. */
      spoofed: SpoofCounter[];
      /**
       * false for the reference ruleset (one `counter drop` for all TAPs): only `droppedTotal` is
       * known, not which TAP sent them.
       */
      perTap: boolean;
      /** The final drop rule's counter (every TAP together), when the rule has one. */
      droppedTotal: number | null;
    };
