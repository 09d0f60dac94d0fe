/**
 * A hypervisor's anti-spoofing table (`table inet vmguard`, routed-host-model §4) as collected:
 * the allowed `ifname . prefix` elements per set and the spoofed-source drops per TAP.
 */

/**
 * One allowed source on a TAP, built only from validated values: `tap` matches the interface-name
 * pattern and `cidr` is a canonical prefix of the set's family (`203.0.113.10/32`, `2001:db8::/64`)
 * or a range `a-b` of two canonical addresses.
 */
export interface GuardElement {
  set: 'allow4' | 'allow6';
  tap: string;
  cidr: string;
}

/**
 * A set element that did not parse into an interface name and an address of the set's family
 * (device-supplied text, kept sanitized for display): shown, never compared, never acted on.
 */
export interface UnparsedGuardElement {
  set: 'allow4' | 'allow6';
  /** The element as the device sent it (JSON), sanitized. */
  text: string;
  why: string;
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
      /** Elements that are not `ifname . address` of the set's family; never part of a repair. */
      unparsed: UnparsedGuardElement[];
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
