import type { FakeTerminal } from './terminal.ts';
import { KEY } from './terminal.ts';

/** Keys a terminal's auto-repeat sends at ~30 a second; a key never goes out sooner than this after the last. */
export const KEY_INTERVAL_MS = 33;
/** Data rows on a 40-line screen: the shell takes 5 lines of chrome and leaves the last line free. */
const page = (rows: number) => Math.max(1, rows - 1 - 5);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export interface Sample {
  key: string;
  /** Key written → the first frame showing its result (position indicator, or the typed filter). */
  ms: number;
  /** Key written → the first write of any kind (ink's first frame after the key). */
  firstWriteMs: number;
  sentAt: number;
}

/** Presses `key`, waits for a frame passing `check`; keeps the key rate at or under auto-repeat. */
async function measure(
  term: FakeTerminal,
  key: string,
  label: string,
  check: (plain: string) => boolean,
  timeoutMs?: number,
): Promise<Sample> {
  const first = term.next(() => true, `any write after ${label}`, timeoutMs);
  const done = term.next(check, label, timeoutMs);
  const sent = term.press(key);
  const [firstAt, doneAt] = await Promise.all([first, done]);
  const wait = sent + KEY_INTERVAL_MS - performance.now();
  if (wait > 0) await sleep(wait);
  return { key: label, ms: doneAt - sent, firstWriteMs: firstAt - sent, sentAt: sent };
}

/** The shell's `[cursor/shown…]` indicator, as the frame shows it. */
const position = (cursor: number) => new RegExp(`\\[${cursor + 1}/\\d+(?: of \\d+)?\\]`);

/** Filter mode: line two of the frame starts with `/` and what has been typed. */
const promptShows = (typed: string) => (plain: string) =>
  plain.split('\n').some((line) => line.startsWith(`/${typed}`));

export interface ScrollPlan {
  /** How many `j`; a PgDn after every 30th, G at the middle and g right after. */
  downs: number;
}

/** Scrolls a table of `total` rows from the top; returns one sample a key. */
export async function scroll(term: FakeTerminal, total: number, plan: ScrollPlan): Promise<Sample[]> {
  const samples: Sample[] = [];
  let cursor = 0;
  const go = async (key: string, label: string, next: number) => {
    cursor = Math.min(total - 1, Math.max(0, next));
    const want = position(cursor);
    samples.push(await measure(term, key, label, (plain) => want.test(plain)));
  };
  for (let i = 1; i <= plan.downs; i++) {
    await go('j', 'j', cursor + 1);
    if (i % 30 === 0) await go(KEY.pageDown, 'pgdn', cursor + page(term.rows));
    if (i === Math.floor(plan.downs / 2)) {
      await go('G', 'G', total - 1);
      await go('g', 'g', 0);
    }
  }
  await term.settle();
  const screen = term.text();
  if (!position(cursor).test(screen)) throw new Error(`scroll ended off position ${cursor + 1}:\n${screen}`);
  return samples;
}

/** `/` then `text` a character at a time: one sample a character (the prompt showing it). */
export async function typeFilter(term: FakeTerminal, text: string): Promise<Sample[]> {
  const samples: Sample[] = [];
  samples.push(await measure(term, '/', '/', promptShows('')));
  for (let i = 1; i <= text.length; i++) {
    const typed = text.slice(0, i);
    samples.push(await measure(term, text[i - 1]!, typed, promptShows(typed)));
  }
  return samples;
}

export interface FullFilter {
  keystrokes: Sample[];
  /** Last character written → the frame with the finished result (`[1/n of total]`, no "filtering…"). */
  finalMs: number;
  matched: number;
  /** `j` pressed while the scan runs (the view must keep answering). */
  duringScan: Sample[];
}

/** A regex over the text of every row: typed, committed with Enter, scanned in slices to the end. */
export async function fullFilter(term: FakeTerminal, text: string, total: number): Promise<FullFilter> {
  const finished = new RegExp(`\\[\\d+/(\\d+) of ${total}\\]`);
  const keystrokes = await typeFilter(term, text);
  const lastKeyAt = keystrokes[keystrokes.length - 1]!.sentAt;
  let matched = -1;
  const result = term.next(
    (plain) => {
      const m = finished.exec(plain);
      if (!m || plain.includes('filtering…')) return false;
      matched = Number(m[1]);
      return true;
    },
    `the result of /${text}`,
    120_000,
  );
  await measure(term, KEY.enter, 'enter', (plain) => !promptShows(text)(plain) && plain.includes(`/${text}`));
  const duringScan: Sample[] = [];
  let settled = false;
  const settle = () => (settled = true);
  void result.then(settle, settle);
  await term.next((plain) => plain.includes('filtering…'), 'filter progress', 5000).catch(() => 0);
  for (let cursor = 1; !settled && duringScan.length < 20; cursor++) {
    const want = position(cursor);
    duringScan.push(await measure(term, 'j', 'j (scan)', (plain) => want.test(plain)));
    await sleep(100);
  }
  const finalAt = await result;
  // Back to the whole table, cursor on top, for what comes next.
  await measure(term, KEY.esc, 'esc', (plain) => position(0).test(plain) && !plain.includes(` of ${total}`));
  return { keystrokes, finalMs: finalAt - lastKeyAt, matched, duringScan };
}

export interface Lookup {
  keystrokes: Sample[];
  /** The keystroke that completes the address: the prompt and the longest-match note in one frame. */
  lookupMs: number;
  match: string;
}

/** An address typed into the filter: the completing character turns it into a longest-prefix lookup. */
export async function addressLookup(term: FakeTerminal, address: string): Promise<Lookup> {
  const keystrokes = await typeFilter(term, address.slice(0, -1));
  let match = '';
  const note = new RegExp(
    `longest match for ${escape(address)} in \\S+: (\\S+)|no route for ${escape(address)}`,
  );
  const last = await measure(term, address.slice(-1), address, (plain) => {
    const m = note.exec(plain);
    if (!m || !promptShows(address)(plain)) return false;
    match = m[1] ?? 'none';
    return true;
  });
  keystrokes.push(last);
  await measure(term, KEY.esc, 'esc', (plain) => !plain.includes('longest match'));
  return { keystrokes, lookupMs: last.ms, match };
}
