import { useEffect, useState } from 'react';
import { useConsole } from './context.ts';

/** The console's clock, ticking every `intervalMs` (ages and the header clock move with it). */
export function useNow(intervalMs = 1000): number {
  const { now } = useConsole();
  const [value, setValue] = useState(now);
  useEffect(() => {
    const timer = setInterval(() => setValue(now()), intervalMs);
    return () => clearInterval(timer);
  }, [now, intervalMs]);
  return value;
}
