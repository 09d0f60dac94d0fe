/**
 * Transit slices for shared-service NAT (routed-host-model.md §6): each tenant's overlapping
 * private prefix maps 1:1 into its own block of a transit range (RFC 6598 100.64.0.0/10 by
 * default), sized to the prefix. Pure: the caller passes the slices already taken.
 */
import { cidrText, familyOf, parseCidr } from '../../addr/cidr.ts';

export const DEFAULT_TRANSIT = '100.64.0.0/10';
/** No tenant gets more than a /16 of the transit range unless the caller says so. */
export const DEFAULT_MAX_SLICE_LEN = 16;

export class SliceError extends Error {
  override name = 'SliceError';
}

function v4(text: string, what: string): { start: number; len: number } {
  if (familyOf(text) !== 4)
    throw new SliceError(`${what} ${text} is not an IPv4 prefix (shared-service NAT is IPv4)`);
  let cidr;
  try {
    cidr = parseCidr(text);
  } catch (error) {
    throw new SliceError(`${what}: ${(error as Error).message}`);
  }
  return { start: Number(cidr.getFirst().getValue()), len: Number(cidr.getPrefix().getValue()) };
}

const size = (len: number): number => 2 ** (32 - len);
const toText = (start: number, len: number): string =>
  cidrText(parseCidr(`${[24, 16, 8, 0].map((s) => Math.floor(start / 2 ** s) % 256).join('.')}/${len}`));

export interface SliceRequest {
  transit: string;
  /** The private prefix to map (a /32 for a single address). */
  prefix: string;
  /** Slices of this transit range already held by anyone. */
  taken: readonly string[];
  maxSliceLen?: number;
  /** `last`: scan from the top of the range (service addresses, so tenant slices stay contiguous). */
  from?: 'first' | 'last';
}

/** The first free block of the prefix's size in the transit range, or a SliceError saying why none. */
export function allocateSlice(req: SliceRequest): string {
  const transit = v4(req.transit, 'transit range');
  const want = v4(req.prefix, 'private prefix');
  const maxLen = req.maxSliceLen ?? DEFAULT_MAX_SLICE_LEN;
  if (want.len < maxLen || want.len < transit.len) {
    throw new SliceError(
      `private prefix ${req.prefix} is larger than a transit slice may be ` +
        `(/${Math.max(maxLen, transit.len)} at most in ${req.transit}); refusing to map it`,
    );
  }
  const taken = req.taken
    .map((t) => v4(t, 'taken slice'))
    .map((t) => ({ start: t.start, end: t.start + size(t.len) - 1 }));
  const block = size(want.len);
  const end = transit.start + size(transit.len) - 1;
  const clash = (start: number) => taken.find((t) => t.start <= start + block - 1 && t.end >= start);
  if (req.from === 'last') {
    for (let start = end - block + 1; start >= transit.start;) {
      const hit = clash(start);
      if (!hit) return toText(start, want.len);
      // Jump below the block in the way, aligned down.
      start = Math.floor((hit.start - block) / block) * block;
    }
  } else {
    for (let start = transit.start; start + block - 1 <= end;) {
      const hit = clash(start);
      if (!hit) return toText(start, want.len);
      start = Math.ceil((hit.end + 1) / block) * block;
    }
  }
  throw new SliceError(
    `transit range ${req.transit} is exhausted: no free /${want.len} for ${req.prefix} ` +
      `(${taken.length} slice${taken.length === 1 ? '' : 's'} taken)`,
  );
}

/** The address `address` maps to inside `slice` when `prefix` maps 1:1 onto it (same host bits). */
export function mapAddress(address: string, prefix: string, slice: string): string {
  const p = v4(prefix, 'private prefix');
  const s = v4(slice, 'slice');
  const a = v4(`${address}/32`, 'address');
  if (p.len !== s.len) throw new SliceError(`${prefix} and ${slice} differ in size`);
  return toText(s.start + (a.start - p.start), 32).replace(/\/32$/, '');
}
