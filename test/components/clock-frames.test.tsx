/**
 * Every age and clock on screen moves on one tick: the header, the view and per-row ages each showing
 * time must not each draw their own frame a second (at 1,000 devices a frame is ~20–50 ms of CPU).
 */
import { PassThrough } from 'node:stream';
import { render, Text } from 'ink';
import { Profiler, useEffect, useState, type ReactNode } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConsoleContext, type ConsoleContextValue } from '../../components/hooks/context.ts';
import { useNow } from '../../components/hooks/useNow.ts';

function Clock({ label }: { label: string }) {
  const now = useNow();
  return (
    <Text>
      {label} {now}
    </Text>
  );
}

/** Mounts its child `delay` ms late: components appear at different moments (a view opened later). */
function Later({ delay, children }: { delay: number; children: ReactNode }) {
  const [shown, setShown] = useState(false);
  useEffect(() => {
    const timer = setTimeout(() => setShown(true), delay);
    return () => clearTimeout(timer);
  }, [delay]);
  return shown ? children : null;
}

describe('clocks on screen', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('three components showing time, mounted at different moments, draw one frame a second together', async () => {
    const stdout = Object.assign(new PassThrough(), { columns: 80, rows: 24, isTTY: false });
    stdout.resume();
    let commits = 0;
    const value = { now: () => Date.now() } as unknown as ConsoleContextValue;
    const app = render(
      <ConsoleContext.Provider value={value}>
        <Profiler id="clocks" onRender={() => void commits++}>
          <Clock label="header" />
          <Later delay={300}>
            <Clock label="view" />
          </Later>
          <Later delay={600}>
            <Clock label="age" />
          </Later>
        </Profiler>
      </ConsoleContext.Provider>,
      { stdout: stdout as unknown as NodeJS.WriteStream, patchConsole: false, exitOnCtrlC: false },
    );
    await vi.advanceTimersByTimeAsync(1000);
    commits = 0;
    await vi.advanceTimersByTimeAsync(5000);
    app.unmount();
    // At most one frame a tick (5 s → 5; React's scheduler may fold ticks), not one per component
    // (15, or 10 when two happen to share a phase) — and the clocks do move.
    expect(commits).toBeGreaterThanOrEqual(2);
    expect(commits).toBeLessThanOrEqual(6);
  });
});
