import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { consoleLogPath, logEventsTo } from '../../src/cli/common/console.ts';
import { labStore } from '../components/fixtures.ts';

// Issue 18: console.log is one file per user, shared by every console on the machine.
describe('the console log', () => {
  it('lives in the per-user state dir, and every line names the pid of the console that wrote it', async () => {
    expect(consoleLogPath({ HOME: '/home/ann' })).toBe('/home/ann/.local/state/routedeck/console.log');
    expect(consoleLogPath({ XDG_STATE_HOME: '/s', HOME: '/home/ann' })).toBe('/s/routedeck/console.log');
    const dir = await mkdtemp(path.join(tmpdir(), 'routedeck-log-'));
    try {
      const file = path.join(dir, 'console.log');
      const store = labStore();
      const stop = logEventsTo(store, file);
      store.setState((s) => ({
        events: [...s.events, { at: 1, device: 'hv2', level: 'warn' as const, message: 'session down' }],
      }));
      stop();
      const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
      expect(lines).toHaveLength(2);
      for (const line of lines) expect(line).toMatch(new RegExp(`^\\S+Z \\[${process.pid}\\] `));
      expect(lines[1]).toMatch(/\] WARN hv2: session down$/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
