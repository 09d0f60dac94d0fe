// Sets the environment before ink loads: keep this import first.
import './tty-env.ts';
import { startConsole } from '../../components/console.tsx';
import { BORDER, borderTable, consoleStore, startSpinePolls } from './fixture.ts';
import {
  addressLookup,
  fullFilter,
  scroll,
  typeFilter,
  type FullFilter,
  type Lookup,
  type Sample,
} from './phases.ts';
import { FakeTerminal, KEY } from './terminal.ts';

export interface ConsolePlan {
  routes: number;
  cols: number;
  rows: number;
  /** `j` presses a scroll run makes (plus a PgDn every 30, and one G and g). */
  downs: number;
  filterText: string;
  /** The first is looked up on a table whose index is not built yet, the second right after. */
  addresses: [string, string];
  pollEveryMs: number;
}

export interface ConsoleFigures {
  plan: ConsolePlan;
  react: 'production' | 'development';
  tableBuildMs: number;
  firstFrameMs: number;
  scroll: Sample[];
  filter: FullFilter;
  coldLookup: Lookup;
  warmLookup: Lookup;
  polling: { scroll: Sample[]; polls: number };
  screen: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One console on a 1M-route table, driven through the measurements of bench/console-latency.ts. */
export async function measureConsole(plan: ConsolePlan): Promise<ConsoleFigures> {
  let t = performance.now();
  const table = borderTable(plan.routes);
  const tableBuildMs = performance.now() - t;
  (globalThis as { gc?: () => void }).gc?.();

  const term = new FakeTerminal(plan.cols, plan.rows);
  const store = consoleStore(table);
  t = performance.now();
  const firstFrame = term.next((plain) => plain.includes(`[1/${plan.routes}]`), 'the first frame', 10_000);
  const handle = startConsole({
    store,
    stdin: term.stdin as unknown as NodeJS.ReadStream,
    stdout: term.stdout as unknown as NodeJS.WriteStream,
    initialView: 'route-table',
    initialArgs: { device: BORDER, vrf: 'default' },
  });
  const firstFrameMs = (await firstFrame) - t;
  // ink reads keys from an effect after its first frame.
  while (!term.listening()) await sleep(5);

  // Warm-up: the same paths, unmeasured (JIT, ink's layout caches), then back to the top.
  await scroll(term, plan.routes, { downs: 60 });
  await typeFilter(term, '7.1');
  const closed = term.next((plain) => !plain.includes('\n/7.1'), 'the warm-up filter to close');
  term.press(KEY.esc);
  await closed;
  await sleep(300);

  const scrollSamples = await scroll(term, plan.routes, { downs: plan.downs });
  const filter = await fullFilter(term, plan.filterText, plan.routes);
  const coldLookup = await addressLookup(term, plan.addresses[0]);
  const warmLookup = await addressLookup(term, plan.addresses[1]);

  const polls = startSpinePolls(store, plan.pollEveryMs);
  await sleep(500);
  const pollingScroll = await scroll(term, plan.routes, { downs: plan.downs });
  const polled = polls.polls();
  polls.stop();

  await term.settle();
  const screen = term.text();
  handle.unmount();
  await handle.waitUntilExit();
  return {
    plan,
    react: process.env['NODE_ENV'] === 'production' ? 'production' : 'development',
    tableBuildMs,
    firstFrameMs,
    scroll: scrollSamples,
    filter,
    coldLookup,
    warmLookup,
    polling: { scroll: pollingScroll, polls: polled },
    screen,
  };
}
