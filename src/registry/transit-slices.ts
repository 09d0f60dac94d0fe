import { z } from 'zod';
import { cidrsOverlap, cidrText, parseCidr } from '../addr/cidr.ts';
import { keyOf, parseRow, type Ctx } from './context.ts';
import { RegistryError } from './errors.ts';

/**
 * One owner's piece of a transit range (shared-service NAT, issue 8): a tenant's private prefix
 * mapped 1:1 into `slice`, or a shared service's transit address. Kept once made, so a tenant
 * keeps its slice across plans and services.
 */
export interface TransitSlice {
  /** The transit range, canonical CIDR (e.g. 100.64.0.0/10). */
  transit: string;
  /** A tenant name, or `service:NAME` for a service's transit address. */
  owner: string;
  /** What is mapped: the tenant's private prefix, or the service's real address as a /32. */
  private: string;
  slice: string;
  allocatedAt: Date;
}

const row = z.object({
  transit: z.string().min(1),
  owner: z.string().min(1),
  private: z.string().min(1),
  slice: z.string().min(1),
  allocated_at: z.number().int(),
});

export function transitSlicesApi(ctx: Ctx) {
  const { db } = ctx;
  const toSlice = (r: unknown): TransitSlice => {
    const v = parseRow(row, r, 'transit_slices', keyOf(r, 'slice'));
    return {
      transit: v.transit,
      owner: v.owner,
      private: v.private,
      slice: v.slice,
      allocatedAt: new Date(v.allocated_at),
    };
  };

  /** The slices of one transit range (or of all), in slice order. */
  function transitSlices(transit?: string): TransitSlice[] {
    const rows =
      transit === undefined
        ? db.prepare('SELECT * FROM transit_slices ORDER BY transit, slice').all()
        : db
            .prepare('SELECT * FROM transit_slices WHERE transit = ? ORDER BY slice')
            .all(cidrText(parseCidr(transit)));
    return (rows as unknown[]).map(toSlice);
  }

  /**
   * Records a slice. It must lie inside the transit range and overlap no other slice of that range;
   * an owner's existing slice for the same private prefix is returned unchanged (a tenant keeps it).
   */
  function reserveTransitSlice(entry: {
    transit: string;
    owner: string;
    private: string;
    slice: string;
  }): TransitSlice {
    return ctx.tx(() => {
      const transit = cidrText(parseCidr(entry.transit));
      const slice = parseCidr(entry.slice);
      const range = parseCidr(transit);
      const kept = transitSlices(transit).find((s) => s.owner === entry.owner && s.private === entry.private);
      if (kept) return kept;
      if (!cidrsOverlap(range, slice) || slice.getPrefix().getValue() < range.getPrefix().getValue())
        throw new RegistryError(`slice ${entry.slice} is outside transit range ${transit}`);
      const clash = transitSlices(transit).find((s) => cidrsOverlap(parseCidr(s.slice), slice));
      if (clash)
        throw new RegistryError(
          `slice ${entry.slice} overlaps ${clash.slice} of ${clash.owner} in transit range ${transit}`,
        );
      const at = ctx.now();
      db.prepare(
        'INSERT INTO transit_slices (transit, owner, private, slice, allocated_at) VALUES (?, ?, ?, ?, ?)',
      ).run(transit, entry.owner, entry.private, cidrText(slice), at);
      return {
        transit,
        owner: entry.owner,
        private: entry.private,
        slice: cidrText(slice),
        allocatedAt: new Date(at),
      };
    });
  }

  return { transitSlices, reserveTransitSlice };
}
