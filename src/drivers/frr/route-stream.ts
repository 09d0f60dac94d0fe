import { StringDecoder } from 'node:string_decoder';
import type { CompactRouteTableBuilder } from '../../model/compact-route-builder.ts';
import { ParseError } from '../errors.ts';
import { addRouteEntries } from './route-entry.ts';

/*
 * `show ip route [vrf all] json` is ~750 bytes a route: a full table is larger than the largest
 * string V8 can hold, so it is never parsed whole. This scanner walks the outer objects itself and
 * hands JSON.parse one prefix's entry array at a time. Shapes it accepts (FRR zebra_vty.c):
 *   {"<prefix>":[entry,…],…}                      one VRF, any version
 *   {"<vrf>":{"<prefix>":[…]},…}                  `vrf all`, FRR 10.0+
 *   {"<prefix>":[…]}\n{"<prefix>":[…]}\n…         `vrf all` up to 9.1: one document per VRF,
 *                                                 the VRF known only from each entry's vrfName
 */

const S = {
  Top: 0, // between documents: whitespace or `{`
  Open: 1, // after `{`: a key or `}`
  Key: 2, // after `,`: a key
  InKey: 3, // inside a key string
  Colon: 4,
  Value: 5,
  Next: 6, // after a value: `,` or `}`
  Array: 7, // inside a prefix's entry array
} as const;
type State = (typeof S)[keyof typeof S];

/** One prefix's entries past this are refused rather than buffered (a real one is a few kB). */
const MAX_PIECE = 16 << 20;
/** The bracket-count guess gives up past this (a `[` inside a string keeps it from ever closing). */
const QUICK_LIMIT = 64 << 10;
/** After a guess went wrong, this many following pieces are scanned exactly (names repeat). */
const EXACT_STREAK = 64;
const GIVE_UP = -2;

export interface RouteStreamOptions {
  /** VRF for entries that name none, in the single-VRF shapes. */
  defaultVrf?: string;
  /** The one VRF and family the command asked for (`show ip route vrf acme json`): anything else is refused. */
  only?: { vrf: string; family: 4 | 6 };
}

export class RouteStreamParser {
  private readonly decoder = new StringDecoder('utf8');
  private buf = '';
  private base = 0; // offset of buf[0] in the whole output
  private pos = 0;
  private state: State = S.Top;
  private level = 0; // 1 = document object, 2 = a VRF's object
  private keyed: boolean | null = null; // document is keyed by VRF (null until its first value)
  private start = 0; // where the token being collected starts in buf
  private inString = false;
  private depth = 0;
  private exact = false;
  private exactLeft = 0; // pieces still to scan exactly after a wrong guess
  private documents = 0;
  // Next `[` / `]` / `"` at or after the scan position; -1 >>> 0 (4294967295) when none in buf.
  private nextOpen = -1;
  private nextClose = -1;
  private nextQuote = -1;
  private key = '';
  private vrf: string | undefined;
  private failed: ParseError | null = null;
  private readonly defaultVrf: string;
  private readonly only: RouteStreamOptions['only'];
  private added = 0;

  constructor(
    private readonly builder: CompactRouteTableBuilder,
    options: RouteStreamOptions = {},
  ) {
    this.defaultVrf = options.only?.vrf ?? options.defaultVrf ?? 'default';
    this.only = options.only;
  }

  /** Routes added so far. */
  get routes(): number {
    return this.added;
  }

  write(chunk: Buffer | string): void {
    if (this.failed) throw this.failed;
    const text = typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    // Keep only the token being collected (at most one prefix's entries) from earlier chunks.
    const keep = this.state === S.Array || this.state === S.InKey ? this.start : this.pos;
    this.base += keep;
    this.buf = this.buf.slice(keep) + text;
    this.pos -= keep;
    this.start -= keep;
    this.nextOpen = this.nextClose = this.nextQuote = -1;
    this.run();
  }

  private run(): void {
    try {
      this.scan();
    } catch (err) {
      this.failed =
        err instanceof ParseError ? err : new ParseError(String(err), undefined, this.base + this.pos);
      throw this.failed;
    }
  }

  /** Call once the output has ended; throws ParseError when it stopped mid-document. */
  end(): void {
    if (this.failed) throw this.failed;
    const rest = this.decoder.end();
    if (rest) this.write(rest);
    // A guess still waiting for its `]` may have counted a `[` inside a string: settle it exactly.
    while (this.state === S.Array && !this.exact) {
      this.rescanExactly();
      this.run();
    }
    if (this.state !== S.Top) {
      this.failed = this.error('output ended inside a document (truncated?)');
      throw this.failed;
    }
    if (this.documents === 0) {
      this.failed = new ParseError('output is empty (FRR prints {} for an empty table)', undefined, 0);
      throw this.failed;
    }
  }

  private error(what: string, at = this.pos): ParseError {
    const offset = this.base + at;
    const near = JSON.stringify(this.buf.slice(Math.max(0, at - 20), at + 20));
    return new ParseError(`${what} at offset ${offset} (near ${near})`, undefined, offset);
  }

  private unexpected(expected: string): ParseError {
    const c = this.buf[this.pos] ?? '';
    return this.error(`unexpected ${JSON.stringify(c)}, expected ${expected}`);
  }

  private scan(): void {
    const buf = this.buf;
    const len = buf.length;
    while (this.pos < len) {
      if (this.state === S.Array) {
        if (!this.scanArray(buf, len)) return;
        continue;
      }
      if (this.state === S.InKey) {
        if (!this.scanKey(buf)) return;
        continue;
      }
      const c = buf.charCodeAt(this.pos);
      if (c === 32 || c === 10 || c === 13 || c === 9) {
        this.pos++;
        continue;
      }
      this.token(c);
    }
  }

  /** One structural character outside strings and entry arrays. */
  private token(c: number): void {
    switch (this.state) {
      case S.Top:
        if (c !== 123) throw this.unexpected('"{"');
        [this.state, this.level, this.keyed] = [S.Open, 1, null];
        this.documents++;
        break;
      case S.Open:
      case S.Key:
        if (c === 125 && this.state === S.Open) return this.close();
        if (c !== 34) throw this.unexpected(this.state === S.Open ? 'a key or "}"' : 'a key');
        [this.state, this.start, this.inString] = [S.InKey, this.pos, true];
        break;
      case S.Colon:
        if (c !== 58) throw this.unexpected('":"');
        this.state = S.Value;
        break;
      case S.Value:
        if (c === 91 && (this.level === 2 || this.keyed !== true)) {
          this.keyed = this.level === 2;
          [this.state, this.start, this.depth, this.inString] = [S.Array, this.pos, 0, false];
          this.exact = this.exactLeft > 0;
          if (this.exact) this.exactLeft--;
          return; // scanArray counts this bracket
        }
        if (c === 123 && this.level === 1 && this.keyed !== false) {
          [this.keyed, this.vrf, this.level, this.state] = [true, this.key, 2, S.Open];
          break;
        }
        throw this.unexpected(this.level === 2 || this.keyed === false ? 'an entry array' : 'a VRF object');
      case S.Next:
        if (c === 44) this.state = S.Key;
        else if (c === 125) return this.close();
        else throw this.unexpected('"," or "}"');
        break;
    }
    this.pos++;
  }

  private close(): void {
    this.pos++;
    if (this.level === 2) [this.level, this.state, this.vrf] = [1, S.Next, undefined];
    else [this.level, this.state] = [0, S.Top];
  }

  /** Inside a key string; false when the chunk ended first. */
  private scanKey(buf: string): boolean {
    const q = this.stringEnd(buf, this.pos);
    if (q < 0) {
      this.pos = buf.length;
      if (this.pos - this.start > 4096) throw this.error('key longer than 4096 characters', this.start);
      return false;
    }
    const raw = buf.slice(this.start, q + 1);
    this.key = raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1);
    [this.pos, this.state, this.inString] = [q + 1, S.Colon, false];
    return true;
  }

  /** Index of the quote closing a string, searching from `from` (inside it), or -1. */
  private stringEnd(buf: string, from: number): number {
    for (let q = buf.indexOf('"', from); q >= 0; q = buf.indexOf('"', q + 1)) {
      let backslashes = 0;
      while (buf.charCodeAt(q - 1 - backslashes) === 92) backslashes++;
      if ((backslashes & 1) === 0) return q;
    }
    return -1;
  }

  /**
   * Inside a prefix's entry array. A char-by-char JS loop runs at ~2.5 ns a character, as slow as
   * JSON.parse itself, so the end is first guessed by counting `[`/`]` with native indexOf (ignoring
   * strings), then confirmed by JSON.parse: a slice that parses is exactly the array, because a
   * valid JSON text ends at the bracket matching its first. A `]` inside a string ends the guess
   * early (the slice fails to parse); a `[` inside a string keeps it from closing (it gives up at
   * QUICK_LIMIT). Either way the piece is rescanned skipping strings, and so are the next
   * EXACT_STREAK pieces. False when the chunk ended first.
   */
  private scanArray(buf: string, len: number): boolean {
    const end = this.exact ? this.exactEnd(buf, len) : this.quickEnd(buf, len);
    if (end === GIVE_UP) return this.rescanExactly();
    if (end < 0) {
      if (len - this.start > MAX_PIECE) {
        throw this.error(`entries of "${this.key}" exceed ${MAX_PIECE} characters`, this.start);
      }
      return false;
    }
    const text = buf.slice(this.start, end);
    let entries: unknown;
    try {
      entries = JSON.parse(text);
    } catch (err) {
      if (!this.exact) return this.rescanExactly();
      throw this.error(`invalid entries for "${this.key}": ${(err as Error).message}`, this.start);
    }
    [this.pos, this.depth, this.exact, this.state] = [end, 0, false, S.Next];
    this.entries(entries);
    return true;
  }

  private rescanExactly(): true {
    [this.exact, this.pos, this.depth, this.inString] = [true, this.start, 0, false];
    this.nextOpen = this.nextClose = this.nextQuote = -1;
    this.exactLeft = EXACT_STREAK;
    return true;
  }

  /** Bracket counting with indexOf; the next `[`/`]` positions are cached across calls. */
  private quickEnd(buf: string, len: number): number {
    let p = this.pos;
    let depth = this.depth;
    const stop = Math.min(len, this.start + QUICK_LIMIT);
    for (;;) {
      if (this.nextOpen < p) this.nextOpen = buf.indexOf('[', p) >>> 0;
      if (this.nextClose < p) this.nextClose = buf.indexOf(']', p) >>> 0;
      if (this.nextOpen < this.nextClose && this.nextOpen < stop) {
        depth++;
        p = this.nextOpen + 1;
      } else if (this.nextClose < stop) {
        p = this.nextClose + 1;
        if (--depth === 0) return p;
      } else if (stop < len) {
        return GIVE_UP;
      } else {
        [this.pos, this.depth] = [len, depth];
        return -1;
      }
    }
  }

  /** The same count, skipping strings (`"` found with indexOf too); slower, never fooled. */
  private exactEnd(buf: string, len: number): number {
    let p = this.pos;
    let depth = this.depth;
    for (;;) {
      if (this.inString) {
        const q = this.stringEnd(buf, p);
        if (q < 0) break;
        [p, this.inString] = [q + 1, false];
      }
      if (this.nextOpen < p) this.nextOpen = buf.indexOf('[', p) >>> 0;
      if (this.nextClose < p) this.nextClose = buf.indexOf(']', p) >>> 0;
      if (this.nextQuote < p) this.nextQuote = buf.indexOf('"', p) >>> 0;
      const q = this.nextQuote;
      if (q < this.nextOpen && q < this.nextClose) {
        [p, this.inString] = [q + 1, true];
      } else if (this.nextOpen < this.nextClose) {
        depth++;
        p = this.nextOpen + 1;
      } else if (this.nextClose < len) {
        p = this.nextClose + 1;
        if (--depth === 0) return p;
      } else {
        break;
      }
    }
    [this.pos, this.depth] = [len, depth];
    return -1;
  }

  private entries(entries: unknown): void {
    const before = this.builder.size;
    const problem = addRouteEntries(this.builder, this.key, entries, this.vrf, this.defaultVrf, this.only);
    if (problem !== null) throw this.error(problem, this.start);
    this.added += this.builder.size - before;
  }
}
