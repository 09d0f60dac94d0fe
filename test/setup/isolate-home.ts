import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';

// Code that falls back to ~ (console log, registry, ssh config) must not read or write the
// tester's real home: every test file gets an empty one of its own.
const home = mkdtempSync(path.join(tmpdir(), 'routedeck-test-home-'));
process.env['HOME'] = home;
process.env['XDG_STATE_HOME'] = path.join(home, '.local', 'state');

afterAll(() => rmSync(home, { recursive: true, force: true }));
